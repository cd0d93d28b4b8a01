package dev.sluice.proxy.internal;

import dev.sluice.codec.Dialect;
import dev.sluice.codec.ErrorBodies;
import dev.sluice.routing.admission.AdmissionDecision;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;

/**
 * Responses the gateway answers itself: refusals in the caller's dialect and small JSON documents. Every one
 * carries the request id. Stateless; call on the channel's event loop.
 */
final class ClientResponses {
    static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");
    static final AsciiString REQUEST_ID = AsciiString.cached("request-id");
    static final AsciiString X_SHOULD_RETRY = AsciiString.cached("x-should-retry");

    private ClientResponses() {
    }

    /** Writes and flushes a JSON error in {@code dialect}, saying {@code Connection: close} when {@code close}. */
    static void error(ChannelHandlerContext ctx, Dialect dialect, int status, String code, String message,
                      CharSequence requestId, boolean close, CharSequence retryAfterSeconds) {
        error(ctx, dialect, status, code, message, requestId, close, retryAfterSeconds, null);
    }

    /** As above, with the {@code x-ratelimit-*} headers of an admission decision (may be null). */
    static void error(ChannelHandlerContext ctx, Dialect dialect, int status, String code, String message,
                      CharSequence requestId, boolean close, CharSequence retryAfterSeconds,
                      AdmissionDecision limits) {
        error(ctx, dialect, status, code, message, null, requestId, close, retryAfterSeconds, limits);
    }

    /** As above, naming the refused request member ({@code param} in OpenAI's body; may be null). */
    static void error(ChannelHandlerContext ctx, Dialect dialect, int status, String code, String message,
                      String param, CharSequence requestId, boolean close, CharSequence retryAfterSeconds,
                      AdmissionDecision limits) {
        byte[] body = ErrorBodies.json(dialect, status, code, message, requestId == null ? null : requestId.toString(),
                param);
        FullHttpResponse r = json(status, body, requestId, close);
        if (retryAfterSeconds != null) {
            r.headers().set(HttpHeaderNames.RETRY_AFTER, retryAfterSeconds);
        }
        RateLimitHeaders.add(r.headers(), limits);
        if (status != 429 && status < 500) {
            // A refusal by the gateway is deterministic: tell the official SDKs not to retry it.
            r.headers().set(X_SHOULD_RETRY, "false");
        }
        send(ctx, r);
    }

    static FullHttpResponse json(int status, byte[] body, CharSequence requestId, boolean close) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                Unpooled.wrappedBuffer(body));
        HttpHeaders h = r.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        if (requestId != null) {
            h.set(X_REQUEST_ID, requestId);
            h.set(REQUEST_ID, requestId);
        }
        if (close) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return r;
    }

    /** Writes and flushes; closing, when the answer said so, is the connection handler's job. */
    static void send(ChannelHandlerContext ctx, FullHttpResponse r) {
        ctx.writeAndFlush(r, ctx.voidPromise());
    }
}
