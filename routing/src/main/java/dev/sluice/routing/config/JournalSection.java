package dev.sluice.routing.config;

import dev.sluice.routing.internal.LocatedYaml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads the {@code journal:} section into a {@link JournalPolicy}, with the {@code capture:} overrides of teams,
 * keys and model aliases.
 * <p>
 * Confined to the calling thread.
 */
final class JournalSection extends ConfigSection {
    private static final int MAX_DAYS = 36_500;

    private final Path dir;

    /** @param dir the configuration file's directory, which a relative {@code signing_key_file} is relative to */
    JournalSection(String file, LocatedYaml yaml, Map<String, String> env, Path dir) {
        super(file, yaml, env);
        this.dir = dir;
    }

    JournalPolicy journal(JsonNode root) throws ConfigException {
        JsonNode j = root.path("journal");
        if (j.isMissingNode() || j.isNull()) {
            j = JsonNodeFactory.instance.objectNode();
        }
        checkKeys(j, "journal", "capture", "max_capture_bytes", "signing_key_file", "redaction", "retention",
                "roll_cycle");
        String rollCycle = str(j, "journal.roll_cycle", JournalPolicy.DEFAULT_ROLL_CYCLE);
        if (!rollCycle.matches("[A-Za-z_]{1,40}")) {
            throw error("journal.roll_cycle", "'" + rollCycle + "' (expected: DAILY, HOURLY or a Chronicle roll cycle"
                    + " name such as FIVE_MINUTELY)");
        }
        CaptureLevel capture = captureLevel(j, "journal.capture", JournalPolicy.DEFAULT_CAPTURE);
        int maxCaptureBytes = (int) num(j, "journal.max_capture_bytes", JournalPolicy.DEFAULT_MAX_CAPTURE_BYTES, 0,
                64 << 20);
        Path keyFile = path(j, "journal.signing_key_file", null, dir);
        JsonNode r = j.path("redaction");
        checkKeys(r, "journal.redaction", "enabled", "patterns");
        boolean redact = bool(r, "journal.redaction.enabled", true);
        Map<String, String> patterns = new LinkedHashMap<>();
        JsonNode p = r.path("patterns");
        if (!p.isMissingNode() && !p.isNull()) {
            if (!p.isObject()) {
                throw error("journal.redaction.patterns", "expected a mapping of label to regular expression");
            }
            for (Map.Entry<String, JsonNode> e : p.properties()) {
                String path = "journal.redaction.patterns." + e.getKey();
                if (!e.getKey().matches("[a-z][a-z0-9_]{0,31}")) {
                    throw error(path, "'" + e.getKey() + "' (expected: a label of lower-case letters, digits and _)");
                }
                String regex = str(p, path, null);
                try {
                    Pattern.compile(regex);
                } catch (PatternSyntaxException | NullPointerException ex) {
                    throw error(path, "not a regular expression: " + (regex == null ? "empty" : ex.getMessage()));
                }
                patterns.put(e.getKey(), regex);
            }
        }
        JsonNode ret = j.path("retention");
        checkKeys(ret, "journal.retention", "bodies", "records");
        int bodies = days(ret, "journal.retention.bodies", JournalPolicy.DEFAULT_BODY_RETENTION_DAYS);
        int records = days(ret, "journal.retention.records", JournalPolicy.DEFAULT_RECORD_RETENTION_DAYS);
        if (records < bodies) {
            throw error("journal.retention.records", records + "d (expected: at least retention.bodies, " + bodies
                    + "d)");
        }
        try {
            return new JournalPolicy(capture, overrides(root.path("teams"), "teams"), keyOverrides(root.path("keys")),
                    overrides(root.path("models"), "models"), maxCaptureBytes, redact, patterns, keyFile, bodies,
                    records, rollCycle.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            // The redactor refuses what the syntax check lets through (a pattern that matches the empty text).
            throw error("journal.redaction.patterns", e.getMessage());
        }
    }

    private Map<String, CaptureLevel> overrides(JsonNode node, String section) throws ConfigException {
        Map<String, CaptureLevel> out = new LinkedHashMap<>();
        if (!node.isObject()) {
            return out;
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            CaptureLevel level = captureLevel(e.getValue(), section + "." + e.getKey() + ".capture", null);
            if (level != null) {
                out.put(e.getKey(), level);
            }
        }
        return out;
    }

    private Map<String, CaptureLevel> keyOverrides(JsonNode node) throws ConfigException {
        Map<String, CaptureLevel> out = new LinkedHashMap<>();
        if (!node.isArray()) {
            return out;
        }
        for (int i = 0; i < node.size(); i++) {
            JsonNode k = node.get(i);
            CaptureLevel level = captureLevel(k, "keys[" + i + "].capture", null);
            if (level != null && k.hasNonNull("id")) {
                out.put(k.get("id").asText(), level);
            }
        }
        return out;
    }

    /** A duration in days: a number of days, or {@code <n>d}. */
    private int days(JsonNode parent, String path, int dflt) throws ConfigException {
        String text = str(parent, path, null);
        if (text == null) {
            return dflt;
        }
        String digits = text.endsWith("d") ? text.substring(0, text.length() - 1) : text;
        try {
            int n = Integer.parseInt(digits.trim());
            if (n < 1 || n > MAX_DAYS) {
                throw error(path, "'" + text + "' (expected: 1d to " + MAX_DAYS + "d)");
            }
            return n;
        } catch (NumberFormatException e) {
            throw error(path, "'" + text + "' (expected: a number of days, such as 30d)");
        }
    }
}
