package dev.sluice.routing.config;

import com.fasterxml.jackson.databind.JsonNode;

import dev.sluice.routing.admission.Budget;
import dev.sluice.routing.admission.BudgetPeriod;
import dev.sluice.routing.admission.Limits;
import dev.sluice.routing.internal.LocatedYaml;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What every part of the configuration reader shares: the parsed YAML with its line numbers, the environment for
 * {@code ${VAR}} and {@code ${VAR:-default}} substitution, and the typed readers of one setting (string, integer in
 * a range, boolean, money in micros, limits, price), each of which reports a bad value as a {@link ConfigException}
 * naming the file, the line and the field. Parses text only: it never reads a file.
 * <p>
 * Confined to the calling thread.
 */
abstract class ConfigSection {
    static final long MAX_LIMIT = 1_000_000_000_000L;
    /** $100M: budget counters keep micros in 48 bits. */
    static final long MAX_BUDGET_MICROS = 100_000_000L * 1_000_000L;
    static final long MAX_CONNECT_MS = 600_000;
    static final long MAX_PHASE_MS = 3_600_000;
    static final long MAX_TOTAL_MS = 86_400_000;
    static final long MAX_BACKOFF_MS = 60_000;
    static final int MAX_FAILURES = 1_000;
    static final int MAX_WEIGHT = 1_000_000;
    static final Pattern ENV_REF = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

    final String file;
    final LocatedYaml yaml;
    final Map<String, String> env;

    ConfigSection(String file, LocatedYaml yaml, Map<String, String> env) {
        this.file = file;
        this.yaml = yaml;
        this.env = env;
    }

    /**
     * Parses {@code text}, a file whose top level must be a mapping ({@code expected} says of what); {@code file}
     * names it in errors.
     */
    static LocatedYaml mapping(String file, String text, String expected) throws ConfigException {
        LocatedYaml yaml;
        try {
            yaml = LocatedYaml.parse(text);
        } catch (LocatedYaml.SyntaxError e) {
            throw new ConfigException(file, e.line(), null, "YAML syntax error: " + e.getMessage());
        }
        if (!yaml.root().isObject()) {
            throw new ConfigException(file, 1, null, "expected " + expected);
        }
        return yaml;
    }

    void checkKeys(JsonNode node, String path, String... allowed) throws ConfigException {
        if (node.isMissingNode() || node.isNull()) {
            return;
        }
        if (!node.isObject()) {
            throw error(path, "expected a mapping");
        }
        outer:
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            for (String a : allowed) {
                if (a.equals(name)) {
                    continue outer;
                }
            }
            String field = path.isEmpty() ? name : path + '.' + name;
            throw error(field, "unknown setting (expected one of: " + String.join(", ", allowed) + ")");
        }
    }

    String str(JsonNode parent, String path, String dflt) throws ConfigException {
        JsonNode v = parent.path(leaf(path));
        if (v.isMissingNode() || v.isNull()) {
            return dflt;
        }
        if (!v.isValueNode() || v.isBoolean()) {
            throw error(path, "expected a string");
        }
        return substitute(v.asText());
    }

    /**
     * Reads a file or directory setting, or {@code dflt} when it is absent (null: none). A relative path is taken
     * relative to {@code dir}, the directory of the configuration file, so that the file means the same whatever
     * the working directory; it stays as it is when {@code dir} is null (text read without a file).
     */
    Path path(JsonNode parent, String path, String dflt, Path dir) throws ConfigException {
        String text = str(parent, path, dflt);
        if (text == null) {
            return null;
        }
        Path p;
        try {
            p = Path.of(text);
        } catch (InvalidPathException e) {
            throw error(path, "'" + text + "' is not a file name");
        }
        return p.isAbsolute() || dir == null ? p : dir.resolve(p).normalize();
    }

    long num(JsonNode parent, String path, long dflt, long min, long max) throws ConfigException {
        JsonNode v = parent.path(leaf(path));
        if (v.isMissingNode() || v.isNull()) {
            return dflt;
        }
        long n;
        if (v.isIntegralNumber()) {
            n = v.asLong();
        } else if (v.isTextual()) {
            try {
                n = Long.parseLong(substitute(v.asText()).trim());
            } catch (NumberFormatException e) {
                throw error(path, "'" + v.asText() + "' (expected: an integer)");
            }
        } else {
            throw error(path, v + " (expected: an integer)");
        }
        if (n < min || n > max) {
            throw error(path, n + " (expected: " + min + "-" + max + ")");
        }
        return n;
    }

    boolean bool(JsonNode parent, String path, boolean dflt) throws ConfigException {
        JsonNode v = parent.path(leaf(path));
        if (v.isMissingNode() || v.isNull()) {
            return dflt;
        }
        if (v.isBoolean()) {
            return v.asBoolean();
        }
        String t = v.isTextual() ? substitute(v.asText()).trim() : v.toString();
        if (t.equals("true") || t.equals("false")) {
            return Boolean.parseBoolean(t);
        }
        throw error(path, "'" + t + "' (expected: true or false)");
    }

    long micros(JsonNode parent, String path, long dflt) throws ConfigException {
        JsonNode v = parent.path(leaf(path));
        if (v.isMissingNode() || v.isNull()) {
            return dflt;
        }
        BigDecimal d;
        try {
            d = v.isNumber() ? v.decimalValue() : new BigDecimal(v.asText().trim());
        } catch (NumberFormatException e) {
            throw error(path, "'" + v.asText() + "' (expected: a price in currency per million tokens)");
        }
        if (d.signum() < 0) {
            throw error(path, d + " (expected: >= 0)");
        }
        return d.movePointRight(6).setScale(0, RoundingMode.HALF_UP).longValueExact();
    }

    String substitute(String value) throws ConfigException {
        if (value.indexOf("${") < 0) {
            return value;
        }
        Matcher m = ENV_REF.matcher(value);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            String v = env.get(m.group(1));
            if (v == null || v.isEmpty()) {
                v = m.group(2) == null ? "" : m.group(2);
            }
            m.appendReplacement(b, Matcher.quoteReplacement(v));
        }
        m.appendTail(b);
        return b.toString();
    }

    /** A {@code capture:} setting ({@link CaptureLevel}) under {@code parent}, or {@code dflt} when absent. */
    CaptureLevel captureLevel(JsonNode parent, String path, CaptureLevel dflt) throws ConfigException {
        if (!parent.isObject()) {
            return dflt;
        }
        JsonNode v = parent.path(path.substring(path.lastIndexOf('.') + 1));
        if (v.isBoolean() && !v.booleanValue()) {
            // YAML 1.1 reads a bare off as false: capture: off means what it says.
            return CaptureLevel.OFF;
        }
        if (v.isBoolean()) {
            throw error(path, "'" + v.asText() + "' (expected: off, metadata or full)");
        }
        String text = str(parent, path, null);
        if (text == null) {
            return dflt;
        }
        CaptureLevel level = CaptureLevel.parse(text);
        if (level == null) {
            throw error(path, "'" + text + "' (expected: off, metadata or full)");
        }
        return level;
    }

    static String leaf(String path) {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? path : path.substring(dot + 1);
    }

    ConfigException error(String field, String message) {
        return new ConfigException(file, yaml.lineOf(field), field, message);
    }

    /**
     * Reads a shadow declaration {@code {target, sample, budget}} at {@code path} for {@code source} (an alias, or
     * {@code agent/NAME}): the sample a share above 0 and at most 1, the budget one with a hard cap (it is what
     * bounds the shadow's spend). Whether the target is an alias is for the caller to check.
     */
    Shadow shadow(JsonNode sh, String path, String source) throws ConfigException {
        if (!sh.isObject()) {
            throw error(path, "expected {target: ALIAS, sample: SHARE, budget: {period, hard}}");
        }
        checkKeys(sh, path, "target", "sample", "budget");
        String target = str(sh, path + ".target", null);
        if (target == null || target.isEmpty()) {
            throw error(path + ".target", "missing (expected the model alias shadow copies go to)");
        }
        JsonNode sample = sh.path("sample");
        if (!sample.isNumber() || !(sample.asDouble() > 0 && sample.asDouble() <= 1)) {
            throw error(path + ".sample", "expected the share of requests copied: above 0, at most 1 (0.1 is one in "
                    + "ten)");
        }
        Budget budget = budget(sh.path("budget"), path + ".budget");
        if (budget == null || budget.hardMicros() < 0) {
            throw error(path + ".budget", "needs a hard cap (budget: {period: day, hard: 5.00}): it is what bounds "
                    + "the shadow's spend");
        }
        return new Shadow(source, target, sample.asDouble(), budget);
    }

    /** Reads {@code budget: {period, hard, soft}} at {@code path}; null when absent. */
    Budget budget(JsonNode n, String path) throws ConfigException {
        if (n.isMissingNode() || n.isNull()) {
            return null;
        }
        checkKeys(n, path, "period", "hard", "soft");
        String periodText = str(n, path + ".period", BudgetPeriod.MONTH.configName());
        BudgetPeriod period = null;
        for (BudgetPeriod p : BudgetPeriod.values()) {
            if (p.configName().equals(periodText.trim().toLowerCase(Locale.ROOT))) {
                period = p;
            }
        }
        if (period == null) {
            throw error(path + ".period", "'" + periodText + "' (expected: day, week or month)");
        }
        long hard = micros(n, path + ".hard", -1);
        long soft = micros(n, path + ".soft", -1);
        if (hard < 0 && soft < 0) {
            throw error(path, "needs hard (refuse past it) or soft (alert past it), in currency");
        }
        if (hard > MAX_BUDGET_MICROS || soft > MAX_BUDGET_MICROS) {
            throw error(path + (hard > MAX_BUDGET_MICROS ? ".hard" : ".soft"), "above 100000000 (the largest budget)");
        }
        if (hard >= 0 && soft > hard) {
            throw error(path + ".soft", "is above hard (expected: soft <= hard)");
        }
        return new Budget(period, hard, soft);
    }

    /** Reads {input, output, cached_input, cache_write} at {@code path}; cached and write default to input. */
    Price price(JsonNode pr, String path) throws ConfigException {
        long in = micros(pr, path + ".input", -1);
        long outP = micros(pr, path + ".output", -1);
        if (in < 0 || outP < 0) {
            throw error(path, "needs both input and output (currency per million tokens)");
        }
        return new Price(in, outP, micros(pr, path + ".cached_input", in), micros(pr, path + ".cache_write", in));
    }

    Limits limits(JsonNode n, String path) throws ConfigException {
        if (n.isMissingNode() || n.isNull()) {
            return Limits.NONE;
        }
        checkKeys(n, path, "requests_per_minute", "tokens_per_minute", "concurrent");
        return new Limits(num(n, path + ".requests_per_minute", -1, 0, MAX_LIMIT),
                num(n, path + ".tokens_per_minute", -1, 0, MAX_LIMIT),
                num(n, path + ".concurrent", -1, 0, MAX_LIMIT));
    }
}
