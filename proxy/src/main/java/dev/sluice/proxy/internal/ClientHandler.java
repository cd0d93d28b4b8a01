package dev.sluice.proxy.internal;

import static java.util.Objects.requireNonNull;

import dev.sluice.codec.Dialect;
import dev.sluice.codec.Endpoint;
import dev.sluice.journal.Outcome;
import dev.sluice.routing.admission.Refusals;
import dev.sluice.routing.config.ApiKey;
import dev.sluice.routing.config.GatewayConfig;
import dev.sluice.routing.config.ServerSettings;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's per-connection handler: checks framing, authenticates, reads the body to its cap and hands each
 * request to an {@link Exchange}, one at a time (pipelined requests wait their turn).
 *
 * <pre>
 *   socket -> [SslHandler, with server.tls] -> HttpServerCodec (strict decoder) -> ClientHandler -> Exchange
 *          -> UpstreamHandler (provider)
 * </pre>
 * Confined to the channel's event loop.
 */
public final class ClientHandler extends ChannelDuplexHandler {
    private static final AsciiString X_API_KEY = AsciiString.cached("x-api-key");
    /** Longest time input is drained after an answer that closes the connection. */
    static final long LINGER_MS = 2_000;
    /** Most header fields accepted in one request (431 past it, RELIABILITY.md A5). */
    static final int MAX_HEADERS = 100;
    private static final byte[] HEALTHY = "{\"status\":\"ok\"}".getBytes(StandardCharsets.US_ASCII);
    /** The user event the decoder fires when the first byte of a request head arrives. */
    static final Object HEAD_STARTED = new Object() {
        @Override
        public String toString() {
            return "HEAD_STARTED";
        }
    };

    private final GatewayContext gateway;
    private final LoopResources res;
    private ChannelHandlerContext ctx;
    private String clientAddress = "";
    private Exchange exchange;
    private ArrayDeque<Object> pipelined;
    private long pipelinedBytes;
    private boolean discarding;
    private boolean chunkedRequest;
    /** Links and state of this connection's wait on its client ({@link ClientTimeouts}, the loop's lists). */
    ClientHandler waitPrev;
    ClientHandler waitNext;
    int waitState = ClientTimeouts.NONE;
    long waitSinceNs;
    /** Whether a byte of the head awaited has arrived (a connection that sent nothing closes without an answer). */
    private boolean headBytes;
    private int requests;
    private boolean counted;
    /** The 503 overloaded message of a request shed at its head, answered once its body has been dropped. */
    private String shedMessage;

    /** The strict decoder settings of both listeners: the limits of {@code s}, CR LF only, RFC 9112 framing. */
    public static HttpDecoderConfig decoderConfig(ServerSettings s) {
        return new HttpDecoderConfig()
                .setMaxInitialLineLength(s.maxRequestLineBytes())
                .setMaxHeaderSize(s.maxHeaderBytes())
                .setMaxChunkSize(64 * 1024)
                .setAllowDuplicateContentLengths(false)
                .setAllowPartialChunks(true)
                .setValidateHeaders(true)
                .setTrailersFactory(LazyTrailers.FACTORY)
                // CR LF only (CVE-2025-58056), and RFC 9112 Transfer-Encoding rules.
                .setStrictLineParsing(true)
                .setUseRfc9112TransferEncoding(true);
    }

    /** Returns the request decoder the client pipeline needs in front of this handler. */
    public static ChannelHandler newDecoder(ServerSettings s) {
        return new ClientRequestDecoder(decoderConfig(s));
    }

    public ClientHandler(GatewayContext gateway, LoopResources res) {
        this.gateway = requireNonNull(gateway, "gateway");
        this.res = requireNonNull(res, "res");
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        SocketAddress remote = ctx.channel().remoteAddress();
        if (remote instanceof InetSocketAddress) {
            InetSocketAddress a = (InetSocketAddress) remote;
            clientAddress = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
        }
    }

    /** The peer's address, or null when it is not an IP socket. */
    private InetAddress peerAddress() {
        SocketAddress remote = ctx.channel().remoteAddress();
        return remote instanceof InetSocketAddress ? ((InetSocketAddress) remote).getAddress() : null;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        counted = true;
        int open = gateway.load().connectionOpened();
        res.timeouts.await(this, ClientTimeouts.HEAD, res.clock.nanoTime());
        boolean memoryShort = gateway.load().memoryShort() != null;
        if (open > gateway.load().connectionCap() || memoryShort) {
            // Past the cap: the connection that has waited longest for a request makes room, else this one goes.
            // While memory is short, the same: the count does not grow by connections that send nothing, and the
            // new one stays to be answered 503 overloaded in its own dialect.
            ClientHandler idle = res.timeouts.longestWaitingForRequest(this);
            if (idle != null) {
                gateway.metrics().connectionDisplaced();
                idle.closeNow();
            } else if (memoryShort && open <= gateway.load().connectionCap()) {
                ctx.fireChannelActive();
                return;
            } else {
                gateway.metrics().connectionRefused();
                closeNow();
                return;
            }
        }
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == HEAD_STARTED) {
            if (waitState == ClientTimeouts.IDLE || waitState == ClientTimeouts.HEAD) {
                // The header timeout runs from the head's first byte.
                headBytes = true;
                res.timeouts.await(this, ClientTimeouts.HEAD, res.clock.nanoTime());
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    /** A wait on the client lasted its timeout (the wait has ended already): answer 408 where one is due, close. */
    void waitExpired(int wait, long timeoutMs) {
        gateway.metrics().timedOut(wait);
        Exchange ex = exchange;
        if (wait == ClientTimeouts.HEAD && headBytes && ex == null && !discarding) {
            rejectProtocol(gateway.config(), Dialect.OPENAI, 408, "request_timeout",
                    "the request head did not arrive within " + timeoutMs + " ms", res.clock.nanoTime());
        } else if (wait == ClientTimeouts.BODY && ex != null && ex.readingBody() && !discarding) {
            discarding = true;
            ex.reject(408, "request_timeout", "the request body did not arrive within " + timeoutMs + " ms",
                    Outcome.REJECTED);
        } else {
            // Idle, a connection that never sent a byte, or a client that stopped taking its answer (send): the
            // close ends a request in flight as cancelled, and its provider call with it.
            closeNow();
        }
    }

    /** Closes at once, dropping whatever the client still sends. */
    void closeNow() {
        discarding = true;
        releasePipelined();
        res.timeouts.unlink(this);
        ctx.close();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (discarding) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if ((exchange != null && exchange.requestComplete()) || (pipelined != null && !pipelined.isEmpty())) {
            // HTTP/1.1 pipelining: answer in order, after the response in progress.
            if (pipelined == null) {
                pipelined = new ArrayDeque<>(4);
            }
            int bytes = msg instanceof HttpContent ? ((HttpContent) msg).content().readableBytes() : 0;
            if (pipelinedBytes + bytes > 2L * gateway.config().server().maxBodyBytes()) {
                ReferenceCountUtil.release(msg);
                discarding = true;
                releasePipelined();
                ctx.close();
                return;
            }
            pipelinedBytes += bytes;
            pipelined.add(msg);
            return;
        }
        dispatch(msg);
    }

    private void dispatch(Object msg) {
        if (msg instanceof HttpRequest) {
            res.timeouts.await(this, ClientTimeouts.BODY, res.clock.nanoTime());
            onHead((HttpRequest) msg);
        }
        if (msg instanceof HttpContent) {
            if (msg instanceof LastHttpContent && waitState == ClientTimeouts.BODY) {
                res.timeouts.unlink(this);
            }
            onContent((HttpContent) msg);
        } else if (!(msg instanceof HttpRequest)) {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onHead(HttpRequest req) {
        long startNs = res.clock.nanoTime();
        GatewayConfig config = gateway.config();
        gateway.metrics().requestStarted();
        HttpHeaders h = req.headers();
        Dialect dialect = h.contains("anthropic-version") ? Dialect.ANTHROPIC : Dialect.OPENAI;
        DecoderResult dr = req.decoderResult();
        if (dr.isFailure()) {
            Throwable cause = dr.cause();
            int status = cause instanceof TooLongHttpLineException ? 414
                    : cause instanceof TooLongHttpHeaderException ? 431
                    : cause instanceof TooLongFrameException ? 431 : 400;
            rejectProtocol(config, dialect, status, "invalid_request", "malformed HTTP request: " + describe(cause),
                    startNs);
            return;
        }
        if (h.size() > MAX_HEADERS) {
            rejectProtocol(config, dialect, 431, "invalid_request", "more than " + MAX_HEADERS + " header fields",
                    startNs);
            return;
        }
        String violation = FramingRules.violation(req);
        if (violation != null) {
            rejectProtocol(config, dialect, 400, "invalid_request", "ambiguous HTTP framing: " + violation, startNs);
            return;
        }
        chunkedRequest = HttpUtil.isTransferEncodingChunked(req);
        String uri = req.uri();
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        boolean http10 = req.protocolVersion().equals(HttpVersion.HTTP_1_0);
        // The answer closes the connection: on HTTP/1.0 (a stream there ends with the close), after HEAD (answered
        // 405 with a body a HEAD client does not read), and past server.max_requests_per_connection.
        boolean keepAlive = HttpUtil.isKeepAlive(req) && !http10 && !req.method().equals(HttpMethod.HEAD)
                && ++requests < config.server().limits().maxRequestsPerConnection();

        if (path.equals(ClientRoutes.HEALTH) && req.method().equals(HttpMethod.GET)) {
            discardBodyThen(req, () -> {
                ClientResponses.send(ctx, ClientResponses.json(200, HEALTHY, null, !keepAlive));
                if (!keepAlive) {
                    closeLingering();
                } else if (!discarding) {
                    res.timeouts.await(this, ClientTimeouts.IDLE, res.clock.nanoTime());
                }
            });
            return;
        }
        Endpoint endpoint = ClientRoutes.endpoint(path);
        // Sluice's own routes keep the dialect the headers suggest (anthropic-version: Anthropic's error shape).
        if (endpoint != null && endpoint != Endpoint.MODELS && endpoint != Endpoint.FEEDBACK) {
            dialect = endpoint.dialect();
        }
        Exchange ex = new Exchange(this, gateway, res, config, startNs, dialect, endpoint, clientAddress,
                keepAlive, h);
        exchange = ex;
        if (http10) {
            ex.http10();
        }
        if (gateway.draining()) {
            // Shutting down (RELIABILITY D7): a request that arrives on an open connection now is not started.
            discarding = true;
            ex.reject(503, "shutting_down", "The gateway is shutting down; retry shortly.", Outcome.REJECTED);
            return;
        }
        if (endpoint == null) {
            if (path.equals(ClientRoutes.HEALTH)) {
                refuse(ex, req, 405, "method_not_allowed", req.method() + " is not allowed on " + ClientRoutes.HEALTH);
            } else {
                refuse(ex, req, 404, "not_found", "no such endpoint: " + sanitize(path));
            }
            return;
        }
        boolean isGet = req.method().equals(HttpMethod.GET);
        if (endpoint == Endpoint.MODELS ? !isGet : !req.method().equals(HttpMethod.POST)) {
            refuse(ex, req, 405, "method_not_allowed", req.method() + " is not allowed on " + endpoint.path());
            return;
        }
        String overload = gateway.load().enter(config.server().limits());
        if (overload != null) {
            // Shed before any work: no key lookup, and the body (if any) is dropped as it arrives, not kept. The
            // answer goes out once the body is in, so the connection stays usable for the retry.
            gateway.metrics().overloaded();
            shedMessage = "The gateway is overloaded (" + overload + "); retry shortly.";
            return;
        }
        ex.holdsInFlightSlot();
        String coding = h.get(HttpHeaderNames.CONTENT_ENCODING);
        if (coding != null && !HttpHeaderValues.IDENTITY.contentEqualsIgnoreCase(coding)) {
            // A compressed body is refused, never inflated: no decompression bomb (RELIABILITY.md A6).
            refuse(ex, req, 415, "unsupported_content_encoding",
                    "Compressed request bodies (Content-Encoding) are not accepted; send the body uncompressed.");
            return;
        }
        String shadowTicket = h.get(Shadows.HEADER);
        if (shadowTicket != null) {
            // A shadow copy from this gateway (loopback, one-time ticket): the primary's principal, no key of its own.
            Shadows.Ticket t = gateway.shadows().redeem(shadowTicket, peerAddress());
            if (t == null) {
                refuse(ex, req, 401, Refusals.INVALID_KEY, Refusals.INVALID_KEY_MESSAGE);
                return;
            }
            ex.shadow(t);
            ex.startBody(ctx.alloc());
            return;
        }
        ApiKey key = authenticate(h, config);
        int keyStatus = key == null ? ApiKey.EXPIRED : key.status(res.clock.wallMs());
        if (keyStatus == ApiKey.EXPIRED) {
            // One answer for every bad credential (missing, malformed, unknown, expired, revoked): a caller learns
            // nothing of which part was wrong (RELIABILITY.md E1).
            refuse(ex, req, 401, Refusals.INVALID_KEY, Refusals.INVALID_KEY_MESSAGE);
            return;
        }
        if (keyStatus != ApiKey.ACTIVE) {
            refuse(ex, req, 403, "key_disabled", keyStatus == ApiKey.TEAM_DISABLED
                    ? "The team of this key is disabled." : "This key is disabled.");
            return;
        }
        if (endpoint != Endpoint.MODELS && !key.allowsEndpoint(endpoint)) {
            refuse(ex, req, 403, "endpoint_not_allowed", "This key may not call " + endpoint.path() + ".");
            return;
        }
        String project = tag(h.get("x-sluice-project"), key.defaultProject());
        String useCase = tag(h.get("x-sluice-use-case"), key.defaultUseCase());
        if ((key.requireProject() && project == null) || (key.requireUseCase() && useCase == null)) {
            refuse(ex, req, 400, "missing_tags", "This key requires attribution tags: send "
                    + (key.requireProject() && project == null ? "the x-sluice-project header" : "")
                    + (key.requireProject() && project == null && key.requireUseCase() && useCase == null ? " and "
                    : "") + (key.requireUseCase() && useCase == null ? "the x-sluice-use-case header" : "") + ".");
            return;
        }
        ex.principal(key, project, useCase);
        if (endpoint == Endpoint.MODELS) {
            discardBodyThen(req, () -> ex.listModels(path));
            return;
        }
        long declared = HttpUtil.getContentLength(req, -1L);
        int maxBody = config.server().maxBodyBytes();
        if (declared > maxBody) {
            refuse(ex, req, 413, "request_too_large", "request body of " + declared + " bytes exceeds the limit of "
                    + maxBody + " bytes");
            return;
        }
        if (HttpUtil.is100ContinueExpected(req)) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                    Unpooled.EMPTY_BUFFER), ctx.voidPromise());
        }
        ex.startBody(ctx.alloc());
    }

    private void onContent(HttpContent content) {
        Exchange ex = exchange;
        if (shedMessage != null && ex != null) {
            content.release();
            if (content instanceof LastHttpContent) {
                String m = shedMessage;
                shedMessage = null;
                ex.rejectOverloaded(m);
            }
            return;
        }
        if (ex == null || !ex.readingBody()) {
            content.release();
            return;
        }
        if (content.decoderResult().isFailure()) {
            content.release();
            discarding = true;
            ex.reject(400, "invalid_request", "malformed request body framing: "
                    + describe(content.decoderResult().cause()), Outcome.REJECTED_PROTOCOL);
            return;
        }
        int maxBody = gateway.config().server().maxBodyBytes();
        if (!ex.appendBody(content.content(), maxBody)) {
            discarding = true;
            ex.reject(413, "request_too_large", "request body exceeds the limit of " + maxBody + " bytes",
                    Outcome.REJECTED);
            return;
        }
        if (content instanceof LastHttpContent) {
            // Netty drops forbidden trailer fields (Content-Length, Transfer-Encoding) silently, but builds a new
            // last-content object whenever a trailer section was sent at all.
            if (!((LastHttpContent) content).trailingHeaders().isEmpty()
                    || (chunkedRequest && content != LastHttpContent.EMPTY_LAST_CONTENT)) {
                // No API takes request trailers; fields such as Content-Length there are a smuggling vector.
                discarding = true;
                ex.reject(400, "invalid_request", "request trailers are not accepted", Outcome.REJECTED_PROTOCOL);
                return;
            }
            ex.requestBodyComplete();
        }
    }

    /** A tag from a header (sanitised, at most 128 characters), else the key's default; null when neither. */
    private static String tag(String header, String dflt) {
        if (header == null || header.isBlank()) {
            return dflt;
        }
        String t = sanitize(header.strip());
        return t.length() > 128 ? t.substring(0, 128) : t;
    }

    /** Whether the header {@code name} (known to be present) occurs more than once; no list is built. */
    private static boolean repeated(HttpHeaders h, CharSequence name) {
        Iterator<? extends CharSequence> values = h.valueCharSequenceIterator(name);
        values.next();
        return values.hasNext();
    }

    private ApiKey authenticate(HttpHeaders h, GatewayConfig config) {
        String auth = h.get(HttpHeaderNames.AUTHORIZATION);
        String apiKey = h.get(X_API_KEY);
        if ((auth != null && repeated(h, HttpHeaderNames.AUTHORIZATION)) || (apiKey != null && repeated(h, X_API_KEY))) {
            // Two credentials: which one would a proxy in front have checked? Refused rather than guessed.
            return null;
        }
        String secret = null;
        int start = 0;
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            secret = auth;
            start = 7;
            while (start < secret.length() && secret.charAt(start) == ' ') {
                start++;
            }
            if (apiKey != null && !apiKey.equals(secret.substring(start))) {
                return null;
            }
        } else if (auth != null) {
            return null;
        } else {
            secret = apiKey;
        }
        if (secret == null || secret.length() - start < 8 || secret.length() - start > 512) {
            return null;
        }
        return config.keys().lookup(res.digester.digest(secret, start, secret.length()));
    }

    private void rejectProtocol(GatewayConfig config, Dialect dialect, int status, String code, String message,
                                long startNs) {
        Exchange ex = new Exchange(this, gateway, res, config, startNs, dialect, null, clientAddress, false, null);
        exchange = ex;
        discarding = true;
        res.timeouts.unlink(this);
        ex.reject(status, code, message, Outcome.REJECTED_PROTOCOL);
    }

    /**
     * Refuses a request at its head. A body still to come is not read: the answer says {@code Connection: close}
     * and the connection closes after it.
     */
    private void refuse(Exchange ex, HttpRequest req, int status, String code, String message) {
        if (!(req instanceof LastHttpContent)) {
            discarding = true;
        }
        ex.reject(status, code, message, Outcome.REJECTED);
    }

    /** True while the rest of the connection's input is being dropped (it closes after the answer). */
    boolean discarding() {
        return discarding;
    }

    private void discardBodyThen(HttpRequest req, Runnable answer) {
        if (req instanceof LastHttpContent || HttpUtil.getContentLength(req, -1L) == 0
                || (!HttpUtil.isTransferEncodingChunked(req) && !req.headers().contains(HttpHeaderNames.CONTENT_LENGTH))) {
            answer.run();
            return;
        }
        // A GET with a body is unusual; answer and close rather than read it.
        discarding = true;
        answer.run();
        closeLingering();
    }

    /** Called by the exchange once its response is complete; starts the next pipelined request, if any. */
    void exchangeDone(Exchange ex, boolean close) {
        if (exchange != ex) {
            return;
        }
        exchange = null;
        if (close || discarding || gateway.draining()) {
            discarding = true;
            releasePipelined();
            res.timeouts.unlink(this);
            closeLingering();
            return;
        }
        headBytes = false;
        res.timeouts.await(this, ClientTimeouts.IDLE, res.clock.nanoTime());
        // Replay queued messages until one request is whole again (its answer then comes first).
        Object m;
        while (pipelined != null && !discarding && (exchange == null || !exchange.requestComplete())
                && (m = pipelined.poll()) != null) {
            if (m instanceof HttpContent) {
                pipelinedBytes -= ((HttpContent) m).content().readableBytes();
            }
            dispatch(m);
        }
        if (discarding) {
            releasePipelined();
        }
    }

    /**
     * Closes after everything written so far reached the socket, half-closing first and discarding what the client
     * still sends for up to {@link #LINGER_MS}: closing with unread input makes the kernel send a reset that can
     * destroy the answer before the client reads it (RFC 9112 section 9.6, nginx lingering_close).
     */
    private void closeLingering() {
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
            Channel ch = f.channel();
            if (!ch.isActive() || !(ch instanceof DuplexChannel)) {
                ch.close();
                return;
            }
            ((DuplexChannel) ch).shutdownOutput().addListener((ChannelFutureListener) g ->
                    ch.eventLoop().schedule(() -> {
                        ch.close();
                    }, LINGER_MS, TimeUnit.MILLISECONDS));
        });
    }

    /**
     * Begins this connection's part of a shutdown: an idle connection closes now, one with a request in flight
     * after its answer (see {@link #exchangeDone}). Call on the channel's event loop, after
     * {@link GatewayContext#startDraining()}.
     */
    public void drain() {
        if (exchange == null && !discarding) {
            discarding = true;
            releasePipelined();
            ctx.close();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Exchange ex = exchange;
        boolean writable = ctx.channel().isWritable();
        if (ex != null) {
            ex.clientWritabilityChanged(writable);
            // A client that stops taking its answer is given server.send_timeout_ms to start again.
            if (!writable && waitState == ClientTimeouts.NONE && !discarding) {
                res.timeouts.await(this, ClientTimeouts.SEND, res.clock.nanoTime());
            } else if (writable && waitState == ClientTimeouts.SEND) {
                res.timeouts.unlink(this);
            }
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Exchange ex = exchange;
        exchange = null;
        releasePipelined();
        res.timeouts.unlink(this);
        if (counted) {
            counted = false;
            gateway.load().connectionClosed();
        }
        if (ex != null) {
            ex.clientClosed();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Connection resets and the like: the close that follows accounts for any exchange in flight.
        ctx.close();
    }

    private void releasePipelined() {
        if (pipelined != null) {
            Object m;
            while ((m = pipelined.poll()) != null) {
                ReferenceCountUtil.release(m);
            }
            pipelinedBytes = 0;
        }
    }

    private static String describe(Throwable t) {
        String m = t == null ? null : t.getMessage();
        return m == null ? (t == null ? "unknown" : t.getClass().getSimpleName()) : sanitize(m);
    }

    /** Keeps echoed input short and printable (refusals never echo raw bytes). */
    static String sanitize(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 120));
        for (int i = 0; i < s.length() && b.length() < 120; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }

    ChannelHandlerContext ctx() {
        return ctx;
    }
}
