package dev.sluice.bench.load;

/** Why a request of a load run counts as an error. Thread-safe (enum). */
public enum LoadError {
    /** The connection could not be opened. */
    CONNECT,
    /** The connection closed or failed before the response ended. */
    IO,
    /** The bytes were not a valid HTTP/1.1 response. */
    PROTOCOL,
    /** A 200 stream that did not end with a terminal event ({@code data: [DONE]} or {@code message_stop}). */
    STREAM,
    /** Still unanswered (or not yet sent) when the drain time after the run ran out. */
    TIMEOUT,
    /** A complete response whose status was not 2xx. */
    STATUS
}
