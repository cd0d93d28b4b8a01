package dev.sluice.codec.redact;

import static java.util.Objects.requireNonNull;

import dev.sluice.codec.redact.internal.BuiltInDetectors;
import dev.sluice.codec.redact.internal.RedactionEngine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What to redact, chosen once from configuration: the built-in detectors ({@link #builtIn()}) or none
 * ({@link #none()}), plus named custom patterns ({@link #withPatterns}). Makes the per-thread
 * {@link JsonRedaction} and per-stream {@link StreamRedaction} that do the work.
 * <p>
 * Built-in labels: {@code email}, {@code phone}, {@code card} (Luhn-checked), {@code iban} (mod-97 checked),
 * {@code ssn}, {@code ip} (IPv4 and IPv6), {@code secret} (provider API keys, bearer tokens, JWTs, PEM private
 * keys). A custom pattern's label is its name.
 * <p>
 * Immutable. Thread-safe.
 */
public final class Redactor {
    private static final Redactor BUILT_IN = new Redactor(true, new String[0], new Pattern[0]);
    private static final Redactor NONE = new Redactor(false, new String[0], new Pattern[0]);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private final boolean builtIn;
    private final String[] names;
    private final Pattern[] patterns;
    private final String[] labels;
    private final int[] patternLabel;

    private Redactor(boolean builtIn, String[] names, Pattern[] patterns) {
        this.builtIn = builtIn;
        this.names = names;
        this.patterns = patterns;
        List<String> all = new ArrayList<>(Arrays.asList(BuiltInDetectors.LABELS));
        this.patternLabel = new int[names.length];
        for (int i = 0; i < names.length; i++) {
            int at = all.indexOf(names[i]);
            if (at < 0) {
                at = all.size();
                all.add(names[i]);
            }
            patternLabel[i] = at;
        }
        this.labels = all.toArray(new String[0]);
    }

    /** A redactor with all built-in detectors. */
    public static Redactor builtIn() {
        return BUILT_IN;
    }

    /** A redactor that redacts nothing: content is captured as it is. */
    public static Redactor none() {
        return NONE;
    }

    /**
     * This redactor plus custom patterns, name to {@link Pattern java.util.regex} source; each name is the label of
     * its matches and may repeat a built-in label. Patterns see decoded string values byte by byte, UTF-8 read as
     * ISO-8859-1, so they match ASCII as written.
     *
     * @throws IllegalArgumentException naming the pattern, when a name is not 1 to 64 of {@code [A-Za-z0-9_.-]}, a
     *     pattern does not compile, or a pattern matches the empty string
     */
    public Redactor withPatterns(Map<String, String> namedRegex) {
        requireNonNull(namedRegex, "namedRegex");
        String[] n = Arrays.copyOf(names, names.length + namedRegex.size());
        Pattern[] p = Arrays.copyOf(patterns, patterns.length + namedRegex.size());
        int i = names.length;
        for (Map.Entry<String, String> e : namedRegex.entrySet()) {
            String name = e.getKey();
            String regex = e.getValue();
            if (name == null || !NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(
                    "pattern name: " + name + " (expected: 1 to 64 of letters, digits, '_', '.', '-')");
            }
            if (regex == null) {
                throw new IllegalArgumentException("pattern " + name + ": null (expected: a regular expression)");
            }
            Pattern compiled;
            try {
                compiled = Pattern.compile(regex);
            } catch (PatternSyntaxException ex) {
                throw new IllegalArgumentException("pattern " + name + ": " + regex
                    + " (expected: a java.util.regex pattern; " + ex.getDescription() + ")", ex);
            }
            if (compiled.matcher("").matches()) {
                throw new IllegalArgumentException("pattern " + name + ": " + regex
                    + " (expected: a pattern that does not match the empty string)");
            }
            n[i] = name;
            p[i++] = compiled;
        }
        return new Redactor(builtIn, n, p);
    }

    /** False for {@link #none()} without patterns: nothing would ever be redacted. */
    public boolean isEnabled() {
        return builtIn || patterns.length > 0;
    }

    /** New scratch for redacting whole JSON bodies on one thread; reusable across requests. */
    public JsonRedaction newJsonRedaction() {
        return new JsonRedaction(newEngine(false));
    }

    /** New scratch for one stream; reusable for another after {@link StreamRedaction#reset()}. */
    public StreamRedaction newStreamRedaction() {
        return new StreamRedaction(newEngine(true));
    }

    private RedactionEngine newEngine(boolean joinContent) {
        return new RedactionEngine(builtIn, patterns, patternLabel, labels, joinContent);
    }

    @Override
    public String toString() {
        return "Redactor{builtIn=" + builtIn + ", patterns=" + Arrays.toString(names) + "}";
    }
}
