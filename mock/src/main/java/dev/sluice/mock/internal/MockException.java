package dev.sluice.mock.internal;

/**
 * A refusal of a request, answered as an error in the endpoint's dialect. Carries no stack trace: it is an
 * expected outcome, not a fault.
 *
 * <p>Immutable, so thread-safe.
 */
public final class MockException extends RuntimeException {
    private final int status;
    private final String code;

    /**
     * @param status  the HTTP status (4xx or 5xx)
     * @param message the message the client sees
     * @param code    the OpenAI {@code code}, or null
     */
    public MockException(final int status, final String message, final String code) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    /** Returns the HTTP status. */
    public int status() {
        return status;
    }

    /** Returns the OpenAI error code, or null. */
    public String code() {
        return code;
    }
}
