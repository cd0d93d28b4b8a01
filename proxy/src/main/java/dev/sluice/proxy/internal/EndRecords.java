package dev.sluice.proxy.internal;

import dev.sluice.journal.EndRecord;
import dev.sluice.journal.Outcome;
import dev.sluice.routing.config.Deployment;
import dev.sluice.routing.config.Route;
import dev.sluice.routing.policy.Billing;

/**
 * Fills a request's END record: status and outcome, durations, the deployment that served it with every attempt,
 * and the tokens and cost that routing's {@link Billing} computes from the provider's usage (or an estimate).
 * <p>
 * Thread-safe (stateless); the record and the bill are the caller's (its event loop's scratch).
 */
final class EndRecords {
    private EndRecords() {
    }

    /**
     * Fills {@code e} (reset first) and {@code bill} for a request that ends now with {@code outcome}.
     *
     * @param configVersion the version of the configuration the request started with
     * @param attempts the request's attempts, {@code null} when it was never admitted to one
     * @param route the request's route, {@code null} when it named none
     * @param body the request body, for an input estimate; may be {@code null}
     */
    static Billing.Bill fill(EndRecord e, Billing.Bill bill, RequestInfo info, String configVersion, int status,
                             Outcome outcome, Attempts attempts, Route route, RequestBody body, long nowNs,
                             long wallMicros) {
        e.reset();
        e.configVersion(configVersion);
        Attempt a = attempts == null ? null : attempts.current();
        long ttftNs = a == null ? 0 : a.firstTokenNs();
        e.requestId(info.requestId).wallTimeMicros(wallMicros).status(status).outcome(outcome)
                .totalMicros((nowNs - info.startNs) / 1000)
                .ttftMicros(ttftNs == 0 ? -1 : (ttftNs - info.startNs) / 1000);
        Deployment d = a == null ? null : a.deployment();
        if (d != null) {
            e.provider(d.provider().name()).deployment(d.name()).servedModel(d.upstreamModel());
            attempts.logTo(e);
            e.addAttempt(d.name(), a.finalOutcome(outcome), a.status(), (nowNs - a.startNs()) / 1000, a.uncertain());
        } else if (route != null) {
            e.provider(route.primary().provider().name()).deployment(route.primary().name());
        }
        boolean truncated = a != null && a.wasTruncated();
        e.truncated(truncated);
        Billing.bill(bill, a == null ? null : a.usage(), info.endpoint, a != null && a.dispatched(),
                a == null ? 0 : a.status(), truncated || outcome == Outcome.CLIENT_CANCELLED,
                a == null ? -1 : a.contentEvents(), body == null ? null : body.bytes(), d != null,
                d == null ? null : d.price());
        e.tokensIn(bill.tokensIn()).tokensOut(bill.tokensOut()).tokensCached(bill.tokensCached())
                .tokensEstimated(bill.estimated()).costMicros(bill.costMicros());
        return bill;
    }
}
