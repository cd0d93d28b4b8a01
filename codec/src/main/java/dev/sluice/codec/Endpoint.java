package dev.sluice.codec;

import static java.util.Objects.requireNonNull;

/**
 * The API endpoints the gateway serves, each with its path, its dialect, a name for logs and metrics, and a
 * one-byte id that is stable across releases because the journal stores it. Thread-safe (immutable).
 */
public enum Endpoint {
    CHAT_COMPLETIONS("/v1/chat/completions", Dialect.OPENAI, "chat.completions", 1),
    COMPLETIONS("/v1/completions", Dialect.OPENAI, "completions", 2),
    EMBEDDINGS("/v1/embeddings", Dialect.OPENAI, "embeddings", 3),
    RESPONSES("/v1/responses", Dialect.OPENAI, "responses", 4),
    MESSAGES("/v1/messages", Dialect.ANTHROPIC, "messages", 5),
    MODELS("/v1/models", Dialect.OPENAI, "models", 6),
    /** Sluice's own: feedback on an answer. Errors come in the OpenAI shape unless the caller sends anthropic-version. */
    FEEDBACK("/v1/feedback", Dialect.OPENAI, "feedback", 7);

    private static final Endpoint[] VALUES = values();
    private static final Endpoint[] BY_ID = new Endpoint[9];

    static {
        for (Endpoint e : VALUES) {
            BY_ID[e.id] = e;
        }
    }

    private final String path;
    private final Dialect dialect;
    private final String wireName;
    private final byte id;

    Endpoint(String path, Dialect dialect, String wireName, int id) {
        this.path = path;
        this.dialect = dialect;
        this.wireName = wireName;
        this.id = (byte) id;
    }

    /** The request path, e.g. {@code /v1/chat/completions}. */
    public String path() {
        return path;
    }

    /** The dialect of bodies on this endpoint. */
    public Dialect dialect() {
        return dialect;
    }

    /** A short dotted name for logs, metrics and the journal, e.g. {@code chat.completions}. */
    public String wireName() {
        return wireName;
    }

    /** The journal id of this endpoint; never reused for another endpoint. */
    public byte id() {
        return id;
    }

    /**
     * Returns the endpoint with the given journal id.
     *
     * @throws IllegalArgumentException when no endpoint has that id
     */
    public static Endpoint fromId(byte id) {
        Endpoint e = id > 0 && id < BY_ID.length ? BY_ID[id] : null;
        if (e == null) {
            throw new IllegalArgumentException("id: " + id + " (expected: 1.." + VALUES.length + ")");
        }
        return e;
    }

    /**
     * Returns the endpoint whose path equals {@code uri} up to an optional query ({@code ?...}) or fragment
     * ({@code #...}), or {@code null} when none does. The match is exact and case-sensitive: no trailing slash,
     * no prefix match. Allocates nothing.
     */
    public static Endpoint forPath(CharSequence uri) {
        requireNonNull(uri, "uri");
        int length = uri.length();
        for (int i = 0; i < length; i++) {
            char c = uri.charAt(i);
            if (c == '?' || c == '#') {
                length = i;
                break;
            }
        }
        for (Endpoint e : VALUES) {
            if (e.path.length() == length && regionMatches(e.path, uri, length)) {
                return e;
            }
        }
        return null;
    }

    private static boolean regionMatches(String path, CharSequence uri, int length) {
        for (int i = 0; i < length; i++) {
            if (path.charAt(i) != uri.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
