package dev.sluice.proxy.internal;

import dev.sluice.codec.Dialect;
import dev.sluice.codec.Endpoint;
import dev.sluice.codec.Usage;
import dev.sluice.codec.translate.ResponseTranslator;
import dev.sluice.codec.translate.TranslationException;
import dev.sluice.codec.translate.TranslationWarnings;
import dev.sluice.journal.AttemptOutcome;
import dev.sluice.journal.Outcome;
import dev.sluice.routing.config.Deployment;
import dev.sluice.routing.config.FailureKind;
import dev.sluice.routing.config.ProviderConfig;
import dev.sluice.routing.config.Route;
import dev.sluice.routing.policy.Retries;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.opentelemetry.api.trace.Span;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;

import javax.net.ssl.SSLException;

/**
 * One try of a request on one deployment: the provider request and the connection it goes out on, the provider's
 * answer (its head checked, held until the REQUEST record is durable, its body relayed through the
 * {@link ResponseRelay} chosen for it) and how the try ended. {@link Attempts} makes a new one per try and
 * decides what a failure means for the request (another attempt, an error answer, an in-band end). The upstream
 * connection's {@link UpstreamHandler} hands its events here; they count only while this is the exchange's
 * current attempt, so a late event of an abandoned try cannot touch the next.
 * <p>
 * Confined to the client channel's event loop.
 */
final class Attempt {
    private final Attempts attempts;
    private final Deployment deployment;
    private final long startNs;
    private final RequestInfo info;
    private final ClientOut out;
    private final LoopResources res;
    private final boolean translated;
    private final TranslationWarnings warnings;
    private AttemptOutcome outcome;
    private boolean uncertain;
    private boolean reported;
    private boolean dispatched;
    private boolean truncated;
    private int status;
    private Channel channel;
    private UpstreamHandler handler;
    private boolean keepAlive;
    private long firstByteNs;
    private long lastReadNs;
    private ArrayDeque<Object> held;
    private ResponseRelay relay;
    private Usage usage;
    /** This attempt's span while traces are on, until it ends. */
    private Span span;

    Attempt(Attempts attempts, Deployment deployment, long startNs, RequestInfo info, ClientOut out,
            LoopResources res) {
        this.attempts = attempts;
        this.deployment = deployment;
        this.startNs = startNs;
        this.info = info;
        this.out = out;
        this.res = res;
        this.translated = deployment.provider().kind().dialect() != info.endpoint.dialect();
        this.warnings = translated ? new TranslationWarnings() : null;
    }

    /** Starts this attempt's span, a child of {@code request}'s (traces on). */
    void trace(Tracing tracing, Span request) {
        span = tracing.startAttempt(request, deployment, RequestMetrics.operation(info.endpoint),
                wallNs(startNs));
    }

    /** This attempt's span, {@code null} when traces are off or it has ended. */
    Span span() {
        return span;
    }

    /** Ends this attempt's span at {@code nowNs} with what is known of it then (once). */
    void endSpan(long nowNs, Outcome end) {
        if (span == null) {
            return;
        }
        AttemptOutcome o = end == null ? (outcome != null ? outcome : status > 0 ? AttemptOutcome.STATUS
                : AttemptOutcome.RESET) : finalOutcome(end);
        Tracing.endAttempt(span, o.wireName(), o == AttemptOutcome.OK || o == AttemptOutcome.STATUS && status < 400,
                status, deployment.upstreamModel(), wallNs(nowNs));
        span = null;
    }

    private long wallNs(long ns) {
        return info.startWallMicros * 1000 + (ns - info.startNs);
    }

    // ---------------------------------------------------------------- sending

    /**
     * Sends the request built from {@code body} on an idle pooled connection, or opens one (at most
     * {@code connectMs}). A failure is reported to the exchange.
     */
    void send(RequestBody body, InetSocketAddress address, int connectMs) {
        ProviderConfig p = deployment.provider();
        if (translated && info.endpoint != Endpoint.CHAT_COMPLETIONS && info.endpoint != Endpoint.MESSAGES) {
            report(attempts.route(), null, startNs);
            attempts.fail(400, "unsupported_endpoint_for_model", "The model '" + attempts.route().name()
                    + "' is served through the " + (upstreamDialect() == Dialect.ANTHROPIC
                    ? "Anthropic Messages API (/v1/messages)" : "OpenAI API (/v1/chat/completions)")
                    + ", which has no equivalent of " + info.endpoint.path() + ".", Outcome.REJECTED);
            return;
        }
        FullHttpRequest req;
        try {
            req = UpstreamRequests.build(out.alloc(), body, info.endpoint, info.stream, info.headers, this);
        } catch (TranslationException e) {
            ended(AttemptOutcome.TRANSLATION_FAILED, false);
            report(attempts.route(), null, startNs);
            attempts.fail(400, "unsupported_for_provider", e.getMessage(), Outcome.REJECTED);
            return;
        }
        if (translated && warnings.count() > 0) {
            attempts.metrics().translationDropped(warnings.count());
        }
        Channel ch = res.upstreams.pollIdle(p);
        if (ch != null) {
            attach(ch, req);
            return;
        }
        if (address == null) {
            req.release();
            attempts.attemptFailed(AttemptOutcome.CONNECT_FAILED, 0, false, FailureKind.CONNECT, -1, 502,
                    "upstream_unavailable", "the address of provider '" + p.name() + "' could not be resolved",
                    Outcome.UPSTREAM_UNAVAILABLE);
            return;
        }
        res.upstreams.connect(p, address, connectMs, new UpstreamHandler())
                .addListener((ChannelFutureListener) f -> onConnected(f, req));
    }

    private void onConnected(ChannelFuture f, FullHttpRequest req) {
        if (!attempts.isCurrent(this)) {
            req.release();
            if (f.isSuccess()) {
                res.upstreams.release(deployment.provider(), f.channel());
            }
            return;
        }
        if (!f.isSuccess()) {
            req.release();
            Throwable cause = f.cause();
            AttemptOutcome o = cause instanceof ConnectTimeoutException ? AttemptOutcome.CONNECT_TIMEOUT
                    : cause instanceof ConnectException ? AttemptOutcome.CONNECT_REFUSED
                    : AttemptOutcome.CONNECT_FAILED;
            attempts.attemptFailed(o, 0, false, FailureKind.CONNECT, -1, 502, "upstream_unavailable",
                    "could not connect to provider '" + deployment.provider().name() + "' (" + o.wireName() + ")",
                    Outcome.UPSTREAM_UNAVAILABLE);
            return;
        }
        attach(f.channel(), req);
    }

    private void attach(Channel ch, FullHttpRequest req) {
        use(ch);
        ch.config().setAutoRead(out.writable());
        lastReadNs = res.clock.nanoTime();
        dispatched = true;
        // A failed write reaches UpstreamHandler.exceptionCaught, which ends this attempt: no listener needed.
        ch.writeAndFlush(req, ch.voidPromise());
        attempts.dispatched();
    }

    // ---------------------------------------------------------------- the provider's answer

    /** A message of the provider's response (from {@link UpstreamHandler}); released or passed on. */
    void onRead(Object msg) {
        if (!attempts.isCurrent(this)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        lastReadNs = res.clock.nanoTime();
        if (held != null) {
            held.add(msg);
            return;
        }
        if (msg instanceof HttpResponse && !onHead((HttpResponse) msg)) {
            return;
        }
        if (msg instanceof HttpContent) {
            if (channel == null || !attempts.isCurrent(this)) {
                ((HttpContent) msg).release();
                return;
            }
            onContent((HttpContent) msg);
        }
    }

    /**
     * Returns false when the head was taken: held (with its ownership), or released because the attempt or the
     * exchange ended on it.
     */
    private boolean onHead(HttpResponse resp) {
        int code = resp.status().code();
        if (code < 200) {
            return true;
        }
        // The REQUEST record must be in the journal before the client sees a status (DESIGN.md invariant).
        if (!attempts.durable(this::releaseHeldInOrder)) {
            held = new ArrayDeque<>(4);
            held.add(resp);
            channel.config().setAutoRead(false);
            return false;
        }
        status = code;
        keepAlive = HttpUtil.isKeepAlive(resp);
        String providerName = deployment.provider().name();
        if (code >= 300 && code < 400) {
            // Never followed: the Location could point anywhere, and the request carries the provider's key.
            failOnHead(resp, FailureKind.UPSTREAM, "upstream_redirect", "provider '" + providerName
                    + "' answered with a redirect, which the gateway does not follow");
            return false;
        }
        String coding = resp.headers().get(HttpHeaderNames.CONTENT_ENCODING);
        if (coding != null && !HttpHeaderValues.IDENTITY.contentEqualsIgnoreCase(coding)) {
            // Asked for identity: a compressed answer is refused on its head, never inflated (RELIABILITY.md A6).
            failOnHead(resp, FailureKind.UPSTREAM, "upstream_bad_response", "provider '" + providerName
                    + "' answered with a compressed body, which the gateway does not accept");
            return false;
        }
        if (code == 401 || code == 403 || code == 407) {
            failOnHead(resp, null, "upstream_auth_failed", "provider '" + providerName
                    + "' refused the gateway's credentials (status " + code + ")");
            return false;
        }
        String retryAfter = resp.headers().get(HttpHeaderNames.RETRY_AFTER);
        if (Retries.isRetryable(code)) {
            Channel ch = detach();
            if (attempts.retry(AttemptOutcome.STATUS, code, Retries.isAmbiguous(code),
                    code == 429 ? null : FailureKind.UPSTREAM, Retries.retryAfterMs(retryAfter))) {
                // The error body is not wanted: closing is cheaper than draining it.
                ch.close();
                ReferenceCountUtil.release(resp);
                return false;
            }
            if (code >= 500) {
                ch.close();
                serverError(resp, code, retryAfter);
                return false;
            }
            // The final attempt: a 429 goes to the client as the provider gave it.
            use(ch);
        } else if (code >= 500) {
            close();
            ended(AttemptOutcome.STATUS, false);
            report(attempts.route(), null, res.clock.nanoTime());
            serverError(resp, code, retryAfter);
            return false;
        } else if (code >= 400) {
            ended(AttemptOutcome.STATUS, false);
            report(attempts.route(), null, res.clock.nanoTime());
        }
        holdClientHead(resp, code, retryAfter);
        return true;
    }

    /**
     * The final answer is a provider's server error: its body says nothing the caller can act on and may carry the
     * provider's internals (stack traces, host names, RELIABILITY.md F4), so the caller gets the gateway's own error
     * in its dialect, with the provider's status and Retry-After. A 4xx body is relayed: it tells the caller what
     * to change.
     */
    private void serverError(HttpResponse resp, int code, String retryAfter) {
        ReferenceCountUtil.release(resp);
        attempts.fail(code, "upstream_error", "The provider '" + deployment.provider().name()
                + "' failed to answer (status " + code + ").", Outcome.UPSTREAM_ERROR, retryAfter);
    }

    private void failOnHead(HttpResponse resp, FailureKind kind, String code, String message) {
        ReferenceCountUtil.release(resp);
        close();
        ended(AttemptOutcome.STATUS, false);
        report(attempts.route(), kind, res.clock.nanoTime());
        attempts.fail(502, code, message, Outcome.UPSTREAM_ERROR);
    }

    /** Builds the client's response head from the provider's, chooses the relay, and holds the head until commit. */
    private void holdClientHead(HttpResponse resp, int code, String retryAfter) {
        String contentType = resp.headers().get(HttpHeaderNames.CONTENT_TYPE);
        boolean sse = info.stream && code == 200 && contentType != null
                && contentType.startsWith("text/event-stream");
        int clientStatus = translated && code >= 400
                ? ResponseTranslator.translateErrorStatus(code, upstreamDialect(), info.endpoint.dialect()) : code;
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, clientStatus == code ? resp.status()
                : HttpResponseStatus.valueOf(clientStatus), UpstreamRequests.TRUSTED_HEADERS);
        HttpHeaders h = head.headers();
        usage = new Usage();
        relay = ResponseRelays.open(res, attempts.config().upstream().maxEventBytes(), out, info, this, sse, code,
                contentType, resp.headers(), h, usage);
        if (relay.stream()) {
            attempts.metrics().streamOpened();
        }
        if (retryAfter != null) {
            h.set(HttpHeaderNames.RETRY_AFTER, retryAfter);
        }
        h.set(ClientResponses.X_REQUEST_ID, info.requestIdText);
        h.set(ClientResponses.REQUEST_ID, info.requestIdText);
        RateLimitHeaders.add(h, attempts.admission());
        if (!info.keepAlive) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        out.holdHead(head, clientStatus);
    }

    private void onContent(HttpContent content) {
        ByteBuf buf = content.content();
        boolean last = content instanceof LastHttpContent;
        if (firstByteNs == 0 && buf.isReadable()) {
            firstByteNs = lastReadNs;
        }
        ResponseRelay r = relay;
        if (!r.commitsAtEnd() && !out.committed() && (buf.isReadable() || last)) {
            out.commit();
        }
        int rc = r.onContent(buf, last);
        if (rc == ResponseRelay.FAILED) {
            String code = r.failureCode();
            String message = r.failureMessage();
            if (last) {
                releaseToPool();
            } else {
                close();
            }
            ended(AttemptOutcome.TRANSLATION_FAILED, false);
            report(attempts.route(), FailureKind.UPSTREAM, res.clock.nanoTime());
            attempts.dropResponse();
            attempts.fail(502, code, message, Outcome.UPSTREAM_ERROR);
        } else if (rc == ResponseRelay.BROKEN) {
            attempts.broken(Outcome.UPSTREAM_TRUNCATED, r.failureCode(), r.failureMessage());
        } else if (rc == ResponseRelay.OK && last) {
            if (firstByteNs == 0) {
                firstByteNs = res.clock.nanoTime();
            }
            complete();
        }
    }

    /** The provider's response ended: a stream must have ended with its terminal event. */
    private void complete() {
        boolean whole = relay.completeAtEnd();
        releaseToPool();
        if (!whole) {
            // The provider ended the HTTP response without the stream's terminal event: a truncated stream.
            attempts.broken(Outcome.UPSTREAM_TRUNCATED, "upstream_truncated",
                    "the provider ended the stream before it was complete");
            return;
        }
        attempts.completed(relay.upstreamError());
    }

    void onReadComplete() {
        if (attempts.isCurrent(this) && out.committed()) {
            out.flushIfWritten();
        }
    }

    /** The connection closed or failed (from {@link UpstreamHandler}). */
    void onClosed(Throwable cause) {
        if (!attempts.isCurrent(this)) {
            return;
        }
        detach();
        if (out.committed()) {
            attempts.broken(Outcome.UPSTREAM_TRUNCATED, "upstream_truncated",
                    "the provider closed the connection before the response was complete");
            return;
        }
        releaseHeld();
        attempts.dropResponse();
        if (status == 0 && isHandshakeFailure(cause)) {
            // TLS failed before the request could be written: nothing was sent, so another attempt is safe.
            attempts.attemptFailed(AttemptOutcome.CONNECT_FAILED, 0, false, FailureKind.CONNECT, -1, 502,
                    "upstream_unavailable", "the TLS handshake with provider '" + deployment.provider().name()
                            + "' failed", Outcome.UPSTREAM_UNAVAILABLE);
            return;
        }
        // The request went out; the provider may have read it and started (and billed) a generation.
        attempts.attemptFailed(AttemptOutcome.RESET, status, true, FailureKind.UPSTREAM, -1, 502,
                "upstream_unavailable", "provider '" + deployment.provider().name()
                        + "' closed the connection before answering", Outcome.UPSTREAM_UNAVAILABLE);
    }

    private static boolean isHandshakeFailure(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SSLException) {
                return true;
            }
        }
        return false;
    }

    /** The REQUEST record became durable: the messages held meanwhile are handled in order. */
    private void releaseHeldInOrder() {
        ArrayDeque<Object> q = held;
        held = null;
        if (q == null) {
            return;
        }
        if (!attempts.isCurrent(this)) {
            releaseAll(q);
            return;
        }
        Object m;
        while ((m = q.poll()) != null) {
            if (held != null) {
                held.add(m);
            } else {
                onRead(m);
            }
        }
        if (attempts.isCurrent(this) && channel != null && held == null) {
            channel.config().setAutoRead(out.writable());
            onReadComplete();
        }
    }

    boolean holding() {
        return held != null;
    }

    void releaseHeld() {
        releaseAll(held);
        held = null;
    }

    private static void releaseAll(ArrayDeque<Object> q) {
        Object m;
        while (q != null && (m = q.poll()) != null) {
            ReferenceCountUtil.release(m);
        }
    }

    // ---------------------------------------------------------------- the connection

    private void use(Channel ch) {
        channel = ch;
        handler = (UpstreamHandler) ch.pipeline().last();
        handler.attach(this);
    }

    /** Stops hearing the connection's events; returns it (or {@code null}) for the caller to close or keep. */
    Channel detach() {
        Channel ch = channel;
        if (handler != null) {
            handler.detach(this);
            handler = null;
        }
        channel = null;
        return ch;
    }

    /** Closes the connection: how HTTP/1.1 cancels a generation in progress. */
    void close() {
        Channel ch = detach();
        if (ch != null) {
            ch.close();
        }
    }

    /** The response was read whole: the connection goes back to the pool when the provider keeps it alive. */
    private void releaseToPool() {
        Channel ch = detach();
        if (ch != null && keepAlive) {
            ch.config().setAutoRead(true);
            res.upstreams.release(deployment.provider(), ch);
        } else if (ch != null) {
            ch.close();
        }
    }

    boolean connected() {
        return channel != null;
    }

    void autoRead(boolean on) {
        if (channel != null && held == null) {
            channel.config().setAutoRead(on);
        }
    }

    // ---------------------------------------------------------------- what happened

    Deployment deployment() {
        return deployment;
    }

    long startNs() {
        return startNs;
    }

    boolean translated() {
        return translated;
    }

    /** For a stream the client asked no usage of, while the gateway asks the provider for it. */
    boolean hideUsage() {
        return !translated && info.stream && !info.includeUsage
                && (info.endpoint == Endpoint.CHAT_COMPLETIONS || info.endpoint == Endpoint.COMPLETIONS);
    }

    /** Fields the translation dropped; {@code null} when the attempt is not translated. */
    TranslationWarnings warnings() {
        return warnings;
    }

    Dialect upstreamDialect() {
        return deployment.provider().kind().dialect();
    }

    int status() {
        return status;
    }

    boolean dispatched() {
        return dispatched;
    }

    long lastReadNs() {
        return lastReadNs;
    }

    /** The nanoTime of the first token (or first byte of a JSON answer); 0 when none came. */
    long firstTokenNs() {
        return relay != null ? relay.firstTokenNs(firstByteNs) : firstByteNs;
    }

    /** Content events relayed, or -1 when no stream was relayed. */
    long contentEvents() {
        return relay != null ? relay.contentEvents() : -1;
    }

    ResponseRelay relay() {
        return relay;
    }

    /** What the provider reported it used; {@code null} before an answer to relay. */
    Usage usage() {
        return usage;
    }

    /** Forgets the relay chosen for the answer (before another attempt, an error answer or the end). */
    void closeRelay() {
        if (relay != null) {
            if (relay.stream()) {
                attempts.metrics().streamClosed();
            }
            relay.close(res);
            relay = null;
        }
    }

    /** The body broke after the commit. */
    void truncated() {
        truncated = true;
    }

    boolean wasTruncated() {
        return truncated;
    }

    /** How the attempt ended; {@code ambiguous}: the provider may have read the request and billed it. */
    void ended(AttemptOutcome o, boolean ambiguous) {
        outcome = o;
        uncertain = ambiguous;
    }

    /** Notes how the attempt ended unless it was noted before. */
    void endedIfOpen(AttemptOutcome o) {
        if (outcome == null) {
            outcome = o;
        }
    }

    /** The attempt's outcome for the END record, when nothing more precise was noted. */
    AttemptOutcome finalOutcome(Outcome end) {
        return outcome != null ? outcome
                : end == Outcome.OK ? AttemptOutcome.OK
                : end == Outcome.CLIENT_CANCELLED ? AttemptOutcome.CLIENT_CANCELLED
                : status > 0 ? AttemptOutcome.STATUS : AttemptOutcome.RESET;
    }

    boolean uncertain() {
        return uncertain;
    }

    /** Reports the attempt's end to the route's health once: {@code kind} blames the deployment, null does not. */
    void report(Route route, FailureKind kind, long nowNs) {
        if (reported) {
            return;
        }
        reported = true;
        if (kind != null) {
            route.onFailure(deployment, kind, nowNs);
        } else {
            route.onNeutral(deployment);
        }
    }

    /** Reports a success with the time to the first token, once. */
    void reportSuccess(Route route, long ttftNs) {
        if (!reported) {
            reported = true;
            route.onSuccess(deployment, ttftNs);
        }
    }

    /** Keeps this attempt (which failed and is followed by another) in {@code log} for the END record. */
    void logTo(AttemptLog log, long nowNs) {
        log.add(deployment.name(), outcome, status, (nowNs - startNs) / 1000, uncertain);
        endSpan(nowNs, null);
    }
}
