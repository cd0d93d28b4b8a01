package dev.sluice.proxy.internal;

import dev.sluice.codec.Clock;
import dev.sluice.codec.Dialect;
import dev.sluice.codec.Endpoint;
import dev.sluice.journal.Capture;
import dev.sluice.journal.JournalProducer;
import dev.sluice.journal.Outcome;
import dev.sluice.journal.RequestRecord;
import dev.sluice.routing.admission.AdmissionDecision;
import dev.sluice.routing.config.ApiKey;
import dev.sluice.routing.config.CaptureLevel;
import dev.sluice.routing.config.Deployment;
import dev.sluice.routing.config.GatewayConfig;
import dev.sluice.routing.config.JournalPolicy;
import dev.sluice.routing.config.ProviderConfig;
import dev.sluice.routing.config.Route;
import dev.sluice.routing.config.Shadow;
import dev.sluice.routing.policy.Billing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaders;
import io.opentelemetry.api.trace.Span;

/**
 * One request from its head to its END record, phase by phase ({@link Phase}): the body, its admission
 * ({@link RequestAdmission}), its attempts on the route's deployments ({@link Attempts}, one {@link Attempt} per
 * try, each on a connection of the client's own event loop), and the journal. The REQUEST record is appended
 * before dispatch and the response head is written only once that record is durable, so a client never sees a
 * status the journal lacks.
 * <p>
 * Nothing reaches the client before the first byte of a response body that will be relayed ("the commit"): until
 * then a connect failure, a retryable status or a first-token timeout can move the request to another attempt,
 * within the route's attempt budget and only when re-sending cannot bill twice (or the route allows it). After the
 * commit, a failure ends the response in-band: a stream gets the dialect's error event, never a clean end.
 * Everything the request writes to its client goes through its {@link ClientOut}.
 * <p>
 * Confined to the client channel's event loop.
 */
final class Exchange {
    private final ClientHandler client;
    private final GatewayContext gateway;
    private final LoopResources res;
    private final Clock clock;
    /** The configuration the request started with: it ends on the same one, whatever reloads meanwhile. */
    private final GatewayConfig config;
    private final RequestInfo info;
    private final ClientOut out;
    private Phase phase = Phase.HEAD;
    private RequestBody body;
    private Route route;
    /** This request's admission until it settles (a pooled decision is another request's after that). */
    private AdmissionDecision admission;
    /** The stamp {@link #admission}'s ticket was issued at, what the settle shows. */
    private long admissionStamp;
    private long journalPos = -1;
    private Attempts attempts;
    /** What the journal keeps of this request's content; null under capture off. */
    private ContentCapture capture;
    /** Whether this request holds a slot of {@code server.max_in_flight}, given back when it ends. */
    private boolean inFlightSlot;
    /** The request's span while traces are on (started with the first attempt, or at the end). */
    private Span span;

    Exchange(ClientHandler client, GatewayContext gateway, LoopResources res, GatewayConfig config, long startNs,
             Dialect dialect, Endpoint endpoint, String clientAddress, boolean keepAlive, HttpHeaders clientHeaders) {
        this.client = client;
        this.gateway = gateway;
        this.res = res;
        this.clock = res.clock;
        this.config = config;
        this.info = new RequestInfo(gateway.requestIds().next(), startNs, clock.wallMicros(), dialect, endpoint,
                clientAddress, keepAlive, clientHeaders);
        this.out = new ClientOut(client.ctx(), this::onCommit);
    }

    /** The request's span, started at the request's start on first use; {@code null} when traces are off. */
    Span span() {
        Tracing t = gateway.tracing();
        if (span == null && t != null) {
            span = t.startRequest(info.headers, info.startWallMicros);
        }
        return span;
    }

    Tracing tracing() {
        return gateway.tracing();
    }

    /** The client spoke HTTP/1.0: bodies of unknown length are delimited by the connection's close. */
    void http10() {
        info.http10 = true;
    }

    void principal(ApiKey key, String project, String useCase) {
        info.key = key;
        info.project = project;
        info.useCase = useCase;
    }

    Phase phase() {
        return phase;
    }

    boolean requestComplete() {
        return phase.requestComplete();
    }

    boolean readingBody() {
        return phase == Phase.BODY;
    }

    // ---------------------------------------------------------------- the request

    void startBody(ByteBufAllocator alloc) {
        body = new RequestBody(alloc);
        phase = Phase.BODY;
    }

    /** Adds a body chunk (taking ownership). Returns false, releasing it, when it would pass the size cap. */
    boolean appendBody(ByteBuf chunk, int maxBodyBytes) {
        return body.append(chunk, maxBodyBytes);
    }

    /** The body is whole: scan it (once), route it and ask for its admission. */
    void requestBodyComplete() {
        phase = Phase.ADMISSION;
        if (info.endpoint == Endpoint.FEEDBACK) {
            feedback();
            return;
        }
        RequestAdmission.admit(this, info, body, config, gateway, res);
    }

    /** {@code POST /v1/feedback}: journaled like any request; the feedback itself is taken off the event loop. */
    private void feedback() {
        if (!journalRequest()) {
            return;
        }
        FeedbackIntake intake = gateway.feedback();
        if (intake == null) {
            fail(404, "not_found", "no such endpoint: " + info.endpoint.path(), Outcome.REJECTED);
            return;
        }
        ByteBuf b = body.bytes();
        byte[] bytes = new byte[b.readableBytes()];
        b.getBytes(b.readerIndex(), bytes);
        intake.submit(info.key, bytes, out.ctx().executor(), a -> {
            if (phase == Phase.DONE) {
                return; // the client left meanwhile
            }
            if (a.status() != 200) {
                failWithRetryAfter(a.status(), a.code(), a.message(), a.param(), Outcome.REJECTED,
                        a.status() == 503 ? "1" : null);
                return;
            }
            out.status(200);
            boolean close = !info.keepAlive;
            end(Outcome.OK, close, () -> ClientResponses.send(out.ctx(), ClientResponses.json(200, a.body(),
                    info.requestIdText, close)));
        });
    }

    /** The admission decision for a request to {@code r}, on this exchange's event loop. */
    void onAdmission(Route r, AdmissionDecision decision) {
        if (phase == Phase.DONE) {
            // The client left while the request waited for admission: give back what it took.
            if (decision.admitted()) {
                gateway.admission().settle(decision, 0, 0);
            }
            return;
        }
        admission = decision;
        admissionStamp = decision.stamp();
        if (decision.admitted()) {
            admitted(r);
            return;
        }
        route = r;
        if (journalPos >= 0 || journalRequest()) {
            failWithRetryAfter(decision.status(), decision.code(), decision.message(), null, Outcome.REJECTED,
                    decision.retryAfterSeconds() > 0 ? Long.toString(decision.retryAfterSeconds()) : null);
        }
    }

    /** Admitted (or ungoverned) to {@code r}: pick a deployment, journal the request, start the first attempt. */
    void admitted(Route r) {
        route = r;
        long now = clock.nanoTime();
        Deployment d = r.pick(now, 0L);
        if (d == null) {
            noDeployment(now);
            return;
        }
        if (!journalRequest()) {
            r.onNeutral(d);
            return;
        }
        phase = Phase.UPSTREAM;
        attempts = new Attempts(this, info, body, out, res, config, r);
        attempts.start(d);
        // The agent's own declaration, else its alias's; a shadow copy is never copied again.
        Shadow shadow = info.shadow != null ? null : info.agentShadow != null ? info.agentShadow
                : config.shadow(r.name());
        if (shadow != null && phase != Phase.DONE && body != null && Shadows.draw(shadow)) {
            // After the request's own attempt started: the copy never comes before it.
            gateway.shadows().send(res, gateway.load(), config.server().limits().maxInFlight(), info, body.bytes(),
                    body.facts(), shadow);
        }
    }

    /** This request is a shadow copy of another, sent by {@code t}'s declaration: its principal is the primary's. */
    void shadow(Shadows.Ticket t) {
        info.key = t.key();
        info.project = t.project();
        info.useCase = Shadow.USE_CASE;
        info.shadow = t.shadow();
        info.shadowOf = t.primaryId();
        info.agent = t.agent();
        info.agentVersion = t.agentVersion();
        info.agentLabel = t.agentLabel();
    }

    /** Every deployment of the route is disabled, ejected or cooling down: 503 with the time to wait. */
    void noDeployment(long nowNs) {
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
        long waitNs = Math.max(0, route.nextAvailableNs(nowNs) - nowNs);
        long retryAfterS = Math.max(1, (waitNs + 999_999_999L) / 1_000_000_000L);
        if (journalPos < 0 && !journalRequest()) {
            return;
        }
        failWithRetryAfter(503, "no_available_deployment", "Every deployment of the model '" + route.name()
                + "' is failing or rate limited right now; retry in " + retryAfterS + " s.", null,
                Outcome.NO_DEPLOYMENT, Long.toString(retryAfterS));
    }

    AdmissionDecision admission() {
        return admission;
    }

    GatewayMetrics metrics() {
        return gateway.metrics();
    }

    /** Whether the REQUEST record is durable; when it is not yet, {@code wake} runs once it is. */
    boolean durable(Runnable wake) {
        // whenDurable either answers "durable already" or takes the task: checking first and registering after
        // would lose the wake-up when the journal drains in between.
        return journalPos < 0 || res.journal.whenDurable(journalPos, wake);
    }

    // ---------------------------------------------------------------- client side events

    /** The response head went out: from now on a failure ends the response in-band. */
    private void onCommit() {
        phase = Phase.RELAYING;
        attempts.committed();
    }

    void clientWritabilityChanged(boolean writable) {
        if (attempts != null && phase != Phase.DONE) {
            attempts.clientWritabilityChanged(writable);
        }
    }

    void clientClosed() {
        if (phase == Phase.DONE) {
            return;
        }
        if (attempts != null) {
            attempts.clientClosed();
        }
        end(Outcome.CLIENT_CANCELLED, true);
    }

    // ---------------------------------------------------------------- local answers

    /** Refuses the request with an error in the caller's dialect; journals REQUEST and END first. */
    void reject(int status, String code, String message, Outcome outcome) {
        reject(status, code, message, null, outcome);
    }

    /** As {@link #reject(int, String, String, Outcome)}, naming the request member refused ({@code param}). */
    void reject(int status, String code, String message, String param, Outcome outcome) {
        if (phase == Phase.DONE || (journalPos < 0 && !journalRequest())) {
            return;
        }
        failWithRetryAfter(status, code, message, param, outcome, null);
    }

    /** This request took a slot of {@link LoadControl}; its end gives it back. */
    void holdsInFlightSlot() {
        inFlightSlot = true;
    }

    /** Refuses the request for overload: 503 {@code overloaded} with {@code Retry-After: 1}, in the caller's dialect. */
    void rejectOverloaded(String message) {
        if (phase == Phase.DONE || (journalPos < 0 && !journalRequest())) {
            return;
        }
        failWithRetryAfter(503, "overloaded", message, null, Outcome.REJECTED, "1");
    }

    /** Answers a gateway-generated error before any response head went out. */
    void fail(int status, String code, String message, Outcome outcome) {
        failWithRetryAfter(status, code, message, null, outcome, null);
    }

    /** As above, with a {@code Retry-After} value (or null). */
    void fail(int status, String code, String message, Outcome outcome, String retryAfter) {
        failWithRetryAfter(status, code, message, null, outcome, retryAfter);
    }

    private void failWithRetryAfter(int status, String code, String message, String param, Outcome outcome,
                                    String retryAfter) {
        boolean close = !info.keepAlive || outcome == Outcome.REJECTED_PROTOCOL || client.discarding();
        out.dropHead();
        out.status(status);
        ChannelHandlerContext ctx = out.ctx();
        // Sent once the REQUEST record is durable, after the settle: the limit states as they are now, not the
        // pooled decision's.
        AdmissionDecision limits = admission == null ? null : admission.snapshot();
        end(outcome, close, () -> {
            if (ctx.channel().isActive()) {
                ClientResponses.error(ctx, info.dialect, status, code, message, param, info.requestIdText, close,
                        retryAfter, limits);
            }
        });
    }

    /** Answers {@code GET /v1/models}: the routes this key may use, in the caller's dialect. */
    void listModels(String path) {
        if (!journalRequest()) {
            return;
        }
        byte[] doc = ModelsListing.render(config, info.key, info.dialect, path);
        if (doc == null) {
            fail(404, "model_not_found", "The model '" + ClientHandler.sanitize(path.substring("/v1/models/".length()))
                    + "' does not exist or you do not have access to it.", Outcome.REJECTED);
            return;
        }
        out.status(200);
        boolean close = !info.keepAlive;
        end(Outcome.OK, close, () -> ClientResponses.send(out.ctx(), ClientResponses.json(200, doc,
                info.requestIdText, close)));
    }

    // ---------------------------------------------------------------- journal and the end

    private boolean journalRequest() {
        RequestRecord record = info.toRecord(res.requestRecord);
        JournalPolicy policy = config.journal();
        ApiKey key = info.key;
        CaptureLevel level = policy.captureFor(key == null ? null : key.id(), key == null ? null : key.team(),
                route == null ? null : route.name(), info.agentCapture);
        capture = res.captures.capture(policy, level, info.requestId, info.startWallMicros, info.startNs);
        if (capture != null) {
            capture.captureRequest(record, body);
            out.capture(capture);
        }
        journalPos = res.journal.append(record);
        if (journalPos != JournalProducer.FULL) {
            return true;
        }
        // Fail closed: a request the journal cannot record is not served (what it was admitted is given back).
        journalPos = -1;
        gateway.metrics().journalFull();
        failWithRetryAfter(503, "audit_unavailable", "the gateway cannot record requests right now; retry shortly",
                null, Outcome.GATEWAY_ERROR, "1");
        return false;
    }

    /** Ends the request with {@code outcome} after the response went out (whole, broken, or abandoned). */
    void end(Outcome outcome, boolean closeClient) {
        end(outcome, closeClient, null);
    }

    /**
     * Writes the END record, settles the admission and releases what the exchange holds, then runs {@code send} (a
     * gateway-generated answer) once the REQUEST record is durable, and hands the connection back to the client.
     */
    private void end(Outcome outcome, boolean closeClient, Runnable send) {
        if (phase == Phase.DONE) {
            return;
        }
        phase = Phase.DONE;
        if (inFlightSlot) {
            inFlightSlot = false;
            gateway.load().leave();
        }
        long now = clock.nanoTime();
        Attempt a = attempts == null ? null : attempts.current();
        if (attempts != null) {
            attempts.stop();
        }
        if (a != null && outcome == Outcome.OK) {
            long ttft = a.firstTokenNs();
            a.reportSuccess(route, ttft == 0 ? 0 : ttft - a.startNs());
        } else if (a != null) {
            a.report(route, null, now);
        }
        if (capture != null) {
            capture.finish();
        }
        Billing.Bill bill = EndRecords.fill(res.endRecord, res.bill, info, config.version(), out.status(), outcome,
                attempts, route, body, now, clock.wallMicros());
        observe(outcome, a, bill, now);
        if (capture != null) {
            capture.fillEnd(res.endRecord);
        } else {
            res.endRecord.capture(Capture.OFF, 0, 0, false);
        }
        if (journalPos >= 0 && res.journal.append(res.endRecord) == JournalProducer.FULL) {
            gateway.metrics().journalFull();
        }
        if (capture != null) {
            // Detached first: nothing written to the client from now on reaches a capture another request reuses.
            out.capture(null);
            res.captures.giveBack(capture);
            capture = null;
        }
        if (admission != null && admission.ticket() != null) {
            // Every exit path settles: the slot is freed and the reservation replaced by what was really used.
            gateway.admission().settle(admission.ticket(), admissionStamp, Math.max(0, bill.tokensIn())
                    + Math.max(0, bill.tokensOut()), Math.max(0, bill.costMicros()));
            admission = null;
        }
        gateway.metrics().outcome(outcome);
        if (attempts != null) {
            attempts.dropResponse();
        }
        if (a != null) {
            a.releaseHeld();
            a.detach();
        }
        if (body != null) {
            body.release();
            body = null;
        }
        if (send == null) {
            client.exchangeDone(this, closeClient);
            return;
        }
        Runnable done = () -> {
            send.run();
            client.exchangeDone(this, closeClient);
        };
        if (durable(done)) {
            done.run();
        }
    }

    /** The request as telemetry: its span and its attempt's end (traces on), its metrics series (served ones). */
    private void observe(Outcome outcome, Attempt a, Billing.Bill bill, long now) {
        Deployment served = a == null ? null : a.deployment();
        Span requestSpan = span();
        if (requestSpan != null) {
            if (a != null) {
                a.endSpan(now, outcome);
            }
            long endWallNs = info.startWallMicros * 1000 + (now - info.startNs);
            Tracing.endRequest(requestSpan, info, RequestMetrics.operation(info.endpoint),
                    route == null ? null : route.name(), served, out.status(), outcome, bill.tokensIn(),
                    bill.tokensOut(), bill.costMicros(), a == null || a.usage() == null ? null
                            : a.usage().finishReason(), endWallNs);
            span = null;
        }
        if (served != null && route != null) {
            long firstToken = info.stream && a.firstTokenNs() != 0 ? a.firstTokenNs() - info.startNs : -1;
            gateway.metrics().requestMetrics().record(res.metricsKey.set(route.name(), served.name(),
                    served.provider().kind().configName(), served.upstreamModel(),
                    RequestMetrics.operation(info.endpoint), info.key == null ? null : info.key.team(), info.agent,
                    outcome == Outcome.OK ? null : outcome), now - info.startNs, firstToken, bill.tokensIn(),
                    bill.tokensOut(), bill.tokensCached(), bill.costMicros());
        }
    }
}
