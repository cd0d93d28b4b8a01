package dev.sluice.proxy.internal;

/**
 * Where an {@link Exchange} is in its life. It only moves forward: {@code HEAD -> BODY -> ADMISSION -> UPSTREAM ->
 * RELAYING -> DONE}, skipping phases a request does not need (a refusal goes from any phase straight to
 * {@code DONE}).
 */
enum Phase {
    /** Created for a request head that is still being checked (framing, key, tags). */
    HEAD,
    /** The head was accepted; the body is being read up to its cap. */
    BODY,
    /** The request is whole and waits for its admission decision. */
    ADMISSION,
    /**
     * Admitted: an attempt is in flight or waits to be retried. Nothing has reached the client yet, so a failure
     * can still move the request to another attempt or answer with an error status.
     */
    UPSTREAM,
    /** The response head went to the client ("the commit"): a failure now ends the response in-band. */
    RELAYING,
    /** The END record is written and what the exchange held is released; later events are ignored. */
    DONE;

    /** Whether the request has been read whole (a message that follows belongs to the next, pipelined request). */
    boolean requestComplete() {
        return compareTo(ADMISSION) >= 0;
    }
}
