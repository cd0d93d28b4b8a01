package dev.sluice.proxy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Names the top-level sections of a configuration file whose text differs between two versions, for the journal's
 * record of a reload ({@code changed: models, keys}). Compares text, not meaning: a comment changed inside a
 * section names it too.
 * <p>
 * Thread-safe (stateless).
 */
final class ConfigSections {
    private ConfigSections() {
    }

    /** The sections that differ, in the new text's order; null when either text is unknown. */
    static List<String> changed(String before, String after) {
        if (before == null || after == null) {
            return null;
        }
        Map<String, String> a = sections(before);
        Map<String, String> b = sections(after);
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : b.entrySet()) {
            if (!e.getValue().equals(a.get(e.getKey()))) {
                out.add(e.getKey());
            }
        }
        for (String name : a.keySet()) {
            if (!b.containsKey(name)) {
                out.add(name + " (removed)");
            }
        }
        return out;
    }

    /** Each top-level key with the text of its section (comment lines and blank lines left out). */
    private static Map<String, String> sections(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        String current = "";
        StringBuilder body = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            if (!Character.isWhitespace(line.charAt(0)) && line.indexOf(':') > 0 && !line.startsWith("-")) {
                out.merge(current, body.toString(), String::concat);
                current = line.substring(0, line.indexOf(':')).strip();
                body.setLength(0);
            }
            body.append(line).append('\n');
        }
        out.merge(current, body.toString(), String::concat);
        out.remove("");
        return out;
    }
}
