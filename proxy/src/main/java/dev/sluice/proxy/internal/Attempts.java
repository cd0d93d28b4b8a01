package dev.sluice.proxy.internal;

import dev.sluice.codec.ErrorBodies;
import dev.sluice.journal.AttemptOutcome;
import dev.sluice.journal.EndRecord;
import dev.sluice.journal.Outcome;
import dev.sluice.routing.admission.AdmissionDecision;
import dev.sluice.routing.config.Deployment;
import dev.sluice.routing.config.FailureKind;
import dev.sluice.routing.config.GatewayConfig;
import dev.sluice.routing.config.Route;
import dev.sluice.routing.config.RoutePolicy;
import dev.sluice.routing.policy.Retries;

import io.netty.buffer.Unpooled;
import io.opentelemetry.api.trace.Span;

import java.util.concurrent.TimeUnit;

/**
 * The attempts of one admitted request on its route: starts each {@link Attempt} on a deployment the route picks,
 * moves to another (or to the same ones after a backoff) when an attempt fails before the commit and the route's
 * policy allows ({@link Retries}), times each phase (first token, silence between reads, the whole request), and
 * ends the response once it is committed: whole, or broken in-band. Decisions that end the request (an error
 * answer, the END record) belong to its {@link Exchange}.
 * <p>
 * Confined to the client channel's event loop.
 */
final class Attempts {
    private final Exchange exchange;
    private final RequestInfo info;
    private final RequestBody body;
    private final ClientOut out;
    private final LoopResources res;
    private final GatewayConfig config;
    private final Route route;
    private final RoutePolicy policy;
    private final PhaseTimer timer;
    /** When the whole request must be done (its total limit), {@code Long.MAX_VALUE} for none. */
    private final long deadlineNs;
    private Attempt current;
    private int count;
    private long triedMask;
    private AttemptLog log;

    Attempts(Exchange exchange, RequestInfo info, RequestBody body, ClientOut out, LoopResources res,
             GatewayConfig config, Route route) {
        this.exchange = exchange;
        this.info = info;
        this.body = body;
        this.out = out;
        this.res = res;
        this.config = config;
        this.route = route;
        this.policy = route.policy();
        this.timer = new PhaseTimer(res.loop, this::onTimer);
        this.deadlineNs = policy.totalTimeoutMs() > 0
                ? info.startNs + TimeUnit.MILLISECONDS.toNanos(policy.totalTimeoutMs()) : Long.MAX_VALUE;
    }

    /** Starts an attempt on {@code d} (picked already: a half-open probe slot is held). */
    void start(Deployment d) {
        if (exchange.phase() == Phase.DONE) {
            route.onNeutral(d);
            return;
        }
        long now = res.clock.nanoTime();
        current = new Attempt(this, d, now, info, out, res);
        Span request = exchange.span();
        if (request != null) {
            current.trace(exchange.tracing(), request);
        }
        count++;
        triedMask |= 1L << d.index();
        long leftMs = deadlineNs == Long.MAX_VALUE ? Long.MAX_VALUE
                : Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNs - now));
        current.send(body, config.address(d.provider()), (int) Math.min(Integer.MAX_VALUE,
                Math.min(policy.connectTimeoutMs(), leftMs)));
    }

    /** The current attempt, or {@code null} before the first. */
    Attempt current() {
        return current;
    }

    /** Whether {@code a} is the attempt in progress of a request that has not finished. */
    boolean isCurrent(Attempt a) {
        return current == a && exchange.phase() != Phase.DONE;
    }

    /** The current attempt's request went out: its first-token limit runs. */
    void dispatched() {
        armTimer();
    }

    /**
     * The current attempt failed before anything reached the client. Moves to the next attempt when the budget,
     * the deadline and the billing rule allow ({@link #retry}); otherwise answers the client with the given error.
     */
    void attemptFailed(AttemptOutcome outcome, int status, boolean ambiguous, FailureKind kind, long retryAfterMs,
                       int clientStatus, String code, String message, Outcome endOutcome) {
        current.detach();
        if (exchange.phase() == Phase.DONE) {
            return;
        }
        if (!retry(outcome, status, ambiguous, kind, retryAfterMs)) {
            exchange.fail(clientStatus, code, message, endOutcome);
        }
    }

    /**
     * Reports the failed attempt to the route's health and moves to the next one when allowed. Returns false,
     * leaving the attempt as the final one (its outcome recorded), when the caller must answer the client.
     *
     * @param ambiguous the provider may have read the request and billed it
     * @param kind the health failure kind, or {@code null} when the deployment is not to blame (429: cooled down)
     * @param retryAfterMs the provider's Retry-After, or -1
     */
    boolean retry(AttemptOutcome outcome, int status, boolean ambiguous, FailureKind kind, long retryAfterMs) {
        long now = res.clock.nanoTime();
        Attempt a = current;
        a.ended(outcome, ambiguous);
        if (kind == null && status == 429 && retryAfterMs > 0 && route.deployments().size() > 1) {
            // Elsewhere in the route is where the next requests should go meanwhile. A route of one deployment is
            // not cooled down: that would only turn the provider's 429s into the gateway's 503s.
            a.deployment().health().coolDown(now + TimeUnit.MILLISECONDS.toNanos(retryAfterMs));
        }
        a.report(route, kind, now);
        if (!Retries.mayRetry(policy, count, ambiguous, out.active(), now, deadlineNs)) {
            return false;
        }
        Deployment next = route.pick(now, triedMask);
        if (next == null) {
            // Every deployment was tried: the same ones again after a backoff, or the provider's Retry-After.
            long waitMs = Retries.waitBeforeRetryMs(policy, policy.backoffMs(count), retryAfterMs, now, deadlineNs);
            if (waitMs == Retries.GIVE_UP) {
                return false;
            }
            exchange.metrics().retryScheduled();
            timer.retryIn(waitMs, this::retryNow);
        }
        if (log == null) {
            log = new AttemptLog(policy.maxAttempts());
        }
        a.logTo(log, now);
        if (next != null) {
            start(next);
        }
        return true;
    }

    private void retryNow() {
        if (exchange.phase() == Phase.DONE) {
            return;
        }
        long now = res.clock.nanoTime();
        Deployment d = route.pick(now, 0L);
        if (d == null) {
            exchange.noDeployment(now);
            return;
        }
        start(d);
    }

    // ---------------------------------------------------------------- the response

    /** The response head went out: the limit is now the silence between reads. */
    void committed() {
        armTimer();
    }

    /** The provider's response was relayed whole. */
    void completed(boolean upstreamError) {
        out.end();
        exchange.end(out.status() < 400 && !upstreamError ? Outcome.OK : Outcome.UPSTREAM_ERROR, !info.keepAlive);
    }

    /**
     * Ends a response whose head is already sent but whose body broke: a stream gets a terminal error event in
     * its dialect (never a clean-looking end), a JSON body is cut by closing the connection.
     */
    void broken(Outcome outcome, String code, String message) {
        boolean timeout = outcome == Outcome.UPSTREAM_TIMEOUT;
        Attempt a = current;
        a.close();
        a.endedIfOpen(timeout ? AttemptOutcome.TIMEOUT : AttemptOutcome.TRUNCATED);
        a.report(route, timeout ? FailureKind.TIMEOUT : FailureKind.UPSTREAM, res.clock.nanoTime());
        a.truncated();
        if (a.relay().stream()) {
            a.relay().discardPartial();
            out.write(Unpooled.wrappedBuffer(ErrorBodies.streamErrorEvent(info.endpoint, code, message)));
            out.end();
            // The chunked body ended properly after the error event: the connection itself is still sound.
            exchange.end(outcome, !info.keepAlive);
            return;
        }
        // A JSON body cut short: closing the connection is how the client learns it is incomplete.
        out.flush();
        exchange.end(outcome, true);
    }

    /** Forgets what the current attempt's response head set up: before another attempt, an error answer or the end. */
    void dropResponse() {
        out.dropHead();
        if (current != null) {
            current.closeRelay();
        }
    }

    void clientWritabilityChanged(boolean writable) {
        if (current != null) {
            // Backpressure: read the provider only as fast as the client takes the bytes.
            current.autoRead(writable);
        }
    }

    /** The client left: closing the upstream connection is how HTTP/1.1 cancels a generation in progress. */
    void clientClosed() {
        if (current != null) {
            current.close();
            current.endedIfOpen(AttemptOutcome.CLIENT_CANCELLED);
        }
    }

    // ---------------------------------------------------------------- time limits

    /** The limit of the current phase: first token until the commit, then the silence between reads. */
    private long phaseLimitNs() {
        boolean relaying = out.committed();
        long ms = relaying ? policy.idleTimeoutMs() : policy.firstTokenTimeoutMs();
        long base = relaying ? current.lastReadNs() : current.startNs();
        long limit = ms > 0 ? base + TimeUnit.MILLISECONDS.toNanos(ms) : Long.MAX_VALUE;
        return Math.min(limit, deadlineNs);
    }

    private void armTimer() {
        timer.limit(phaseLimitNs(), res.clock.nanoTime());
    }

    private void onTimer() {
        Attempt a = current;
        if (exchange.phase() == Phase.DONE || a == null || !a.connected()) {
            return;
        }
        long now = res.clock.nanoTime();
        long limit = phaseLimitNs();
        if (limit == Long.MAX_VALUE || now - limit < 0 || a.holding()) {
            timer.limit(limit, now);
            return;
        }
        // Long.MAX_VALUE is "no total limit" and is tested first: now - Long.MAX_VALUE overflows for a negative now.
        boolean whole = deadlineNs != Long.MAX_VALUE && now - deadlineNs >= 0;
        boolean relaying = out.committed();
        String what = whole ? "the request's time limit of " + policy.totalTimeoutMs() + " ms"
                : relaying ? policy.idleTimeoutMs() + " ms without data"
                : "the first-token limit of " + policy.firstTokenTimeoutMs() + " ms";
        if (relaying) {
            a.ended(AttemptOutcome.TIMEOUT, a.uncertain());
            broken(Outcome.UPSTREAM_TIMEOUT, "upstream_timeout", "the provider exceeded " + what);
            return;
        }
        a.close();
        dropResponse();
        // The provider has the request and may be generating (and billing) it: not re-sent by default.
        attemptFailed(whole ? AttemptOutcome.TIMEOUT : AttemptOutcome.FIRST_TOKEN_TIMEOUT, a.status(), true,
                FailureKind.TIMEOUT, -1, 504, "upstream_timeout", "provider '" + a.deployment().provider().name()
                        + "' did not answer within " + what, Outcome.UPSTREAM_TIMEOUT);
    }

    /** Stops the timer: the request ended. */
    void stop() {
        timer.cancel();
    }

    // ---------------------------------------------------------------- for the attempt and the END record

    Route route() {
        return route;
    }

    GatewayConfig config() {
        return config;
    }

    GatewayMetrics metrics() {
        return exchange.metrics();
    }

    AdmissionDecision admission() {
        return exchange.admission();
    }

    void fail(int status, String code, String message, Outcome outcome) {
        exchange.fail(status, code, message, outcome);
    }

    /** As above, with a {@code Retry-After} value for the client (or null). */
    void fail(int status, String code, String message, Outcome outcome, String retryAfter) {
        exchange.fail(status, code, message, outcome, retryAfter);
    }

    /** Whether the REQUEST record is durable; when it is not yet, {@code wake} runs once it is. */
    boolean durable(Runnable wake) {
        return exchange.durable(wake);
    }

    /** Adds the attempts before the final one to {@code e}. */
    void logTo(EndRecord e) {
        if (log != null) {
            log.appendTo(e);
        }
    }
}
