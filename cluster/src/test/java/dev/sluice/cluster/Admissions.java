package dev.sluice.cluster;

import dev.sluice.routing.admission.Admission;
import dev.sluice.routing.admission.AdmissionDecision;
import dev.sluice.routing.admission.AdmissionRequest;
import dev.sluice.routing.admission.Budget;
import dev.sluice.routing.admission.BudgetPeriod;
import dev.sluice.routing.admission.Limits;
import dev.sluice.routing.admission.Scope;

import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Helpers shared by the cluster tests. */
final class Admissions {
    private Admissions() {
    }

    static AdmissionDecision decide(Admission admission, AdmissionRequest request) {
        CompletableFuture<AdmissionDecision> decision = new CompletableFuture<>();
        admission.admit(request, decision::complete);
        try {
            return decision.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("no decision within 30 s", e);
        }
    }

    static AdmissionRequest request(long tokens, long costMicros, Scope... scopes) {
        return new AdmissionRequest(List.of(scopes), tokens, costMicros, System.currentTimeMillis(), ZoneOffset.UTC);
    }

    static Scope key(String id, Limits limits) {
        return new Scope("key", id, limits, null);
    }

    static Scope keyWithBudget(String id, long hardMicros) {
        return new Scope("key", id, Limits.NONE, new Budget(BudgetPeriod.DAY, hardMicros, -1));
    }

    static Limits requestsPerMinute(long n) {
        return new Limits(n, -1, -1);
    }
}
