package dev.sluice.codec.internal;

/**
 * Receives the values a {@link JsonLexer} finds. Called on the lexer's thread.
 */
public interface JsonSink {
    /**
     * One JSON value.
     *
     * @param depth        depth of the container holding the value (1 = member of the top-level object)
     * @param containerKey {@link Words} id of the key the holding container was stored under (array elements
     *                     inherit their array's key), {@link Words#NONE} at the top level or when unknown
     * @param key          {@link Words} id of the member name (for array elements: the array's key)
     * @param kind         one of the {@code JsonLexer.KIND_*} constants
     * @param number       the value of a non-negative integer {@link JsonLexer#KIND_NUMBER}, else -1
     * @param word         {@link Words} id of a {@link JsonLexer#KIND_STRING} value, else 0
     * @param length       raw byte length of a string's content (escapes not decoded)
     */
    void onValue(int depth, int containerKey, int key, int kind, long number, int word, int length);
}
