package dev.sluice.cluster.internal;

import dev.sluice.cluster.ClusterSettings;
import dev.sluice.routing.admission.AdmissionDecision;
import dev.sluice.routing.admission.AdmissionRequest;
import dev.sluice.routing.admission.Budget;
import dev.sluice.routing.admission.BudgetPeriods;
import dev.sluice.routing.admission.Limits;
import dev.sluice.routing.admission.RateLimitState;
import dev.sluice.routing.admission.Refusals;
import dev.sluice.routing.admission.Scope;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One run of the admission script: its keys and arguments built from a request, and the decision built from its
 * reply. Confined to the thread that uses it (built on the caller's thread, read on Lettuce's).
 */
public final class AdmitCall {
    private static final String[] NO_KEYS = new String[0];

    private final AdmissionRequest request;
    private final String ticketId;
    private final String ticketKey;
    private final String[] keys;
    private final String[] args;
    private final long[] periodEndMs;

    private AdmitCall(AdmissionRequest request, String ticketId, String ticketKey, String[] keys, String[] args,
                      long[] periodEndMs) {
        this.request = request;
        this.ticketId = ticketId;
        this.ticketKey = ticketKey;
        this.keys = keys;
        this.args = args;
        this.periodEndMs = periodEndMs;
    }

    /**
     * Prepares the script call.
     *
     * @param seededSpend spent micros by {@link Scope#counterKey()} to start a budget period from when Redis has no
     *                    counter for it yet, applied only to the period that contains {@code seededAtMs}
     */
    public static AdmitCall prepare(RedisKeys names, AdmissionRequest request, String ticketId,
                                    Map<String, Long> seededSpend, long seededAtMs) {
        List<Scope> scopes = request.scopes();
        int n = scopes.size();
        String[] keys = new String[2 + 3 * n];
        String[] args = new String[9 + 6 * n];
        long[] periodEnds = new long[n];
        String ticketKey = names.ticket(ticketId);
        keys[0] = names.revoked();
        keys[1] = ticketKey;
        boolean checkRevoked = n > 0 && "key".equals(scopes.get(0).kind());
        args[0] = checkRevoked ? scopes.get(0).id() : "";
        args[1] = Long.toString(request.tokens());
        args[2] = Long.toString(request.costMicros());
        args[3] = ticketId;
        args[4] = Long.toString(ClusterSettings.SLOT_TTL_MS);
        args[5] = Long.toString(ClusterSettings.WINDOW_MS);
        args[6] = Long.toString(ClusterSettings.WINDOW_TTL_MS);
        args[7] = Long.toString(ClusterSettings.TICKET_TTL_MS);
        args[8] = Integer.toString(n);
        for (int i = 0; i < n; i++) {
            Scope scope = scopes.get(i);
            String counterKey = scope.counterKey();
            Limits limits = scope.limits();
            Budget budget = scope.budget();
            keys[2 + 3 * i] = names.window(counterKey);
            keys[3 + 3 * i] = names.slots(counterKey);
            int a = 9 + 6 * i;
            args[a] = Long.toString(limits.requestsPerMinute());
            args[a + 1] = Long.toString(limits.tokensPerMinute());
            args[a + 2] = Long.toString(limits.concurrent());
            if (budget == null) {
                keys[4 + 3 * i] = names.noBudget(counterKey);
                args[a + 3] = "-1";
                args[a + 4] = "0";
                args[a + 5] = "-1";
            } else {
                long start = BudgetPeriods.startMs(budget.period(), request.nowMs(), request.zone());
                long end = BudgetPeriods.endMs(budget.period(), request.nowMs(), request.zone());
                periodEnds[i] = end;
                keys[4 + 3 * i] = names.budget(counterKey, budget.period(), start);
                Long seed = seededSpend.get(counterKey);
                boolean seedApplies = seed != null && seededAtMs >= start && seededAtMs < end;
                args[a + 3] = Long.toString(budget.hardMicros());
                args[a + 4] = Long.toString(end + ClusterSettings.BUDGET_GRACE_MS);
                args[a + 5] = seedApplies ? Long.toString(seed) : "-1";
            }
        }
        return new AdmitCall(request, ticketId, ticketKey, keys, args, periodEnds);
    }

    public String[] keys() {
        return keys;
    }

    public String[] args() {
        return args;
    }

    /** Builds the decision from the script's reply (see admit.lua for its layout). */
    public AdmissionDecision decide(List<Object> reply) {
        int outcome = (int) number(reply, 0);
        int scopeIndex = (int) number(reply, 1) - 1;
        long retryMs = number(reply, 2);
        long windowIndex = number(reply, 3);
        RateLimitState requests = state(reply, 4);
        RateLimitState tokens = state(reply, 7);
        if (outcome == 0) {
            return AdmissionDecision.admit(ticket(windowIndex), requests, tokens);
        }
        Scope scope = scopeIndex >= 0 ? request.scopes().get(scopeIndex) : null;
        return switch (outcome) {
            case 1 -> Refusals.requests(scope, seconds(retryMs), requests, tokens);
            case 2 -> Refusals.tokens(scope, request.tokens(), seconds(retryMs), requests, tokens);
            case 3 -> Refusals.concurrency(scope, seconds(retryMs), requests, tokens);
            case 4 -> Refusals.budget(scope, request.costMicros(),
                    seconds(periodEndMs[scopeIndex] - request.nowMs()), requests, tokens);
            // A key revoked through another gateway: the same 401 as any bad credential (RELIABILITY.md E1).
            case 5 -> Refusals.invalidKey();
            default -> throw new IllegalStateException("admission script outcome: " + outcome + " (expected: 0..5)");
        };
    }

    /** Returns the ticket of this call, its tokens counted in window {@code windowIndex}. */
    public RedisTicket ticket(long windowIndex) {
        List<String> tokenWindows = new ArrayList<>();
        List<String> slots = new ArrayList<>();
        List<String> budgets = new ArrayList<>();
        List<Scope> budgetScopes = new ArrayList<>();
        List<Scope> scopes = request.scopes();
        for (int i = 0; i < scopes.size(); i++) {
            Scope scope = scopes.get(i);
            if (scope.limits().tokensPerMinute() >= 0) {
                tokenWindows.add(keys[2 + 3 * i]);
            }
            if (scope.limits().concurrent() >= 0) {
                slots.add(keys[3 + 3 * i]);
            }
            if (scope.budget() != null) {
                budgets.add(keys[4 + 3 * i]);
                budgetScopes.add(scope);
            }
        }
        return new RedisTicket(ticketId, ticketKey, windowIndex, request.tokens(), request.costMicros(),
                tokenWindows.toArray(NO_KEYS), slots.toArray(NO_KEYS), budgets.toArray(NO_KEYS),
                budgetScopes.toArray(new Scope[0]), request.nowMs(), request.zone());
    }

    private static RateLimitState state(List<Object> reply, int at) {
        long limit = number(reply, at);
        return limit < 0 ? null : new RateLimitState(limit, number(reply, at + 1), number(reply, at + 2));
    }

    private static long seconds(long millis) {
        return Math.max(1, (millis + 999) / 1000);
    }

    private static long number(List<Object> reply, int at) {
        Object value = reply.get(at);
        if (value instanceof Number number) {
            return number.longValue();
        }
        throw new IllegalStateException("admission script reply[" + at + "]: " + value + " (expected: integer)");
    }
}
