package dev.sluice.mock.internal;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

import java.util.Arrays;

/**
 * Sends a 200 JSON answer with the behaviour's timing and faults: the whole answer after {@code first_token_ms};
 * with {@code stall_ms} the headers go out at once and the body after {@code stall_ms + first_token_ms} (never
 * for -1). {@code truncate_after=N} sends only N body bytes: under the full {@code content-length} followed by a
 * FIN or RST, or in {@code clean} mode as a complete response whose {@code content-length} is N.
 *
 * <p>Confined to the channel's event loop.
 */
public final class JsonSender {
    private JsonSender() {
    }

    /** Starts sending {@code body} on {@code exchange}. */
    public static void send(final Exchange exchange, final byte[] body, final Behaviour behaviour) {
        final int n = behaviour.truncateAfter();
        final boolean truncated = n >= 0 && n < body.length;
        final boolean clean = truncated && behaviour.truncateMode() == Behaviour.TruncateMode.CLEAN;
        final byte[] sent = truncated ? Arrays.copyOf(body, n) : body;
        final HttpHeaders h = exchange.headers(HttpHeaderValues.APPLICATION_JSON);
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, clean ? n : body.length);
        if (behaviour.stallMs() == 0) {
            exchange.schedule(() -> {
                writeHeaders(exchange, h);
                writeBody(exchange, sent, truncated && !clean, !truncated, behaviour);
            }, behaviour.firstTokenMs());
            return;
        }
        writeHeaders(exchange, h);
        if (behaviour.stallMs() > 0) {
            exchange.schedule(() -> writeBody(exchange, sent, truncated && !clean, !truncated, behaviour),
                behaviour.stallMs() + behaviour.firstTokenMs());
        }
    }

    private static void writeHeaders(final Exchange exchange, final HttpHeaders h) {
        exchange.status(200);
        exchange.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, h));
    }

    private static void writeBody(final Exchange exchange, final byte[] bytes, final boolean cut,
        final boolean whole, final Behaviour behaviour) {
        if (cut) {
            exchange.write(new DefaultHttpContent(Unpooled.wrappedBuffer(bytes))).addListener(f -> {
                if (f.isSuccess()) {
                    exchange.abort(behaviour.truncateMode() == Behaviour.TruncateMode.RST);
                }
            });
            return;
        }
        exchange.write(new DefaultLastHttpContent(Unpooled.wrappedBuffer(bytes))).addListener(f -> {
            if (f.isSuccess()) {
                if (whole) {
                    exchange.complete();
                } else {
                    exchange.endIncomplete();
                }
            }
        });
    }
}
