package dev.sluice.codec.translate;

/**
 * Tool call ids made acceptable to both dialects. Anthropic requires {@code ^[a-zA-Z0-9_-]{1,64}$}; other
 * providers send ids such as {@code functions.search:0}. The mapping is deterministic, so an id translated in a
 * response and sent back in the next request's history translates to the same value. Thread-safe (stateless).
 */
public final class ToolIds {
    static final int MAX_LENGTH = 64;

    private ToolIds() {
    }

    /** Replaces every character outside {@code [a-zA-Z0-9_-]} with {@code '_'} and keeps at most 64 of them. */
    public static String sanitize(String id) {
        if (id == null || id.isEmpty()) {
            return "toolu_";
        }
        int n = Math.min(id.length(), MAX_LENGTH);
        StringBuilder sb = null;
        for (int i = 0; i < n; i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
                    || c == '-';
            if (!ok && sb == null) {
                sb = new StringBuilder(n).append(id, 0, i);
            }
            if (sb != null) {
                sb.append(ok ? c : '_');
            }
        }
        return sb != null ? sb.toString() : n == id.length() ? id : id.substring(0, n);
    }
}
