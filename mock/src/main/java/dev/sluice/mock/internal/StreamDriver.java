package dev.sluice.mock.internal;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * Emits one SSE answer on the event loop's timers: the response headers (chunked) at once, then after
 * {@code stall_ms + first_token_ms} the first event, then one event every {@code token_ms}, each written and
 * flushed on its own. The next event is scheduled only when the previous write completed, which also keeps a
 * slow reader from piling up events. Faults: {@code malformed_after} injects one extra event whose data is not
 * JSON; {@code truncate_after} stops after that many scripted events (the injected one does not count) and ends
 * the answer by FIN, RST or a clean last chunk; {@code error_event_after} replaces the rest of the answer after N
 * content events with the dialect's error frame and a clean last chunk; {@code huge_line} sends one unterminated
 * {@code data:} line of N bytes in place of the events, in pieces written one after the other, then stays silent.
 *
 * <p>Confined to the channel's event loop.
 */
public final class StreamDriver {
    /** The start of the huge line; the rest is padding. */
    static final byte[] HUGE_LINE_PREFIX = "data: {\"pad\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final int HUGE_LINE_PIECE_BYTES = 64 * 1024;
    private static final byte[] PADDING = filled(HUGE_LINE_PIECE_BYTES);

    private final Exchange exchange;
    private final List<byte[]> events;
    private final byte[] malformedEvent;
    private final byte[] errorEvent;
    private final int errorAt;
    private final Behaviour behaviour;
    private int next;
    private boolean malformedSent;
    private long hugeLineLeft;

    /**
     * @param exchange  the exchange to answer
     * @param response  a stream answer
     * @param behaviour timing and faults
     */
    public StreamDriver(final Exchange exchange, final MockResponse response, final Behaviour behaviour) {
        this.exchange = requireNonNull(exchange, "exchange");
        this.events = requireNonNull(response.events(), "response.events");
        this.malformedEvent = response.malformedEvent();
        this.behaviour = requireNonNull(behaviour, "behaviour");
        this.errorEvent = response.errorEvent();
        this.errorAt = response.errorPosition(behaviour.errorEventAfter());
    }

    /** Sends the headers now and schedules the first event. */
    public void start() {
        final HttpHeaders h = exchange.headers(HttpHeaderValues.TEXT_EVENT_STREAM);
        h.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
        h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        final HttpResponse rsp = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, h);
        exchange.status(200);
        exchange.write(rsp);
        if (behaviour.stallMs() < 0) {
            return;
        }
        final long delayMs = behaviour.stallMs() + behaviour.firstTokenMs();
        if (behaviour.hugeLineBytes() >= 0) {
            hugeLineLeft = behaviour.hugeLineBytes();
            exchange.schedule(this::emitHugeLinePiece, delayMs);
        } else {
            exchange.schedule(this::emit, delayMs);
        }
    }

    private void emit() {
        if (behaviour.truncateAfter() >= 0 && next >= behaviour.truncateAfter() && next < events.size()) {
            truncate();
            return;
        }
        if (errorAt >= 0 && next == errorAt) {
            endWithError();
            return;
        }
        final byte[] frame;
        if (!malformedSent && behaviour.malformedAfter() >= 0 && next == behaviour.malformedAfter()) {
            malformedSent = true;
            frame = malformedEvent;
        } else {
            frame = events.get(next++);
        }
        // Counted before it is written: whoever reads the event from the connection then sees it counted.
        exchange.eventSent();
        exchange.write(new DefaultHttpContent(Unpooled.wrappedBuffer(frame))).addListener(f -> {
            if (!f.isSuccess() || exchange.isFinished()) {
                return;
            }
            if (next == events.size()) {
                exchange.write(LastHttpContent.EMPTY_LAST_CONTENT).addListener(done -> {
                    if (done.isSuccess()) {
                        exchange.complete();
                    }
                });
            } else {
                exchange.schedule(this::emit, behaviour.tokenMs());
            }
        });
    }

    private void endWithError() {
        exchange.eventSent();
        exchange.write(new DefaultHttpContent(Unpooled.wrappedBuffer(errorEvent))).addListener(f -> {
            if (!f.isSuccess() || exchange.isFinished()) {
                return;
            }
            exchange.write(LastHttpContent.EMPTY_LAST_CONTENT).addListener(done -> {
                if (done.isSuccess()) {
                    exchange.endIncomplete();
                }
            });
        });
    }

    /** Writes the next piece of the huge line; the next piece goes only once this one is written (backpressure). */
    private void emitHugeLinePiece() {
        if (hugeLineLeft == 0) {
            // The line never ends: stay silent until the peer gives up (the exchange is then cancelled).
            return;
        }
        final long written = behaviour.hugeLineBytes() - hugeLineLeft;
        final int length;
        final byte[] source;
        final int offset;
        if (written < HUGE_LINE_PREFIX.length) {
            source = HUGE_LINE_PREFIX;
            offset = (int) written;
            length = (int) Math.min(HUGE_LINE_PREFIX.length - written, hugeLineLeft);
        } else {
            source = PADDING;
            offset = 0;
            length = (int) Math.min(PADDING.length, hugeLineLeft);
        }
        hugeLineLeft -= length;
        exchange.write(new DefaultHttpContent(Unpooled.wrappedBuffer(source, offset, length))).addListener(f -> {
            if (f.isSuccess() && !exchange.isFinished()) {
                exchange.schedule(this::emitHugeLinePiece, 0);
            }
        });
    }

    private void truncate() {
        switch (behaviour.truncateMode()) {
            case CLEAN:
                exchange.write(LastHttpContent.EMPTY_LAST_CONTENT).addListener(f -> {
                    if (f.isSuccess()) {
                        exchange.endIncomplete();
                    }
                });
                break;
            case RST:
                exchange.abort(true);
                break;
            default:
                exchange.abort(false);
                break;
        }
    }

    private static byte[] filled(final int length) {
        final byte[] b = new byte[length];
        Arrays.fill(b, (byte) 'a');
        return b;
    }
}
