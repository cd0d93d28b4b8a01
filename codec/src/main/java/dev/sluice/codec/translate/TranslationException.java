package dev.sluice.codec.translate;

/**
 * A request or response that cannot be expressed in the other dialect. The message is written for the caller
 * (it becomes the {@code message} of a 400 error in the caller's own dialect) and names the offending field.
 * Thread-safe (immutable).
 */
public final class TranslationException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String field;

    public TranslationException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** Returns the JSON path of the offending field, e.g. {@code messages[2].content[0].type}, or {@code null}. */
    public String field() {
        return field;
    }
}
