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

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * Emits one SSE answer on the event loop's timers: the response headers (chunked) at once, then after
 * {@code stall_ms + first_token_ms} the first event, then one event every {@code token_ms}, each written and
 * flushed on its own. The next event is scheduled only when the previous write completed, which also keeps a
 * slow reader from piling up events. Faults: {@code malformed_after} injects one extra event whose data is not
 * JSON; {@code truncate_after} stops after that many scripted events (the injected one does not count) and ends
 * the answer by FIN, RST or a clean last chunk.
 *
 * <p>Confined to the channel's event loop.
 */
public final class StreamDriver {
    private final Exchange exchange;
    private final List<byte[]> events;
    private final byte[] malformedEvent;
    private final Behaviour behaviour;
    private int next;
    private boolean malformedSent;

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
    }

    /** Sends the headers now and schedules the first event. */
    public void start() {
        final HttpHeaders h = exchange.headers(HttpHeaderValues.TEXT_EVENT_STREAM);
        h.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
        h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        final HttpResponse rsp = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, h);
        exchange.status(200);
        exchange.write(rsp);
        if (behaviour.stallMs() >= 0) {
            exchange.schedule(this::emit, behaviour.stallMs() + behaviour.firstTokenMs());
        }
    }

    private void emit() {
        if (behaviour.truncateAfter() >= 0 && next >= behaviour.truncateAfter() && next < events.size()) {
            truncate();
            return;
        }
        final byte[] frame;
        if (!malformedSent && behaviour.malformedAfter() >= 0 && next == behaviour.malformedAfter()) {
            malformedSent = true;
            frame = malformedEvent;
        } else {
            frame = events.get(next++);
        }
        exchange.write(new DefaultHttpContent(Unpooled.wrappedBuffer(frame))).addListener(f -> {
            if (!f.isSuccess() || exchange.isFinished()) {
                return;
            }
            exchange.eventSent();
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
}
