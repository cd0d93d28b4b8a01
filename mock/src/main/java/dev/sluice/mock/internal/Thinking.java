package dev.sluice.mock.internal;

/**
 * The deterministic reasoning of a {@code thinking=1} answer: its tokens and the Anthropic block signature.
 *
 * <p>Thread-safe (constants only).
 */
final class Thinking {
    /** The thinking tokens, streamed one per delta. */
    static final String[] TOKENS = {"Let ", "me ", "think ", "this ", "through."};
    /** The signature sent in the {@code signature_delta} (and on the non-streaming block). */
    static final String SIGNATURE = "EqQBCgIYAhIMsluiceMockSig0";

    private Thinking() {
    }

    /** Returns the thinking text: every token joined. */
    static String text() {
        return String.join("", TOKENS);
    }

    /** Returns the number of thinking tokens when {@code thinking} is on, else 0. */
    static int tokens(final boolean thinking) {
        return thinking ? TOKENS.length : 0;
    }
}
