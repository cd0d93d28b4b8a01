package dev.sluice.proxy.internal;

import dev.sluice.codec.BodyRewriter;
import dev.sluice.codec.Dialect;
import dev.sluice.codec.Endpoint;
import dev.sluice.codec.ErrorBodies;
import dev.sluice.codec.RequestFacts;
import dev.sluice.codec.RequestScanner;
import dev.sluice.codec.SseScanner;
import dev.sluice.codec.TokenEstimator;
import dev.sluice.codec.Usage;
import dev.sluice.codec.UsageScanner;
import dev.sluice.journal.EndRecord;
import dev.sluice.journal.JournalProducer;
import dev.sluice.journal.Outcome;
import dev.sluice.journal.RequestIds;
import dev.sluice.journal.RequestRecord;
import dev.sluice.routing.config.ApiKey;
import dev.sluice.routing.config.GatewayConfig;
import dev.sluice.routing.config.Price;
import dev.sluice.routing.config.ProviderConfig;
import dev.sluice.routing.config.ProviderKind;
import dev.sluice.routing.config.Route;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One request from its head to its END record: body, admission, dispatch on a connection of the client's own
 * event loop, relay of the response, and the journal. The REQUEST record is appended before dispatch and the
 * response head is written only once that record is durable, so a client never sees a status the journal lacks.
 * Confined to the client channel's event loop.
 */
final class Exchange {
    private static final AsciiString USER_AGENT = AsciiString.cached("sluice/0.1");
    private static final AsciiString ANTHROPIC_VERSION = AsciiString.cached("anthropic-version");
    private static final AsciiString ANTHROPIC_BETA = AsciiString.cached("anthropic-beta");
    private static final AsciiString DEFAULT_ANTHROPIC_VERSION = AsciiString.cached("2023-06-01");
    private static final AsciiString EVENT_STREAM = AsciiString.cached("text/event-stream");
    private static final int MAX_BODY_COMPONENTS = 4096;
    /**
     * Headers of messages the gateway builds itself: names are constants and every value is a constant, a header
     * the strict decoder already validated, or a provider key checked at configuration load (ConfigLoader refuses
     * control characters in it). Validating them again on every request is pure cost.
     */
    private static final HttpHeadersFactory TRUSTED_HEADERS =
            DefaultHttpHeadersFactory.headersFactory().withValidation(false);

    private final ClientHandler client;
    private final GatewayContext gateway;
    private final LoopResources res;
    private final GatewayConfig config;
    private final long startNanos;
    private final long startWallMicros;
    private final Dialect dialect;
    private final Endpoint endpoint;
    private final String clientAddress;
    private final boolean keepAlive;
    private final HttpHeaders clientHeaders;
    private final long requestId;
    private final AsciiString requestIdText;

    private ApiKey key;
    private String project;
    private String useCase;
    private CompositeByteBuf body;
    private int bodyBytes;
    private boolean readingBody;
    private boolean requestComplete;
    private Route route;
    private String requestedModel;
    private boolean stream;
    private boolean hideUsage;
    private long journalPos = -1;

    private Channel upstream;
    private UpstreamHandler upstreamHandler;
    private boolean upstreamKeepAlive;
    private boolean sse;
    private boolean headSent;
    private int statusSent;
    private long firstByteNanos;
    private long lastReadNanos;
    private ArrayDeque<Object> held;
    private ScheduledFuture<?> timer;
    private Usage usage;
    private UsageScanner usageScanner;
    private SseRelay relay;
    private boolean finished;
    private boolean truncated;

    Exchange(ClientHandler client, GatewayContext gateway, LoopResources res, GatewayConfig config, long startNanos,
             Dialect dialect, Endpoint endpoint, String clientAddress, boolean keepAlive, HttpHeaders clientHeaders) {
        this.client = client;
        this.gateway = gateway;
        this.res = res;
        this.config = config;
        this.startNanos = startNanos;
        this.startWallMicros = wallMicros();
        this.dialect = dialect;
        this.endpoint = endpoint;
        this.clientAddress = clientAddress;
        this.keepAlive = keepAlive;
        this.clientHeaders = clientHeaders;
        this.requestId = gateway.requestIds().next();
        this.requestIdText = new AsciiString(RequestIds.format(requestId));
    }

    void principal(ApiKey k, String project, String useCase) {
        this.key = k;
        this.project = project;
        this.useCase = useCase;
    }

    boolean requestComplete() {
        return requestComplete;
    }

    boolean readingBody() {
        return readingBody;
    }

    // ---------------------------------------------------------------- request body

    void startBody(ByteBufAllocator alloc) {
        body = alloc.compositeBuffer(MAX_BODY_COMPONENTS);
        readingBody = true;
    }

    /** Adds a body chunk (taking ownership). Returns false, releasing it, when it would pass the size cap. */
    boolean appendBody(ByteBuf chunk, int maxBodyBytes) {
        int n = chunk.readableBytes();
        if (n == 0) {
            chunk.release();
            return true;
        }
        if ((long) bodyBytes + n > maxBodyBytes) {
            chunk.release();
            readingBody = false;
            return false;
        }
        body.addComponent(true, chunk);
        bodyBytes += n;
        return true;
    }

    void requestBodyComplete() {
        readingBody = false;
        requestComplete = true;
        RequestFacts f = res.facts;
        f.reset();
        int rc = res.scanner.scan(body, f);
        if (rc != RequestScanner.OK) {
            reject(400, "invalid_request", "request body is not valid JSON: " + RequestScanner.codeName(rc),
                    Outcome.REJECTED);
            return;
        }
        if (f.modelStart < 0) {
            reject(400, "missing_model", "the request body has no \"model\"", Outcome.REJECTED);
            return;
        }
        Route r = f.modelHasEscape ? config.routes().lookup(f.model(body))
                : config.routes().lookup(body, f.modelStart, f.modelEnd);
        requestedModel = ClientHandler.sanitize(f.model(body));
        if (r == null || !key.allows(r)) {
            // The same answer whether the model is unknown or not allowed: a key learns nothing of other routes.
            reject(r == null ? 404 : 403, r == null ? "model_not_found" : "model_not_allowed",
                    r == null ? "The model '" + requestedModel + "' does not exist or you do not have access to it."
                            : "This key may not use the model '" + requestedModel + "'.", Outcome.REJECTED);
            return;
        }
        route = r;
        ProviderConfig p = r.provider();
        if (!p.enabled()) {
            reject(503, "provider_unavailable", "The model '" + r.name() + "' is served by provider '" + p.name()
                    + "', which is not enabled: " + p.disabledReason() + ".", Outcome.REJECTED);
            return;
        }
        Dialect upstreamDialect = p.kind() == ProviderKind.ANTHROPIC ? Dialect.ANTHROPIC : Dialect.OPENAI;
        if (upstreamDialect != endpoint.dialect()) {
            reject(400, "unsupported_endpoint_for_model", "The model '" + r.name() + "' is served through the "
                    + (upstreamDialect == Dialect.ANTHROPIC ? "Anthropic Messages API (/v1/messages)"
                    : "OpenAI API (/v1/chat/completions)") + "; call it there.", Outcome.REJECTED);
            return;
        }
        stream = f.hasStream && f.stream;
        hideUsage = stream && (endpoint == Endpoint.CHAT_COMPLETIONS || endpoint == Endpoint.COMPLETIONS)
                && f.includeUsage != 1;
        if (!journalRequest()) {
            return;
        }
        dispatch(f);
    }

    // ---------------------------------------------------------------- dispatch

    private void dispatch(RequestFacts f) {
        ProviderConfig p = route.provider();
        ByteBuf upstreamBody = BodyRewriter.rewrite(client.ctx().alloc(), body, f, route.upstreamModelJson(), hideUsage);
        String path = p.basePath() + (p.kind() == ProviderKind.OPENAI ? endpoint.path().substring(3) : endpoint.path());
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path, upstreamBody,
                TRUSTED_HEADERS, TRUSTED_HEADERS);
        HttpHeaders h = req.headers();
        h.set(HttpHeaderNames.HOST, p.port() == (p.tls() ? 443 : 80) ? p.host() : p.host() + ':' + p.port());
        h.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, upstreamBody.readableBytes());
        h.set(HttpHeaderNames.ACCEPT, stream ? EVENT_STREAM : HttpHeaderValues.APPLICATION_JSON);
        h.set(HttpHeaderNames.USER_AGENT, USER_AGENT);
        // The client's credentials never go upstream: only the provider's own key is added.
        if (p.kind() == ProviderKind.ANTHROPIC) {
            if (p.apiKey() != null) {
                h.set("x-api-key", p.apiKey());
            }
            String v = clientHeaders.get(ANTHROPIC_VERSION);
            h.set(ANTHROPIC_VERSION, v != null ? v : DEFAULT_ANTHROPIC_VERSION);
            String beta = clientHeaders.get(ANTHROPIC_BETA);
            if (beta != null) {
                h.set(ANTHROPIC_BETA, beta);
            }
        } else if (p.apiKey() != null) {
            h.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + p.apiKey());
        }
        Channel ch = res.upstreams.pollIdle(p);
        if (ch != null) {
            attach(ch, req);
            return;
        }
        InetSocketAddress address = gateway.address(p);
        if (address == null) {
            req.release();
            fail(502, "upstream_unavailable", "the address of provider '" + p.name() + "' could not be resolved",
                    Outcome.UPSTREAM_UNAVAILABLE);
            return;
        }
        UpstreamHandler handler = new UpstreamHandler();
        ChannelFuture cf = res.upstreams.connect(p, address, (int) config.upstream().connectTimeoutMs(), handler);
        cf.addListener((ChannelFutureListener) future -> {
            if (finished) {
                req.release();
                if (future.isSuccess()) {
                    res.upstreams.release(p, future.channel());
                }
                return;
            }
            if (!future.isSuccess()) {
                req.release();
                fail(502, "upstream_unavailable", "could not connect to provider '" + p.name() + "'",
                        Outcome.UPSTREAM_UNAVAILABLE);
                return;
            }
            attach(future.channel(), req);
        });
    }

    private void attach(Channel ch, FullHttpRequest req) {
        upstream = ch;
        upstreamHandler = (UpstreamHandler) ch.pipeline().get("upstream");
        upstreamHandler.attach(this);
        ch.config().setAutoRead(client.ctx().channel().isWritable());
        lastReadNanos = System.nanoTime();
        // A failed write reaches UpstreamHandler.exceptionCaught, which ends this exchange: no listener needed.
        ch.writeAndFlush(req, ch.voidPromise());
        armTimer(config.upstream().firstByteTimeoutMs());
    }

    // ---------------------------------------------------------------- upstream response

    void onUpstream(Object msg) {
        if (finished) {
            ReferenceCountUtil.release(msg);
            return;
        }
        lastReadNanos = System.nanoTime();
        if (held != null) {
            held.add(msg);
            return;
        }
        if (msg instanceof HttpResponse) {
            if (!onUpstreamHead((HttpResponse) msg)) {
                ReferenceCountUtil.release(msg);
                return;
            }
        }
        if (msg instanceof HttpContent) {
            if (finished) {
                ((HttpContent) msg).release();
                return;
            }
            onUpstreamContent((HttpContent) msg);
        }
    }

    /** Returns false when the message was consumed (held, or the exchange ended on it). */
    private boolean onUpstreamHead(HttpResponse resp) {
        int status = resp.status().code();
        if (status < 200) {
            return true;
        }
        // The REQUEST record must be in the journal before the client sees a status (DESIGN.md invariant).
        // whenDurable either answers "durable already" or takes the task: checking first and registering after
        // would lose the wake-up when the journal drains in between.
        if (journalPos >= 0 && !res.journal.whenDurable(journalPos, this::releaseHeld)) {
            held = new ArrayDeque<>(4);
            held.add(resp);
            upstream.config().setAutoRead(false);
            return false;
        }
        upstreamKeepAlive = HttpUtil.isKeepAlive(resp);
        if (status >= 300 && status < 400) {
            closeUpstream();
            fail(502, "upstream_redirect", "provider '" + route.provider().name()
                    + "' answered with a redirect, which the gateway does not follow", Outcome.UPSTREAM_ERROR);
            return false;
        }
        if (status == 401 || status == 403 || status == 407) {
            closeUpstream();
            fail(502, "upstream_auth_failed", "provider '" + route.provider().name()
                    + "' refused the gateway's credentials (status " + status + ")", Outcome.UPSTREAM_ERROR);
            return false;
        }
        String contentType = resp.headers().get(HttpHeaderNames.CONTENT_TYPE);
        sse = stream && status == 200 && contentType != null && contentType.startsWith("text/event-stream");
        usage = new Usage();
        HttpResponse out = new DefaultHttpResponse(HttpVersion.HTTP_1_1, resp.status(), TRUSTED_HEADERS);
        HttpHeaders h = out.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, contentType != null ? contentType : HttpHeaderValues.APPLICATION_JSON);
        if (sse) {
            h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            h.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
            relay = res.takeRelay(config.upstream().maxEventBytes());
            relay.reset(client.ctx(), endpoint, usage, hideUsage);
            gateway.metrics().streamOpened();
        } else {
            String len = resp.headers().get(HttpHeaderNames.CONTENT_LENGTH);
            if (len != null) {
                h.set(HttpHeaderNames.CONTENT_LENGTH, len);
            } else {
                h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
            if (status == 200) {
                usageScanner = res.takeUsageScanner();
                usageScanner.reset(endpoint, usage);
            }
        }
        String retryAfter = resp.headers().get(HttpHeaderNames.RETRY_AFTER);
        if (retryAfter != null) {
            h.set(HttpHeaderNames.RETRY_AFTER, retryAfter);
        }
        h.set(ClientResponses.X_REQUEST_ID, requestIdText);
        h.set(ClientResponses.REQUEST_ID, requestIdText);
        if (!keepAlive) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        client.ctx().write(out, client.ctx().voidPromise());
        headSent = true;
        statusSent = status;
        armTimer(config.upstream().idleTimeoutMs());
        return true;
    }

    private void onUpstreamContent(HttpContent content) {
        ByteBuf buf = content.content();
        boolean last = content instanceof LastHttpContent;
        if (firstByteNanos == 0 && buf.isReadable()) {
            firstByteNanos = System.nanoTime();
        }
        if (sse) {
            int rc = relay.onRead(buf);
            if (rc != SseScanner.OK) {
                brokenStream(Outcome.UPSTREAM_TRUNCATED, "upstream_malformed",
                        "the provider sent an event larger than the gateway accepts");
                return;
            }
        } else {
            if (usageScanner != null) {
                usageScanner.scan(buf);
            }
            if (buf.isReadable()) {
                client.ctx().write(buf, client.ctx().voidPromise());
            } else {
                buf.release();
            }
        }
        if (last) {
            upstreamComplete();
        }
    }

    void onUpstreamReadComplete() {
        if (finished || !headSent) {
            return;
        }
        if (!sse || relay.takeWritten()) {
            client.ctx().flush();
        }
    }

    private void upstreamComplete() {
        if (sse) {
            relay.endOfStream();
        }
        if (sse && !relay.terminal()) {
            // The provider ended the HTTP response without the stream's terminal event: a truncated stream.
            releaseUpstreamToPool();
            brokenStream(Outcome.UPSTREAM_TRUNCATED, "upstream_truncated",
                    "the provider ended the stream before it was complete");
            return;
        }
        releaseUpstreamToPool();
        ChannelHandlerContext ctx = client.ctx();
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT, ctx.voidPromise());
        finish(statusSent < 400 ? Outcome.OK : Outcome.UPSTREAM_ERROR, !keepAlive);
    }

    void onUpstreamClosed(Throwable cause) {
        if (finished) {
            return;
        }
        detachUpstream();
        if (!headSent) {
            releaseHeldMessages();
            fail(502, "upstream_unavailable", "provider '" + route.provider().name()
                    + "' closed the connection before answering", Outcome.UPSTREAM_UNAVAILABLE);
        } else {
            brokenStream(Outcome.UPSTREAM_TRUNCATED, "upstream_truncated",
                    "the provider closed the connection before the response was complete");
        }
    }

    /**
     * Ends a response whose head is already sent but whose body broke: a stream gets a terminal error event in
     * its dialect (never a clean-looking end), a JSON body is cut by closing the connection.
     */
    private void brokenStream(Outcome outcome, String code, String message) {
        truncated = true;
        closeUpstream();
        ChannelHandlerContext ctx = client.ctx();
        if (sse) {
            relay.discardPartial();
            ctx.write(Unpooled.wrappedBuffer(ErrorBodies.streamErrorEvent(endpoint, code, message)),
                    ctx.voidPromise());
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT, ctx.voidPromise());
        } else {
            ctx.flush();
        }
        finish(outcome, true);
    }

    private void releaseHeld() {
        ArrayDeque<Object> q = held;
        held = null;
        if (q == null) {
            return;
        }
        if (finished) {
            releaseAll(q);
            return;
        }
        Object m;
        while ((m = q.poll()) != null) {
            if (held != null) {
                held.add(m);
            } else {
                onUpstream(m);
            }
        }
        if (!finished && upstream != null && held == null) {
            upstream.config().setAutoRead(client.ctx().channel().isWritable());
            onUpstreamReadComplete();
        }
    }

    private void releaseHeldMessages() {
        if (held != null) {
            releaseAll(held);
            held = null;
        }
    }

    private static void releaseAll(ArrayDeque<Object> q) {
        Object m;
        while ((m = q.poll()) != null) {
            ReferenceCountUtil.release(m);
        }
    }

    // ---------------------------------------------------------------- client side events

    void clientWritabilityChanged(boolean writable) {
        if (upstream != null && held == null && !finished) {
            // Backpressure: read the provider only as fast as the client takes the bytes.
            upstream.config().setAutoRead(writable);
        }
    }

    void clientClosed() {
        if (finished) {
            return;
        }
        readingBody = false;
        // Closing the upstream connection is how HTTP/1.1 cancels a generation in progress.
        closeUpstream();
        finish(Outcome.CLIENT_CANCELLED, true);
    }

    // ---------------------------------------------------------------- timers

    private void armTimer(long timeoutMs) {
        if (timer != null) {
            timer.cancel(false);
        }
        timer = res.loop.schedule(this::onTimer, timeoutMs, TimeUnit.MILLISECONDS);
    }

    private void onTimer() {
        timer = null;
        if (finished) {
            return;
        }
        long limitMs = headSent ? config.upstream().idleTimeoutMs() : config.upstream().firstByteTimeoutMs();
        long idleNs = System.nanoTime() - lastReadNanos;
        long remainingNs = TimeUnit.MILLISECONDS.toNanos(limitMs) - idleNs;
        if (remainingNs > 0 || held != null) {
            timer = res.loop.schedule(this::onTimer, Math.max(remainingNs, 1_000_000L), TimeUnit.NANOSECONDS);
            return;
        }
        if (!headSent) {
            closeUpstream();
            fail(504, "upstream_timeout", "provider '" + route.provider().name() + "' did not answer within "
                    + limitMs + " ms", Outcome.UPSTREAM_TIMEOUT);
        } else {
            brokenStream(Outcome.UPSTREAM_TIMEOUT, "upstream_timeout", "the provider sent nothing for " + limitMs
                    + " ms");
        }
    }

    // ---------------------------------------------------------------- local answers

    /** Refuses the request with an error in the caller's dialect; journals REQUEST and END first. */
    void reject(int status, String code, String message, Outcome outcome) {
        if (finished) {
            return;
        }
        readingBody = false;
        if (journalPos < 0 && !journalRequest()) {
            return;
        }
        fail(status, code, message, outcome);
    }

    /** Answers a gateway-generated error before any response head went out. */
    private void fail(int status, String code, String message, Outcome outcome) {
        boolean close = !keepAlive || outcome == Outcome.REJECTED_PROTOCOL || client.discarding();
        requestComplete = true;
        statusSent = status;
        ChannelHandlerContext ctx = client.ctx();
        Runnable send = () -> {
            if (ctx.channel().isActive()) {
                ClientResponses.error(ctx, dialect, status, code, message, requestIdText, close, null);
            }
        };
        finish(outcome, close, send);
    }

    /** Answers {@code GET /v1/models}: the routes this key may use, in the caller's dialect. */
    void listModels(String path) {
        requestComplete = true;
        if (!journalRequest()) {
            return;
        }
        byte[] doc = ModelsListing.render(config, key, dialect, path);
        if (doc == null) {
            fail(404, "model_not_found", "The model '" + ClientHandler.sanitize(path.substring("/v1/models/".length()))
                    + "' does not exist or you do not have access to it.", Outcome.REJECTED);
            return;
        }
        statusSent = 200;
        ChannelHandlerContext ctx = client.ctx();
        boolean close = !keepAlive;
        finish(Outcome.OK, close, () -> ClientResponses.send(ctx, ClientResponses.json(200, doc, requestIdText, close)));
    }

    // ---------------------------------------------------------------- journal and the end

    private boolean journalRequest() {
        RequestRecord r = res.requestRecord;
        r.reset();
        r.requestId(requestId).wallTimeMicros(startWallMicros).endpoint(endpoint == null ? 0 : endpoint.id())
                .stream(stream).clientAddress(clientAddress).requestedModel(requestedModel)
                .project(project).useCase(useCase);
        if (key != null) {
            r.keyId(key.id()).user(key.user()).team(key.team());
        }
        journalPos = res.journal.append(r);
        if (journalPos == JournalProducer.FULL) {
            // Fail closed: a request the journal cannot record is not served.
            gateway.metrics().journalFull();
            journalPos = -1;
            statusSent = 503;
            ChannelHandlerContext ctx = client.ctx();
            finished = true;
            releaseBody();
            ClientResponses.error(ctx, dialect, 503, "audit_unavailable",
                    "the gateway cannot record requests right now; retry shortly", requestIdText, !keepAlive, "1");
            client.exchangeDone(this, !keepAlive);
            return false;
        }
        return true;
    }

    private void finish(Outcome outcome, boolean closeClient) {
        finish(outcome, closeClient, null);
    }

    /**
     * Writes the END record, releases what the exchange holds, then runs {@code send} (a gateway-generated
     * answer) once the REQUEST record is durable, and hands the connection back to the client handler.
     */
    private void finish(Outcome outcome, boolean closeClient, Runnable send) {
        if (finished) {
            return;
        }
        finished = true;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        if (sse) {
            gateway.metrics().streamClosed();
        }
        writeEnd(outcome);
        gateway.metrics().outcome(outcome);
        releaseHeldMessages();
        if (relay != null) {
            relay.discardPartial();
            res.giveBack(relay);
            relay = null;
        }
        if (usageScanner != null) {
            res.giveBack(usageScanner);
            usageScanner = null;
        }
        releaseBody();
        detachUpstream();
        if (send == null) {
            client.exchangeDone(this, closeClient);
            return;
        }
        Runnable done = () -> {
            send.run();
            client.exchangeDone(this, closeClient);
        };
        // whenDurable returns true (without running the task) when the REQUEST record is durable already.
        if (journalPos < 0 || res.journal.whenDurable(journalPos, done)) {
            done.run();
        }
    }

    private void writeEnd(Outcome outcome) {
        EndRecord e = res.endRecord;
        e.reset();
        long nowNanos = System.nanoTime();
        long ttftNanos = sse ? relay.firstTokenNanos() : firstByteNanos;
        e.requestId(requestId).wallTimeMicros(wallMicros()).status(statusSent).outcome(outcome)
                .totalMicros((nowNanos - startNanos) / 1000)
                .ttftMicros(ttftNanos == 0 ? -1 : (ttftNanos - startNanos) / 1000)
                .truncated(truncated);
        if (route != null) {
            e.provider(route.provider().name()).deployment(route.name()).servedModel(route.upstreamModel());
        }
        long in = -1;
        long out = -1;
        long cached = -1;
        long cacheWrite = -1;
        boolean estimated = false;
        if (usage != null && usage.known()) {
            in = usage.inputTokens;
            out = usage.outputTokens;
            cached = usage.cachedTokens;
            cacheWrite = usage.cacheWriteTokens;
        } else if (headSent && statusSent < 400) {
            // The provider gave no usage (cancelled or truncated): estimate what was relayed.
            estimated = true;
            out = relay != null && sse ? relay.contentEvents() : 0;
            in = body != null ? TokenEstimator.estimateTokens(body, body.readerIndex(), body.writerIndex()) : 0;
        }
        e.tokensIn(in).tokensOut(out).tokensCached(cached).tokensEstimated(estimated);
        Price price = route == null ? null : route.price();
        e.costMicros(price == null || (in < 0 && out < 0) ? -1 : price.costMicros(in, out, cached, cacheWrite));
        if (journalPos >= 0) {
            if (res.journal.append(e) == JournalProducer.FULL) {
                gateway.metrics().journalFull();
            }
        }
    }

    private void releaseBody() {
        if (body != null) {
            body.release();
            body = null;
        }
    }

    private void releaseUpstreamToPool() {
        Channel ch = upstream;
        detachUpstream();
        if (ch != null) {
            if (upstreamKeepAlive) {
                ch.config().setAutoRead(true);
                res.upstreams.release(route.provider(), ch);
            } else {
                ch.close();
            }
        }
    }

    private void closeUpstream() {
        Channel ch = upstream;
        detachUpstream();
        if (ch != null) {
            ch.close();
        }
    }

    private void detachUpstream() {
        if (upstreamHandler != null) {
            upstreamHandler.detach(this);
            upstreamHandler = null;
        }
        upstream = null;
    }

    private static long wallMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }
}
