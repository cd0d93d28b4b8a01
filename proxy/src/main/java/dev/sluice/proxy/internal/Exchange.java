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
import dev.sluice.codec.translate.RequestTranslator;
import dev.sluice.codec.translate.ResponseTranslator;
import dev.sluice.codec.translate.StreamTranslator;
import dev.sluice.codec.translate.StreamTranslators;
import dev.sluice.codec.translate.TranslationException;
import dev.sluice.codec.translate.TranslationWarnings;
import dev.sluice.journal.AttemptOutcome;
import dev.sluice.journal.EndRecord;
import dev.sluice.journal.JournalProducer;
import dev.sluice.journal.Outcome;
import dev.sluice.journal.RequestIds;
import dev.sluice.journal.RequestRecord;
import dev.sluice.routing.admission.AdmissionDecision;
import dev.sluice.routing.admission.AdmissionRequest;
import dev.sluice.routing.admission.Limits;
import dev.sluice.routing.admission.Scope;
import dev.sluice.routing.config.ApiKey;
import dev.sluice.routing.config.Deployment;
import dev.sluice.routing.config.FailureKind;
import dev.sluice.routing.config.GatewayConfig;
import dev.sluice.routing.config.Price;
import dev.sluice.routing.config.ProviderConfig;
import dev.sluice.routing.config.ProviderKind;
import dev.sluice.routing.config.Route;
import dev.sluice.routing.config.RoutePolicy;
import dev.sluice.routing.policy.Billing;
import dev.sluice.routing.policy.Retries;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ConnectTimeoutException;
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
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLException;

/**
 * One request from its head to its END record: body, admission, attempts on deployments of the route (each on a
 * connection of the client's own event loop), relay of the response, and the journal. The REQUEST record is
 * appended before dispatch and the response head is written only once that record is durable, so a client never
 * sees a status the journal lacks.
 * <p>
 * Nothing reaches the client before the first byte of a response body that will be relayed ("the commit"): until
 * then a connect failure, a retryable status or a first-token timeout can move the request to another attempt,
 * within the route's attempt budget and only when re-sending cannot bill twice (or the route allows it). After the
 * commit, a failure ends the response in-band: a stream gets the dialect's error event, never a clean end.
 * Confined to the client channel's event loop.
 */
final class Exchange {
    private static final AsciiString USER_AGENT = AsciiString.cached("sluice/0.1");
    private static final AsciiString ANTHROPIC_VERSION = AsciiString.cached("anthropic-version");
    private static final AsciiString ANTHROPIC_BETA = AsciiString.cached("anthropic-beta");
    private static final AsciiString DEFAULT_ANTHROPIC_VERSION = AsciiString.cached("2023-06-01");
    private static final AsciiString EVENT_STREAM = AsciiString.cached("text/event-stream");
    private static final int MAX_BODY_COMPONENTS = 4096;
    /** Output tokens asked of an Anthropic deployment when an OpenAI-format request names no limit (P10). */
    private static final long DEFAULT_TRANSLATED_MAX_TOKENS = 4096;
    /** Largest provider body aggregated for translation; a bigger one fails the attempt. */
    private static final int MAX_TRANSLATED_BODY_BYTES = 64 * 1024 * 1024;
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
    private RoutePolicy policy;
    private String requestedModel;
    private boolean stream;
    private boolean clientIncludeUsage;
    private long journalPos = -1;
    private long deadlineNanos = Long.MAX_VALUE;

    // The current attempt.
    private Deployment deployment;
    private int attempts;
    private long triedMask;
    private long attemptStartNanos;
    private boolean attemptReported;
    private AttemptOutcome attemptOutcome;
    private boolean attemptUncertain;
    private int upstreamStatus;
    private boolean translate;
    private boolean hideUsage;
    private boolean dispatched;
    private AttemptLog attemptLog;

    private Channel upstream;
    private UpstreamHandler upstreamHandler;
    private boolean upstreamKeepAlive;
    private boolean sse;
    private HttpResponse pendingHead;
    private boolean headSent;
    private int statusSent;
    private long firstByteNanos;
    private long lastReadNanos;
    private ArrayDeque<Object> held;
    private ScheduledFuture<?> timer;
    /** Whether {@link #timer} is the phase timer (else the wait before a retry), and when it fires. */
    private boolean phaseTimer;
    private long phaseTimerAtNanos;
    private Usage usage;
    private UsageScanner usageScanner;
    private SseRelay relay;
    private StreamTranslator translator;
    private CompositeByteBuf aggregate;
    private TranslationWarnings warnings;
    private boolean streamCounted;
    private AdmissionDecision admission;
    private long usedTokens;
    private long usedCostMicros;
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
        policy = r.policy();
        stream = f.hasStream && f.stream;
        clientIncludeUsage = f.includeUsage == 1;
        List<Scope> scopes = config.scopes(key, project, r);
        if (gateway.admissionForEveryRequest() && (scopes.isEmpty() || !scopes.get(0).kind().equals("key"))) {
            // Shared counters: the key goes first even without limits, so the shared admission sees a key that
            // another gateway revoked a moment ago.
            List<Scope> withKey = new ArrayList<>(scopes.size() + 1);
            withKey.add(new Scope("key", key.id(), Limits.NONE, null));
            withKey.addAll(scopes);
            scopes = withKey;
        }
        if (scopes.isEmpty()) {
            admitted(f);
            return;
        }
        long inTokens = TokenEstimator.estimateTokens(body, body.readerIndex(), body.writerIndex());
        long maxOut = f.maxTokens > 0 ? f.maxTokens : config.governance().defaultMaxOutputTokens();
        Price worst = r.maxPrice();
        boolean budgeted = false;
        for (Scope s : scopes) {
            budgeted |= s.budget() != null;
        }
        if (worst == null && budgeted) {
            reject(403, "model_unpriced", "The model '" + r.name() + "' has no price, and spending of this key is "
                    + "capped by a budget: it cannot be admitted. Give the model a price in the configuration.",
                    Outcome.REJECTED);
            return;
        }
        long costMicros = worst == null ? 0 : worst.costMicros(inTokens, maxOut, 0, 0);
        AdmissionRequest request = new AdmissionRequest(scopes, inTokens + maxOut, costMicros,
                System.currentTimeMillis(), config.governance().zone());
        gateway.admission().admit(request, decision -> {
            if (res.loop.inEventLoop()) {
                onAdmission(decision);
            } else {
                res.loop.execute(() -> onAdmission(decision));
            }
        });
    }

    /** The admission decision, on this exchange's event loop. */
    private void onAdmission(AdmissionDecision decision) {
        if (finished) {
            // The client left while the request waited for admission: give back what it took.
            if (decision.admitted()) {
                gateway.admission().settle(decision.ticket(), 0, 0);
            }
            return;
        }
        admission = decision;
        if (!decision.admitted()) {
            if (journalPos < 0 && !journalRequest()) {
                return;
            }
            failWithRetryAfter(decision.status(), decision.code(), decision.message(), Outcome.REJECTED,
                    decision.retryAfterSeconds() > 0 ? Long.toString(decision.retryAfterSeconds()) : null);
            return;
        }
        // The scratch facts of this event loop may describe another request by now: scanned again when needed.
        admitted(null);
    }

    /** Admitted (or ungoverned): pick a deployment, journal the request, start the first attempt. */
    private void admitted(RequestFacts f) {
        long now = System.nanoTime();
        Deployment d = route.pick(now, 0L);
        if (d == null) {
            noDeployment(now);
            return;
        }
        if (!journalRequest()) {
            route.onNeutral(d);
            return;
        }
        if (policy.totalTimeoutMs() > 0) {
            deadlineNanos = startNanos + TimeUnit.MILLISECONDS.toNanos(policy.totalTimeoutMs());
        }
        startAttempt(d, f);
    }

    /** Every deployment of the route is disabled, ejected or cooling down: 503 with the time to wait. */
    private void noDeployment(long nowNanos) {
        boolean anyEnabled = false;
        for (Deployment d : route.deployments()) {
            anyEnabled |= d.provider().enabled();
        }
        if (!anyEnabled) {
            ProviderConfig p = route.primary().provider();
            reject(503, "provider_unavailable", "The model '" + route.name() + "' is served by provider '" + p.name()
                    + "', which is not enabled: " + p.disabledReason() + ".", Outcome.REJECTED);
            return;
        }
        long waitNs = Math.max(0, route.nextAvailableNanos(nowNanos) - nowNanos);
        long retryAfterS = Math.max(1, (waitNs + 999_999_999L) / 1_000_000_000L);
        if (journalPos < 0 && !journalRequest()) {
            return;
        }
        failWithRetryAfter(503, "no_available_deployment", "Every deployment of the model '" + route.name()
                + "' is failing or rate limited right now; retry in " + retryAfterS + " s.", Outcome.NO_DEPLOYMENT,
                Long.toString(retryAfterS));
    }

    // ---------------------------------------------------------------- attempts

    /**
     * Starts an attempt on {@code d} (picked already: a half-open probe slot is held). {@code f} are the facts of
     * the body when they are still current, else {@code null} (the loop's scratch facts are re-filled).
     */
    private void startAttempt(Deployment d, RequestFacts f) {
        if (finished) {
            route.onNeutral(d);
            return;
        }
        deployment = d;
        attempts++;
        triedMask |= 1L << d.index();
        attemptStartNanos = System.nanoTime();
        attemptReported = false;
        attemptOutcome = null;
        attemptUncertain = false;
        upstreamStatus = 0;
        firstByteNanos = 0;
        dispatched = false;
        ProviderConfig p = d.provider();
        Dialect upstreamDialect = p.kind().dialect();
        translate = upstreamDialect != endpoint.dialect();
        if (translate && endpoint != Endpoint.CHAT_COMPLETIONS && endpoint != Endpoint.MESSAGES) {
            attemptReported = true;
            route.onNeutral(d);
            fail(400, "unsupported_endpoint_for_model", "The model '" + route.name() + "' is served through the "
                    + (upstreamDialect == Dialect.ANTHROPIC ? "Anthropic Messages API (/v1/messages)"
                    : "OpenAI API (/v1/chat/completions)") + ", which has no equivalent of " + endpoint.path()
                    + ".", Outcome.REJECTED);
            return;
        }
        ByteBuf upstreamBody;
        if (translate) {
            if (warnings == null) {
                warnings = new TranslationWarnings();
            }
            warnings.clear();
            try {
                upstreamBody = RequestTranslator.translate(client.ctx().alloc(), body, endpoint.dialect(),
                        upstreamDialect, d.upstreamModel(), stream, DEFAULT_TRANSLATED_MAX_TOKENS, warnings);
            } catch (TranslationException e) {
                attemptReported = true;
                attemptOutcome = AttemptOutcome.TRANSLATION_FAILED;
                route.onNeutral(d);
                fail(400, "unsupported_for_provider", e.getMessage(), Outcome.REJECTED);
                return;
            }
            if (warnings.count() > 0) {
                gateway.metrics().translationDropped(warnings.count());
            }
            hideUsage = false;
        } else {
            if (f == null) {
                f = res.facts;
                f.reset();
                res.scanner.scan(body, f);
            }
            hideUsage = stream && (endpoint == Endpoint.CHAT_COMPLETIONS || endpoint == Endpoint.COMPLETIONS)
                    && !clientIncludeUsage;
            upstreamBody = BodyRewriter.rewrite(client.ctx().alloc(), body, f, d.upstreamModelJson(), hideUsage);
        }
        String path = p.basePath() + (p.kind() == ProviderKind.OPENAI
                ? (translate ? Endpoint.CHAT_COMPLETIONS : endpoint).path().substring(3)
                : (translate ? Endpoint.MESSAGES : endpoint).path());
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path, upstreamBody,
                TRUSTED_HEADERS, TRUSTED_HEADERS);
        HttpHeaders h = req.headers();
        h.set(HttpHeaderNames.HOST, p.hostHeader());
        h.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, upstreamBody.readableBytes());
        h.set(HttpHeaderNames.ACCEPT, stream ? EVENT_STREAM : HttpHeaderValues.APPLICATION_JSON);
        h.set(HttpHeaderNames.USER_AGENT, USER_AGENT);
        // The client's credentials never go upstream: only the provider's own key is added.
        if (p.kind() == ProviderKind.ANTHROPIC) {
            if (p.apiKey() != null) {
                h.set("x-api-key", p.apiKey());
            }
            String v = translate ? null : clientHeaders.get(ANTHROPIC_VERSION);
            h.set(ANTHROPIC_VERSION, v != null ? v : DEFAULT_ANTHROPIC_VERSION);
            String beta = translate ? null : clientHeaders.get(ANTHROPIC_BETA);
            if (beta != null) {
                h.set(ANTHROPIC_BETA, beta);
            }
        } else if (p.apiKey() != null) {
            h.set(HttpHeaderNames.AUTHORIZATION, p.bearer());
        }
        Channel ch = res.upstreams.pollIdle(p);
        if (ch != null) {
            attach(ch, req);
            return;
        }
        InetSocketAddress address = config.address(p);
        if (address == null) {
            req.release();
            attemptFailed(AttemptOutcome.CONNECT_FAILED, 0, false, FailureKind.CONNECT, -1, 502,
                    "upstream_unavailable", "the address of provider '" + p.name() + "' could not be resolved",
                    Outcome.UPSTREAM_UNAVAILABLE);
            return;
        }
        UpstreamHandler handler = new UpstreamHandler();
        int connectMs = (int) Math.min(Integer.MAX_VALUE, Math.min(policy.connectTimeoutMs(),
                Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - attemptStartNanos))));
        ChannelFuture cf = res.upstreams.connect(p, address, connectMs, handler);
        int attempt = attempts;
        cf.addListener((ChannelFutureListener) future -> {
            if (finished || attempts != attempt) {
                req.release();
                if (future.isSuccess()) {
                    res.upstreams.release(p, future.channel());
                }
                return;
            }
            if (!future.isSuccess()) {
                req.release();
                Throwable cause = future.cause();
                AttemptOutcome o = cause instanceof ConnectTimeoutException ? AttemptOutcome.CONNECT_TIMEOUT
                        : cause instanceof ConnectException ? AttemptOutcome.CONNECT_REFUSED
                        : AttemptOutcome.CONNECT_FAILED;
                attemptFailed(o, 0, false, FailureKind.CONNECT, -1, 502, "upstream_unavailable",
                        "could not connect to provider '" + p.name() + "' (" + o.wireName() + ")",
                        Outcome.UPSTREAM_UNAVAILABLE);
                return;
            }
            attach(future.channel(), req);
        });
    }

    private void attach(Channel ch, FullHttpRequest req) {
        upstream = ch;
        upstreamHandler = (UpstreamHandler) ch.pipeline().last();
        upstreamHandler.attach(this);
        ch.config().setAutoRead(client.ctx().channel().isWritable());
        lastReadNanos = System.nanoTime();
        dispatched = true;
        // A failed write reaches UpstreamHandler.exceptionCaught, which ends this attempt: no listener needed.
        ch.writeAndFlush(req, ch.voidPromise());
        armTimer();
    }

    /**
     * The current attempt failed before anything reached the client. Reports it to the route's health, then
     * starts or schedules the next attempt when the budget, the deadline and the billing rule allow; otherwise
     * answers the client with the given error.
     *
     * @param ambiguous the provider may have read the request and billed it
     * @param kind the health failure kind, or {@code null} when the deployment is not to blame (429: cooled down)
     * @param retryAfterMs the provider's Retry-After, or -1
     */
    private void attemptFailed(AttemptOutcome outcome, int status, boolean ambiguous, FailureKind kind,
                               long retryAfterMs, int clientStatus, String code, String message, Outcome endOutcome) {
        detachUpstream();
        if (finished) {
            return;
        }
        if (!retry(outcome, status, ambiguous, kind, retryAfterMs)) {
            fail(clientStatus, code, message, endOutcome);
        }
    }

    /**
     * Reports the failed attempt and moves to the next one when allowed. Returns false, leaving the attempt as the
     * final one (its outcome recorded), when the caller must answer the client.
     */
    private boolean retry(AttemptOutcome outcome, int status, boolean ambiguous, FailureKind kind,
                          long retryAfterMs) {
        long now = System.nanoTime();
        Deployment d = deployment;
        attemptOutcome = outcome;
        attemptUncertain = ambiguous;
        attemptReported = true;
        if (kind != null) {
            route.onFailure(d, kind, now);
        } else {
            if (status == 429 && retryAfterMs > 0 && route.deployments().size() > 1) {
                // Elsewhere in the route is where the next requests should go meanwhile. A route of one
                // deployment is not cooled down: that would only turn the provider's 429s into the gateway's 503s.
                d.health().coolDown(now + TimeUnit.MILLISECONDS.toNanos(retryAfterMs));
            }
            route.onNeutral(d);
        }
        if (!Retries.mayRetry(policy, attempts, ambiguous, client.ctx().channel().isActive(), now, deadlineNanos)) {
            return false;
        }
        Deployment next = route.pick(now, triedMask);
        if (next != null) {
            logAttempt(now);
            startAttempt(next, null);
            return true;
        }
        // Every deployment was tried: the same ones again after a backoff, or the provider's Retry-After.
        long waitMs = Retries.waitBeforeRetryMs(policy, policy.backoffMs(attempts), retryAfterMs, now, deadlineNanos);
        if (waitMs == Retries.GIVE_UP) {
            return false;
        }
        logAttempt(now);
        gateway.metrics().retryScheduled();
        cancelTimer();
        timer = res.loop.schedule(this::retryNow, waitMs, TimeUnit.MILLISECONDS);
        phaseTimer = false;
        return true;
    }

    private void retryNow() {
        timer = null;
        if (finished) {
            return;
        }
        long now = System.nanoTime();
        Deployment d = route.pick(now, 0L);
        if (d == null) {
            noDeployment(now);
            return;
        }
        startAttempt(d, null);
    }

    /** Keeps the record of the attempt that just failed; the final attempt is written from the fields. */
    private void logAttempt(long nowNanos) {
        if (attemptLog == null) {
            attemptLog = new AttemptLog(policy.maxAttempts());
        }
        attemptLog.add(deployment.name(), attemptOutcome, upstreamStatus, (nowNanos - attemptStartNanos) / 1000,
                attemptUncertain);
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
            if (finished || upstream == null) {
                ((HttpContent) msg).release();
                return;
            }
            onUpstreamContent((HttpContent) msg);
        }
    }

    /** Returns false when the message was consumed (held, or the attempt or the exchange ended on it). */
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
        upstreamStatus = status;
        upstreamKeepAlive = HttpUtil.isKeepAlive(resp);
        String providerName = deployment.provider().name();
        if (status >= 300 && status < 400) {
            // Never followed: the Location could point anywhere, and the request carries the provider's key.
            closeUpstream();
            attemptOutcome = AttemptOutcome.STATUS;
            reportFinal(FailureKind.UPSTREAM);
            fail(502, "upstream_redirect", "provider '" + providerName
                    + "' answered with a redirect, which the gateway does not follow", Outcome.UPSTREAM_ERROR);
            return false;
        }
        if (status == 401 || status == 403 || status == 407) {
            closeUpstream();
            attemptOutcome = AttemptOutcome.STATUS;
            reportFinal(null);
            fail(502, "upstream_auth_failed", "provider '" + providerName
                    + "' refused the gateway's credentials (status " + status + ")", Outcome.UPSTREAM_ERROR);
            return false;
        }
        String retryAfter = resp.headers().get(HttpHeaderNames.RETRY_AFTER);
        if (Retries.isRetryable(status)) {
            boolean ambiguous = Retries.isAmbiguous(status);
            FailureKind kind = status == 429 ? null : FailureKind.UPSTREAM;
            Channel ch = upstream;
            detachUpstream();
            if (retry(AttemptOutcome.STATUS, status, ambiguous, kind, Retries.retryAfterMs(retryAfter))) {
                // The error body is not wanted: closing is cheaper than draining it.
                ch.close();
                return false;
            }
            // The final attempt: its answer goes to the client as the provider gave it.
            reattach(ch);
        } else if (status >= 400) {
            attemptOutcome = AttemptOutcome.STATUS;
            reportFinal(null);
        }
        String contentType = resp.headers().get(HttpHeaderNames.CONTENT_TYPE);
        sse = stream && status == 200 && contentType != null && contentType.startsWith("text/event-stream");
        if (usage == null) {
            usage = new Usage();
        } else {
            usage.reset();
        }
        int clientStatus = translate && status >= 400
                ? ResponseTranslator.translateErrorStatus(status, upstreamDialect(), endpoint.dialect()) : status;
        HttpResponse out = new DefaultHttpResponse(HttpVersion.HTTP_1_1,
                clientStatus == status ? resp.status() : HttpResponseStatus.valueOf(clientStatus), TRUSTED_HEADERS);
        HttpHeaders h = out.headers();
        if (sse) {
            h.set(HttpHeaderNames.CONTENT_TYPE, contentType);
            h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            h.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
            if (translate) {
                translator = StreamTranslators.create(upstreamDialect(), endpoint.dialect(),
                        deployment.upstreamModel(), clientIncludeUsage, config.upstream().maxEventBytes(), usage,
                        warnings);
            } else {
                relay = res.takeRelay(config.upstream().maxEventBytes());
                relay.reset(client.ctx(), endpoint, usage, hideUsage);
            }
            gateway.metrics().streamOpened();
            streamCounted = true;
        } else if (translate) {
            // A translated body is rewritten whole: its length is known only at the end.
            h.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
            aggregate = client.ctx().alloc().compositeBuffer(MAX_BODY_COMPONENTS);
        } else {
            h.set(HttpHeaderNames.CONTENT_TYPE, contentType != null ? contentType : HttpHeaderValues.APPLICATION_JSON);
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
        if (retryAfter != null) {
            h.set(HttpHeaderNames.RETRY_AFTER, retryAfter);
        }
        h.set(ClientResponses.X_REQUEST_ID, requestIdText);
        h.set(ClientResponses.REQUEST_ID, requestIdText);
        RateLimitHeaders.add(h, admission);
        if (!keepAlive) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        pendingHead = out;
        statusSent = clientStatus;
        return true;
    }

    /** Writes the response head held since the provider's head: the first body bytes are about to follow. */
    private void commit() {
        HttpResponse head = pendingHead;
        pendingHead = null;
        client.ctx().write(head, client.ctx().voidPromise());
        headSent = true;
        armTimer();
    }

    private void onUpstreamContent(HttpContent content) {
        ByteBuf buf = content.content();
        boolean last = content instanceof LastHttpContent;
        if (firstByteNanos == 0 && buf.isReadable()) {
            firstByteNanos = System.nanoTime();
        }
        if (aggregate != null) {
            if (aggregate.readableBytes() + (long) buf.readableBytes() > MAX_TRANSLATED_BODY_BYTES) {
                buf.release();
                closeUpstream();
                attemptOutcome = AttemptOutcome.TRANSLATION_FAILED;
                reportFinal(FailureKind.UPSTREAM);
                dropAttemptResponse();
                fail(502, "upstream_malformed", "the provider's answer is too large to translate",
                        Outcome.UPSTREAM_ERROR);
                return;
            }
            if (buf.isReadable()) {
                aggregate.addComponent(true, buf);
            } else {
                buf.release();
            }
            if (last) {
                translatedBodyComplete();
            }
            return;
        }
        if (!headSent && (buf.isReadable() || last)) {
            commit();
        }
        if (translator != null) {
            ByteBuf out = client.ctx().alloc().buffer(Math.max(256, buf.readableBytes() * 2));
            int rc = translator.onBytes(buf, out);
            buf.release();
            if (out.isReadable()) {
                client.ctx().write(out, client.ctx().voidPromise());
            } else {
                out.release();
            }
            if (rc != StreamTranslator.OK) {
                brokenStream(Outcome.UPSTREAM_TRUNCATED, "upstream_malformed", rc == StreamTranslator.TOO_LARGE
                        ? "the provider sent an event larger than the gateway accepts"
                        : "the provider sent an event the gateway could not understand");
                return;
            }
            if (translator.terminal() && !last) {
                // Anything after the terminal event is not relayed; the rest of the response is drained.
                return;
            }
        } else if (sse) {
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

    /** A translated non-streamed answer is complete: translate it whole and send it with its length. */
    private void translatedBodyComplete() {
        CompositeByteBuf in = aggregate;
        aggregate = null;
        ChannelHandlerContext ctx = client.ctx();
        ByteBuf out;
        try {
            if (upstreamStatus >= 400) {
                out = ResponseTranslator.translateError(ctx.alloc(), upstreamStatus, in, upstreamDialect(),
                        endpoint.dialect());
            } else {
                out = ResponseTranslator.translate(ctx.alloc(), in, upstreamDialect(), endpoint.dialect(), usage,
                        warnings);
            }
        } catch (TranslationException e) {
            in.release();
            releaseUpstreamToPool();
            attemptOutcome = AttemptOutcome.TRANSLATION_FAILED;
            reportFinal(FailureKind.UPSTREAM);
            dropAttemptResponse();
            fail(502, "upstream_malformed", "the provider's answer could not be translated: " + e.getMessage(),
                    Outcome.UPSTREAM_ERROR);
            return;
        }
        in.release();
        if (firstByteNanos == 0) {
            firstByteNanos = System.nanoTime();
        }
        pendingHead.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, out.readableBytes());
        commit();
        ctx.write(out, ctx.voidPromise());
        upstreamComplete();
    }

    void onUpstreamReadComplete() {
        if (finished || !headSent) {
            return;
        }
        if (relay == null || relay.takeWritten()) {
            client.ctx().flush();
        }
    }

    private void upstreamComplete() {
        boolean terminal = true;
        if (relay != null) {
            relay.endOfStream();
            terminal = relay.terminal();
        } else if (translator != null) {
            terminal = translator.terminal();
        }
        if (sse && !terminal) {
            // The provider ended the HTTP response without the stream's terminal event: a truncated stream.
            releaseUpstreamToPool();
            brokenStream(Outcome.UPSTREAM_TRUNCATED, "upstream_truncated",
                    "the provider ended the stream before it was complete");
            return;
        }
        releaseUpstreamToPool();
        ChannelHandlerContext ctx = client.ctx();
        if (!headSent) {
            commit();
        }
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT, ctx.voidPromise());
        boolean streamError = translator != null && translator.upstreamError();
        finish(statusSent < 400 && !streamError ? Outcome.OK : Outcome.UPSTREAM_ERROR, !keepAlive);
    }

    void onUpstreamClosed(Throwable cause) {
        if (finished) {
            return;
        }
        detachUpstream();
        if (!headSent) {
            releaseHeldMessages();
            dropAttemptResponse();
            if (upstreamStatus == 0 && isHandshakeFailure(cause)) {
                // TLS failed before the request could be written: nothing was sent, so another attempt is safe.
                attemptFailed(AttemptOutcome.CONNECT_FAILED, 0, false, FailureKind.CONNECT, -1, 502,
                        "upstream_unavailable", "the TLS handshake with provider '" + deployment.provider().name()
                                + "' failed", Outcome.UPSTREAM_UNAVAILABLE);
                return;
            }
            // The request went out; the provider may have read it and started (and billed) a generation.
            attemptFailed(AttemptOutcome.RESET, upstreamStatus, true, FailureKind.UPSTREAM, -1, 502,
                    "upstream_unavailable", "provider '" + deployment.provider().name()
                            + "' closed the connection before answering", Outcome.UPSTREAM_UNAVAILABLE);
        } else {
            brokenStream(Outcome.UPSTREAM_TRUNCATED, "upstream_truncated",
                    "the provider closed the connection before the response was complete");
        }
    }

    private static boolean isHandshakeFailure(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SSLException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Ends a response whose head is already sent but whose body broke: a stream gets a terminal error event in
     * its dialect (never a clean-looking end), a JSON body is cut by closing the connection.
     */
    private void brokenStream(Outcome outcome, String code, String message) {
        truncated = true;
        closeUpstream();
        if (attemptOutcome == null) {
            attemptOutcome = outcome == Outcome.UPSTREAM_TIMEOUT ? AttemptOutcome.TIMEOUT : AttemptOutcome.TRUNCATED;
        }
        reportFinal(outcome == Outcome.UPSTREAM_TIMEOUT ? FailureKind.TIMEOUT : FailureKind.UPSTREAM);
        ChannelHandlerContext ctx = client.ctx();
        if (sse) {
            if (relay != null) {
                relay.discardPartial();
            }
            ctx.write(Unpooled.wrappedBuffer(ErrorBodies.streamErrorEvent(endpoint, code, message)),
                    ctx.voidPromise());
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT, ctx.voidPromise());
            // The chunked body ended properly after the error event: the connection itself is still sound.
            finish(outcome, !keepAlive);
            return;
        }
        // A JSON body cut short: closing the connection is how the client learns it is incomplete.
        ctx.flush();
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
        if (deployment != null && attemptOutcome == null) {
            attemptOutcome = AttemptOutcome.CLIENT_CANCELLED;
        }
        finish(Outcome.CLIENT_CANCELLED, true);
    }

    // ---------------------------------------------------------------- timers

    /** The limit of the current phase: first token until the commit, then the silence between reads. */
    private long phaseLimitNanos() {
        long ms = headSent ? policy.idleTimeoutMs() : policy.firstTokenTimeoutMs();
        long base = headSent ? lastReadNanos : attemptStartNanos;
        long limit = ms > 0 ? base + TimeUnit.MILLISECONDS.toNanos(ms) : Long.MAX_VALUE;
        return Math.min(limit, deadlineNanos);
    }

    private void armTimer() {
        long limit = phaseLimitNanos();
        if (timer != null && phaseTimer && phaseTimerAtNanos <= limit) {
            // The timer set already fires no later than this phase's limit, and onTimer re-arms it for the rest:
            // no cancel and schedule per phase change (the commit of every request).
            return;
        }
        cancelTimer();
        if (limit != Long.MAX_VALUE) {
            schedulePhaseTimer(limit, System.nanoTime());
        }
    }

    private void schedulePhaseTimer(long limitNanos, long nowNanos) {
        long delay = Math.max(limitNanos - nowNanos, 1_000_000L);
        timer = res.loop.schedule(this::onTimer, delay, TimeUnit.NANOSECONDS);
        phaseTimer = true;
        phaseTimerAtNanos = nowNanos + delay;
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void onTimer() {
        timer = null;
        if (finished || upstream == null) {
            return;
        }
        long now = System.nanoTime();
        long limit = phaseLimitNanos();
        if (now < limit || held != null) {
            schedulePhaseTimer(limit, now);
            return;
        }
        // Long.MAX_VALUE is "no total limit" and is tested first: now - Long.MAX_VALUE overflows for a negative now.
        boolean whole = deadlineNanos != Long.MAX_VALUE && now - deadlineNanos >= 0;
        String what = whole ? "the request's time limit of " + policy.totalTimeoutMs() + " ms"
                : headSent ? policy.idleTimeoutMs() + " ms without data"
                : "the first-token limit of " + policy.firstTokenTimeoutMs() + " ms";
        if (!headSent) {
            closeUpstream();
            dropAttemptResponse();
            // The provider has the request and may be generating (and billing) it: not re-sent by default.
            AttemptOutcome o = whole ? AttemptOutcome.TIMEOUT : AttemptOutcome.FIRST_TOKEN_TIMEOUT;
            attemptFailed(o, upstreamStatus, true, FailureKind.TIMEOUT, -1, 504, "upstream_timeout",
                    "provider '" + deployment.provider().name() + "' did not answer within " + what,
                    Outcome.UPSTREAM_TIMEOUT);
        } else {
            attemptOutcome = AttemptOutcome.TIMEOUT;
            brokenStream(Outcome.UPSTREAM_TIMEOUT, "upstream_timeout", "the provider exceeded " + what);
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
        failWithRetryAfter(status, code, message, outcome, null);
    }

    private void failWithRetryAfter(int status, String code, String message, Outcome outcome, String retryAfter) {
        boolean close = !keepAlive || outcome == Outcome.REJECTED_PROTOCOL || client.discarding();
        requestComplete = true;
        statusSent = status;
        pendingHead = null;
        ChannelHandlerContext ctx = client.ctx();
        Runnable send = () -> {
            if (ctx.channel().isActive()) {
                ClientResponses.error(ctx, dialect, status, code, message, requestIdText, close, retryAfter,
                        admission);
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
        cancelTimer();
        if (deployment != null && !attemptReported) {
            attemptReported = true;
            if (outcome == Outcome.OK) {
                long ttft = ttftNanos();
                route.onSuccess(deployment, ttft == 0 ? 0 : ttft - attemptStartNanos);
            } else {
                route.onNeutral(deployment);
            }
        }
        writeEnd(outcome);
        if (admission != null && admission.ticket() != null) {
            // Every exit path settles: the slot is freed and the reservation replaced by what was really used.
            gateway.admission().settle(admission.ticket(), usedTokens, usedCostMicros);
        }
        gateway.metrics().outcome(outcome);
        releaseHeldMessages();
        dropAttemptResponse();
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

    /** Reports the current attempt's end to the route's health once, when the exchange will not retry it. */
    private void reportFinal(FailureKind kind) {
        if (attemptReported || deployment == null) {
            return;
        }
        attemptReported = true;
        if (kind != null) {
            route.onFailure(deployment, kind, System.nanoTime());
        } else {
            route.onNeutral(deployment);
        }
    }

    private long ttftNanos() {
        if (relay != null) {
            return relay.firstTokenNanos();
        }
        if (translator != null) {
            return translator.firstContentNanos();
        }
        return firstByteNanos;
    }

    private void writeEnd(Outcome outcome) {
        EndRecord e = res.endRecord;
        e.reset();
        long nowNanos = System.nanoTime();
        long ttftNanos = ttftNanos();
        e.requestId(requestId).wallTimeMicros(wallMicros()).status(statusSent).outcome(outcome)
                .totalMicros((nowNanos - startNanos) / 1000)
                .ttftMicros(ttftNanos == 0 ? -1 : (ttftNanos - startNanos) / 1000)
                .truncated(truncated);
        Deployment d = deployment;
        if (d != null) {
            e.provider(d.provider().name()).deployment(d.name()).servedModel(d.upstreamModel());
            if (attemptLog != null) {
                attemptLog.appendTo(e);
            }
            AttemptOutcome last = attemptOutcome != null ? attemptOutcome
                    : outcome == Outcome.OK ? AttemptOutcome.OK
                    : outcome == Outcome.CLIENT_CANCELLED ? AttemptOutcome.CLIENT_CANCELLED
                    : upstreamStatus > 0 ? AttemptOutcome.STATUS : AttemptOutcome.RESET;
            e.addAttempt(d.name(), last, upstreamStatus, (nowNanos - attemptStartNanos) / 1000, attemptUncertain);
        } else if (route != null) {
            e.provider(route.primary().provider().name()).deployment(route.primary().name());
        }
        long relayed = relay != null ? relay.contentEvents() : translator != null ? translator.contentEvents() : -1;
        Billing.Bill bill = Billing.bill(res.bill, usage, endpoint, dispatched, upstreamStatus,
                truncated || outcome == Outcome.CLIENT_CANCELLED, relayed, body, d != null, d == null ? null : d.price());
        long in = bill.tokensIn();
        long out = bill.tokensOut();
        long cost = bill.costMicros();
        e.tokensIn(in).tokensOut(out).tokensCached(bill.tokensCached()).tokensEstimated(bill.estimated())
                .costMicros(cost);
        usedTokens = Math.max(0, in) + Math.max(0, out);
        usedCostMicros = Math.max(0, cost);
        if (journalPos >= 0) {
            if (res.journal.append(e) == JournalProducer.FULL) {
                gateway.metrics().journalFull();
            }
        }
    }

    private Dialect upstreamDialect() {
        return deployment.provider().kind().dialect();
    }

    /** Forgets what an attempt's response head set up: before another attempt, a gateway answer, or the end. */
    private void dropAttemptResponse() {
        pendingHead = null;
        if (relay != null) {
            relay.discardPartial();
            res.giveBack(relay);
            relay = null;
        }
        if (usageScanner != null) {
            res.giveBack(usageScanner);
            usageScanner = null;
        }
        releaseTranslationState();
        if (streamCounted) {
            streamCounted = false;
            gateway.metrics().streamClosed();
        }
    }

    private void releaseTranslationState() {
        translator = null;
        if (aggregate != null) {
            aggregate.release();
            aggregate = null;
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
                res.upstreams.release(deployment.provider(), ch);
            } else {
                ch.close();
            }
        }
    }

    /** Takes back a connection detached for a retry that did not happen. */
    private void reattach(Channel ch) {
        upstream = ch;
        upstreamHandler = (UpstreamHandler) ch.pipeline().last();
        upstreamHandler.attach(this);
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
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }

    /** The attempts before the final one, kept for the END record. Allocated only when a request is retried. */
    private static final class AttemptLog {
        private final String[] deployments;
        private final AttemptOutcome[] outcomes;
        private final int[] statuses;
        private final long[] durationsMicros;
        private final boolean[] uncertain;
        private int size;

        AttemptLog(int capacity) {
            deployments = new String[capacity];
            outcomes = new AttemptOutcome[capacity];
            statuses = new int[capacity];
            durationsMicros = new long[capacity];
            uncertain = new boolean[capacity];
        }

        void add(String deployment, AttemptOutcome outcome, int status, long durationMicros, boolean uncertainBilled) {
            if (size == deployments.length) {
                return;
            }
            deployments[size] = deployment;
            outcomes[size] = outcome;
            statuses[size] = status;
            durationsMicros[size] = durationMicros;
            uncertain[size] = uncertainBilled;
            size++;
        }

        void appendTo(EndRecord e) {
            for (int i = 0; i < size; i++) {
                e.addAttempt(deployments[i], outcomes[i], statuses[i], durationsMicros[i], uncertain[i]);
            }
        }
    }
}
