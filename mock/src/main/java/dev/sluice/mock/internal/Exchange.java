package dev.sluice.mock.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * One request/response exchange on a connection: its record, its pending timer, and how it ends (completed,
 * ended early by the mock, or cancelled by the peer). Timers run on the channel's event loop; no thread sleeps.
 *
 * <p>Confined to the channel's event loop.
 */
public final class Exchange {
    private final ChannelHandlerContext ctx;
    private final MockRecorder.Entry entry;
    private final Dialect dialect;
    private final String requestId;
    private final boolean keepAlive;
    private final Runnable onDone;
    private Behaviour behaviour = Behaviour.DEFAULT;
    private ScheduledFuture<?> timer;
    private boolean finished;
    private int eventsSent;

    /**
     * @param ctx       the handler context writes go through
     * @param entry     the record to update, or null for requests that are not recorded
     * @param dialect   the endpoint's dialect
     * @param requestId the generated request id
     * @param keepAlive whether the connection stays open after this exchange
     * @param onDone    run once when the exchange ended without closing the connection
     */
    public Exchange(final ChannelHandlerContext ctx, final MockRecorder.Entry entry, final Dialect dialect,
        final String requestId, final boolean keepAlive, final Runnable onDone) {
        this.ctx = requireNonNull(ctx, "ctx");
        this.entry = entry;
        this.dialect = requireNonNull(dialect, "dialect");
        this.requestId = requireNonNull(requestId, "requestId");
        this.keepAlive = keepAlive;
        this.onDone = requireNonNull(onDone, "onDone");
    }

    /** Sets the behaviour whose extra headers and content type every answer of this exchange carries. */
    public void behaviour(final Behaviour behaviour) {
        this.behaviour = requireNonNull(behaviour, "behaviour");
    }

    /** Returns the endpoint's dialect. */
    public Dialect dialect() {
        return dialect;
    }

    /** Returns the generated request id. */
    public String requestId() {
        return requestId;
    }

    /** Returns whether the exchange has ended in any way. */
    public boolean isFinished() {
        return finished;
    }

    /** Runs {@code task} on the event loop after {@code delayMs} (at once for 0), unless the exchange ended first. */
    public void schedule(final Runnable task, final long delayMs) {
        if (finished) {
            return;
        }
        final Runnable guarded = () -> {
            if (!finished) {
                task.run();
            }
        };
        if (delayMs <= 0) {
            ctx.executor().execute(guarded);
        } else {
            timer = ctx.executor().schedule(guarded, delayMs, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Returns the headers every answer carries: content type (the behaviour's {@code content_type} when set,
     * none when both are null), the dialect's request id, keep-alive intent, and the behaviour's
     * {@code location}, {@code set_cookie} and {@code hop_headers}.
     */
    public HttpHeaders headers(final CharSequence contentType) {
        final HttpHeaders h = new DefaultHttpHeaders();
        final CharSequence type = behaviour.contentType() != null ? behaviour.contentType() : contentType;
        if (type != null) {
            h.set(HttpHeaderNames.CONTENT_TYPE, type);
        }
        h.set(dialect.requestIdHeader(), requestId);
        if (!keepAlive) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        if (behaviour.location() != null) {
            h.set(HttpHeaderNames.LOCATION, behaviour.location());
        }
        if (behaviour.contentEncoding() != null) {
            // Only the label: the body stays as it is (a gateway must refuse the answer on its head).
            h.set(HttpHeaderNames.CONTENT_ENCODING, behaviour.contentEncoding());
        }
        if (behaviour.setCookie()) {
            h.set(HttpHeaderNames.SET_COOKIE, "session=secret; Path=/");
        }
        if (behaviour.hopHeaders()) {
            // RFC 9110 7.6.1: X-Hop is named in Connection, so it and the rest are hop-by-hop for a proxy.
            h.set(HttpHeaderNames.CONNECTION, (keepAlive ? "keep-alive" : "close") + ", X-Hop");
            h.set("X-Hop", "1");
            h.set(HttpHeaderNames.KEEP_ALIVE, "timeout=5");
            h.set(HttpHeaderNames.PROXY_CONNECTION, "keep-alive");
        }
        return h;
    }

    /** Sends a redirect (or any status) with an empty body and the behaviour's headers ({@code Location}). */
    public void sendEmpty(final int status) {
        sendFull(status, headers(null), new byte[0]);
    }

    /** Writes and flushes {@code msg}; a failed write closes the channel (the peer is gone). */
    public ChannelFuture write(final Object msg) {
        return ctx.writeAndFlush(msg).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }

    /** Records the status line about to be sent. */
    public void status(final int status) {
        if (entry != null) {
            entry.update(r -> r.withStatus(status));
        }
    }

    /** Records one more SSE event written. */
    public void eventSent() {
        eventsSent++;
        if (entry != null) {
            final int n = eventsSent;
            entry.update(r -> r.withEventsSent(n));
        }
    }

    /** Sends a complete response and completes the exchange once it is written. */
    public void sendFull(final int status, final HttpHeaders headers, final byte[] body) {
        final FullHttpResponse rsp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
            HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(body));
        rsp.headers().set(headers);
        rsp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        status(status);
        write(rsp).addListener(f -> {
            if (f.isSuccess()) {
                complete();
            }
        });
    }

    /**
     * Sends an error in the dialect's format, with {@code x-should-retry: false} and, when
     * {@code retryAfterSec >= 0}, {@code retry-after}.
     */
    public void sendError(final int status, final String message, final String code, final int retryAfterSec) {
        final HttpHeaders h = headers(HttpHeaderValues.APPLICATION_JSON);
        h.set("x-should-retry", "false");
        if (retryAfterSec >= 0) {
            h.setInt(HttpHeaderNames.RETRY_AFTER, retryAfterSec);
        }
        sendFull(status, h, ErrorBodies.of(dialect, status, message, code, requestId));
    }

    /** Marks the answer fully sent. */
    public void complete() {
        if (finished) {
            return;
        }
        if (entry != null) {
            entry.update(r -> r.asCompleted());
        }
        end();
    }

    /** Ends the exchange after a properly framed but deliberately incomplete answer. */
    public void endIncomplete() {
        if (!finished) {
            end();
        }
    }

    private void end() {
        finished = true;
        cancelTimer();
        if (keepAlive) {
            onDone.run();
        } else {
            ctx.close();
        }
    }

    /** Ends the exchange by closing the connection: a FIN, or with {@code reset} a TCP RST (SO_LINGER 0). */
    public void abort(final boolean reset) {
        finished = true;
        cancelTimer();
        if (reset) {
            ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
        }
        ctx.channel().close();
    }

    /** Called when the peer closed the connection: an unfinished exchange becomes cancelled. */
    public void peerClosed(final long nowNs) {
        if (finished) {
            return;
        }
        finished = true;
        cancelTimer();
        if (entry != null) {
            entry.update(r -> r.asCancelled(nowNs));
        }
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
