package dev.sluice.mock;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What the mock provider saw of one request and how far its answer got: an immutable snapshot.
 * The provider replaces a request's snapshot atomically as the answer progresses, so a test reads
 * {@link MockProvider#records()} again (for example with Awaitility) to see later states.
 *
 * <p>{@code status} is 0 until a status line was chosen; {@code eventsSent} counts SSE events handed to the
 * connection, each before it is written (including an injected malformed one); {@code completed} is true once the whole answer was sent (a
 * truncated answer never completes); {@code cancelled} is true when the peer closed the connection
 * before that; {@code closedAtNs} is the {@link System#nanoTime()} of the peer's close, or -1.
 *
 * <p>Immutable, so thread-safe; {@link #body()} returns a copy.
 *
 * @param id              the {@code x-test-req-id} request header when sent, else a sequence number
 * @param method          the HTTP method
 * @param path            the request path without the query string
 * @param headers         request headers, names lower-cased, repeated values joined with ", "
 * @param body            the request body bytes
 * @param receivedAtNs {@link System#nanoTime()} when the full request was received
 * @param status          the response status sent, 0 before one was sent
 * @param eventsSent      SSE events handed to the connection so far (counted before each is written)
 * @param completed       the full response was sent
 * @param cancelled       the peer closed the connection before the response was complete
 * @param closedAtNs   {@link System#nanoTime()} when the peer's close was seen, or -1
 */
public record MockRecord(
    String id,
    String method,
    String path,
    Map<String, String> headers,
    byte[] body,
    long receivedAtNs,
    int status,
    int eventsSent,
    boolean completed,
    boolean cancelled,
    long closedAtNs) {

    /** Copies the mutable inputs so the snapshot cannot change under a reader. */
    public MockRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        headers = Map.copyOf(Objects.requireNonNull(headers, "headers"));
        body = Objects.requireNonNull(body, "body").clone();
    }

    /** Returns a copy of the request body. */
    @Override
    public byte[] body() {
        return body.clone();
    }

    /** Returns the request header {@code name} (any case), or null. */
    public String header(final String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** Returns this snapshot with {@code status} set. */
    public MockRecord withStatus(final int newStatus) {
        return new MockRecord(id, method, path, headers, body, receivedAtNs, newStatus, eventsSent, completed,
            cancelled, closedAtNs);
    }

    /** Returns this snapshot with {@code eventsSent} set. */
    public MockRecord withEventsSent(final int newEventsSent) {
        return new MockRecord(id, method, path, headers, body, receivedAtNs, status, newEventsSent, completed,
            cancelled, closedAtNs);
    }

    /** Returns this snapshot marked completed. */
    public MockRecord asCompleted() {
        return new MockRecord(id, method, path, headers, body, receivedAtNs, status, eventsSent, true, cancelled,
            closedAtNs);
    }

    /** Returns this snapshot marked cancelled by the peer at {@code atNs}. */
    public MockRecord asCancelled(final long atNs) {
        return new MockRecord(id, method, path, headers, body, receivedAtNs, status, eventsSent, completed, true,
            atNs);
    }

    @Override
    public boolean equals(final Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof MockRecord)) {
            return false;
        }
        final MockRecord r = (MockRecord) o;
        return receivedAtNs == r.receivedAtNs && status == r.status && eventsSent == r.eventsSent
            && completed == r.completed && cancelled == r.cancelled && closedAtNs == r.closedAtNs
            && id.equals(r.id) && method.equals(r.method) && path.equals(r.path) && headers.equals(r.headers)
            && Arrays.equals(body, r.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, method, path, receivedAtNs, status, eventsSent, completed, cancelled)
            * 31 + Arrays.hashCode(body);
    }

    @Override
    public String toString() {
        return "MockRecord{id=" + id + ", " + method + ' ' + path + ", bodyBytes=" + body.length
            + ", status=" + status + ", eventsSent=" + eventsSent + ", completed=" + completed
            + ", cancelled=" + cancelled + '}';
    }
}
