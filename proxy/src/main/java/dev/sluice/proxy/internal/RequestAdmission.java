package dev.sluice.proxy.internal;

import dev.sluice.codec.RequestFacts;
import dev.sluice.codec.RequestScanner;
import dev.sluice.codec.TokenEstimator;
import dev.sluice.journal.Outcome;
import dev.sluice.routing.admission.Scope;
import dev.sluice.routing.config.GatewayConfig;
import dev.sluice.routing.config.Route;
import dev.sluice.routing.policy.AdmissionRequests;

import io.netty.buffer.ByteBuf;

import java.util.List;

/**
 * The step from a whole request body to an admission decision: scans the body (once: the facts stay with the
 * request), finds the route of the model it names, checks the key may use it, and asks the gateway's admission
 * (local counters, or shared through Redis) for the scopes and the reservation that routing's
 * {@link AdmissionRequests} computes. The answer reaches the exchange on its own event loop.
 * <p>
 * Thread-safe (stateless); {@link #admit} runs on the exchange's event loop.
 */
final class RequestAdmission {
    private RequestAdmission() {
    }

    /**
     * Routes and admits the request of {@code ex}: ends in {@link Exchange#reject}, {@link Exchange#admitted} or,
     * later, {@link Exchange#onAdmission}. Fills {@code info} with what the body says.
     */
    static void admit(Exchange ex, RequestInfo info, RequestBody body, GatewayConfig config,
                      GatewayContext gateway, LoopResources res) {
        int rc = body.scan(res.scanner, gateway.metrics());
        if (rc != RequestScanner.OK) {
            String param = res.scanner.errorParam();
            ex.reject(400, rc == RequestScanner.STEERING_MEMBER ? "unsupported_parameter"
                    : param == null ? "invalid_request" : "invalid_value", invalidBody(rc, param), param,
                    Outcome.REJECTED);
            return;
        }
        RequestFacts f = body.facts();
        if (f.modelStart < 0) {
            ex.reject(400, "missing_model", "the request body has no \"model\"", Outcome.REJECTED);
            return;
        }
        ByteBuf b = body.bytes();
        if (info.shadow != null) {
            admitShadow(ex, info, body, config, gateway, res);
            return;
        }
        boolean agent = AgentRequests.namesAgent(b, f);
        if (agent) {
            // The agent's rendered request replaces the body; access to the agent is access to its model through it.
            if (!AgentRequests.rewrite(ex, info, body, config, gateway, res)) {
                return;
            }
            b = body.bytes();
            f = body.facts();
        }
        Route r = f.modelHasEscape ? config.routes().lookup(f.model(b))
                : config.routes().lookup(b, f.modelStart, f.modelEnd);
        if (!agent) {
            info.requestedModel = ClientHandler.sanitize(f.model(b));
        }
        if (r == null || !agent && !info.key.allows(r)) {
            // The same answer whether the model is unknown or not allowed: a key learns nothing of other routes.
            ex.reject(r == null ? 404 : 403, r == null ? "model_not_found" : "model_not_allowed", r == null
                    ? "The model '" + info.requestedModel + "' does not exist or you do not have access to it."
                    : "This key may not use the model '" + info.requestedModel + "'.", Outcome.REJECTED);
            return;
        }
        info.stream = f.hasStream && f.stream;
        info.includeUsage = f.includeUsage == 1;
        List<Scope> scopes = AdmissionRequests.scopes(config, info.key, info.project, r,
                gateway.admissionForEveryRequest());
        if (info.agentScope != null) {
            scopes = AdmissionRequests.with(scopes, info.agentScope);
        }
        if (scopes.isEmpty()) {
            ex.admitted(r);
            return;
        }
        if (AdmissionRequests.unpricedUnderBudget(scopes, r)) {
            ex.reject(403, "model_unpriced", AdmissionRequests.unpricedMessage(r), Outcome.REJECTED);
            return;
        }
        long inTokens = TokenEstimator.estimateTokens(b, b.readerIndex(), b.writerIndex());
        ask(ex, r, scopes, inTokens, f.maxTokens, config, gateway, res);
    }

    /**
     * A shadow copy ({@link Shadows}): its body names the declaration's target, which it may use whatever the
     * primary's key may; it is admitted against the declaration's scope only (its hard budget caps the shadow).
     */
    private static void admitShadow(Exchange ex, RequestInfo info, RequestBody body, GatewayConfig config,
                                    GatewayContext gateway, LoopResources res) {
        ByteBuf b = body.bytes();
        RequestFacts f = body.facts();
        Route r = config.routes().lookup(info.shadow.target());
        info.requestedModel = info.shadow.target();
        info.stream = f.hasStream && f.stream;
        info.includeUsage = f.includeUsage == 1;
        if (r == null || !r.name().equals(ClientHandler.sanitize(f.model(b)))) {
            ex.reject(404, "model_not_found", "The shadow target '" + info.shadow.target() + "' is no longer a "
                    + "model alias.", Outcome.REJECTED);
            return;
        }
        List<Scope> scopes = List.of(info.shadow.scope());
        if (AdmissionRequests.unpricedUnderBudget(scopes, r)) {
            ex.reject(403, "model_unpriced", AdmissionRequests.unpricedMessage(r), Outcome.REJECTED);
            return;
        }
        long inTokens = TokenEstimator.estimateTokens(b, b.readerIndex(), b.writerIndex());
        ask(ex, r, scopes, inTokens, f.maxTokens, config, gateway, res);
    }

    /** Asks the gateway's admission for {@code scopes}; the decision reaches {@code ex} on its event loop. */
    private static void ask(Exchange ex, Route r, List<Scope> scopes, long inTokens, long maxTokens,
                            GatewayConfig config, GatewayContext gateway, LoopResources res) {
        gateway.admission().admit(AdmissionRequests.request(config, scopes, r, inTokens, maxTokens,
                res.clock.wallMs()), decision -> {
                    if (res.loop.inEventLoop()) {
                        ex.onAdmission(r, decision);
                    } else {
                        res.loop.execute(() -> ex.onAdmission(r, decision));
                    }
                });
    }

    /** What is wrong with a body the scanner refused, naming the member when one is at fault. */
    static String invalidBody(int rc, String param) {
        switch (rc) {
            case RequestScanner.MODEL_NOT_STRING:
                return "Invalid type for 'model': expected a string.";
            case RequestScanner.STREAM_NOT_BOOLEAN:
                return "Invalid type for 'stream': expected true or false.";
            case RequestScanner.STREAM_OPTIONS_INVALID:
                return "stream_options.include_usage".equals(param)
                        ? "Invalid type for 'stream_options.include_usage': expected true or false."
                        : "Invalid type for 'stream_options': expected an object.";
            case RequestScanner.MAX_TOKENS_INVALID:
                return "Invalid '" + param + "': expected a whole number from 0 to " + RequestScanner.MAX_TOKENS_LIMIT
                        + ".";
            case RequestScanner.DUPLICATE_KEY:
                return "'" + param + "' appears twice in the request body.";
            case RequestScanner.INVALID_UNICODE:
                return "The request body is not valid UTF-8, or has an unpaired surrogate escape.";
            case RequestScanner.OUT_OF_RANGE:
                return "n".equals(param) ? "Invalid 'n': expected a whole number from 1 to " + RequestScanner.MAX_N + "."
                        : "tools".equals(param) ? "Too many 'tools': at most " + RequestScanner.MAX_TOOLS + "."
                        : "Too many '" + param + "' entries: at most " + RequestScanner.MAX_LOGIT_BIAS + ".";
            case RequestScanner.STEERING_MEMBER:
                return "'" + param + "' is not accepted: the gateway decides where a request goes and with which"
                        + " credentials.";
            default:
                return "request body is not valid JSON: " + RequestScanner.codeName(rc);
        }
    }
}
