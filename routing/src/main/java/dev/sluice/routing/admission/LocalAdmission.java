package dev.sluice.routing.admission;

import static java.util.Objects.requireNonNull;

import dev.sluice.codec.Clock;

import dev.sluice.routing.admission.internal.BudgetCounter;
import dev.sluice.routing.admission.internal.LocalTicket;
import dev.sluice.routing.admission.internal.ScopeCounters;
import dev.sluice.routing.admission.internal.SlidingWindow;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * {@link Admission} with the counters in this process: per scope (created on first use, keyed by
 * {@link Scope#counterKey()}) a sliding-window request and token count, an in-flight count and the budget of the
 * current calendar period. A request is reserved scope by scope, each reservation atomic on its own (compare-and-set
 * on the in-flight count and the budget, a monitor held for a few instructions on a window); when one refuses, the
 * ones already taken are rolled back, so a request is in all its counters or none. A budget is never taken past its
 * hard cap by a race: only a request that really costs more than it reserved overshoots. Tickets are pooled with
 * their decision and limit states, per thread (the thread that settles keeps the ticket; up to
 * {@value #POOLED_TICKETS} each): no lock, no spin, and an event loop admits and settles its own requests. Once the
 * counters exist and the pools hold as many tickets as requests are in flight, admitting and settling allocate
 * nothing (a refusal builds its answer). Thread-safe.
 */
public final class LocalAdmission implements Admission {
    private static final int OK = 0;
    private static final int REFUSED_REQUESTS = 1;
    private static final int REFUSED_TOKENS = 2;
    private static final int REFUSED_CONCURRENCY = 3;
    private static final int REFUSED_BUDGET = 4;
    /** Settled tickets each thread keeps for reuse; past that, a settled ticket is left to the collector. */
    static final int POOLED_TICKETS = 1024;
    /** Admits requests no scope governs; settling it does nothing. */
    private static final Ticket UNGOVERNED_TICKET = new Ticket() {
    };
    private static final AdmissionDecision UNGOVERNED = AdmissionDecision.admit(UNGOVERNED_TICKET, null, null);

    private final LongSupplier clockMs;
    private final ConcurrentHashMap<String, ScopeCounters> keys = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ScopeCounters> teams = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ScopeCounters> models = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ScopeCounters> projects = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ScopeCounters> others = new ConcurrentHashMap<>();
    private final Function<String, ScopeCounters> keyCounters = id -> new ScopeCounters("key:" + id);
    private final Function<String, ScopeCounters> teamCounters = id -> new ScopeCounters("team:" + id);
    private final Function<String, ScopeCounters> modelCounters = id -> new ScopeCounters("model:" + id);
    private final Function<String, ScopeCounters> projectCounters = id -> new ScopeCounters("project:" + id);
    private final Function<String, ScopeCounters> otherCounters = ScopeCounters::new;
    private final BudgetWatch watch;
    private final ThreadLocal<ArrayDeque<LocalTicket>> pools = ThreadLocal.withInitial(ArrayDeque::new);
    private volatile Map<String, Long> seeds = Map.of();
    private volatile long seedMs = -1;

    /** Counters on the system clock (used only to date seeded spend; admission uses the request's time). */
    public LocalAdmission() {
        this(Clock.SYSTEM::wallMs);
    }

    /** @param clockMs epoch milliseconds, for dating the spend given to {@link #seedSpend} */
    public LocalAdmission(LongSupplier clockMs) {
        this(clockMs, new BudgetWatch());
    }

    /**
     * @param clockMs epoch milliseconds, for dating the spend given to {@link #seedSpend}
     * @param watch where settled spend is reported (shared with the admission this one stands in for)
     */
    public LocalAdmission(LongSupplier clockMs, BudgetWatch watch) {
        this.clockMs = requireNonNull(clockMs, "clockMs");
        this.watch = requireNonNull(watch, "watch");
    }

    @Override
    public void admit(AdmissionRequest request, AdmissionCallback callback) {
        List<Scope> scopes = request.scopes();
        int n = scopes.size();
        if (n == 0) {
            callback.decided(UNGOVERNED);
            return;
        }
        long now = request.nowMs();
        LocalTicket t = pools.get().pollLast();
        if (t == null) {
            t = newTicket();
        }
        long stamp = t.issue(Math.max(0, request.tokens()), Math.max(0, request.costMicros()),
                SlidingWindow.slotOf(now));
        t.scopeCount = n;
        t.atMs = now;
        for (int i = 0; i < n; i++) {
            Scope s = scopes.get(i);
            ScopeCounters c = counters(s);
            t.counters(i, c);
            int refusal = reserve(c, s, request, t, i);
            if (refusal != OK) {
                release(t, i + 1, true, 0, 0);
                AdmissionDecision refused = refuse(refusal, s, c, request, t);
                recycle(t, stamp);
                callback.decided(refused);
                return;
            }
        }
        AdmissionDecision d = t.decision;
        d.reuse(stamp, requestState(scopes, now, t.requestState), tokenState(scopes, now, t.tokenState));
        callback.decided(d);
    }

    private static LocalTicket newTicket() {
        LocalTicket t = new LocalTicket();
        t.requestState = new RateLimitState(0, 0, 0);
        t.tokenState = new RateLimitState(0, 0, 0);
        t.decision = AdmissionDecision.admit(t, 0, null, null);
        return t;
    }

    /** Takes {@code t} back into the pool once its request at {@code stamp} is over (or refused). */
    private void recycle(LocalTicket t, long stamp) {
        if (t.markSettled(stamp)) {
            giveBack(t);
        }
    }

    private int reserve(ScopeCounters c, Scope s, AdmissionRequest r, LocalTicket t, int i) {
        Limits l = s.limits();
        long now = r.nowMs();
        if (l.concurrent() >= 0) {
            while (true) {
                long inFlight = c.inFlight.get();
                if (inFlight + 1 > l.concurrent()) {
                    return REFUSED_CONCURRENCY;
                }
                if (c.inFlight.compareAndSet(inFlight, inFlight + 1)) {
                    break;
                }
            }
            t.addFlag(i, LocalTicket.TOOK_CONCURRENCY);
        }
        if (l.requestsPerMinute() >= 0) {
            if (c.requests.tryAdd(now, 1, l.requestsPerMinute()) < 0) {
                return REFUSED_REQUESTS;
            }
            t.addFlag(i, LocalTicket.TOOK_REQUEST);
        }
        if (l.tokensPerMinute() >= 0) {
            if (c.tokens.tryAdd(now, t.tokens, l.tokensPerMinute()) < 0) {
                return REFUSED_TOKENS;
            }
            t.addFlag(i, LocalTicket.TOOK_TOKENS);
        }
        Budget b = s.budget();
        if (b != null) {
            BudgetCounter bc = budgetCounter(c, b, r);
            int tag;
            if (b.hardMicros() >= 0) {
                tag = bc.tryReserve(now, t.costMicros, b.hardMicros());
                if (tag < 0) {
                    return REFUSED_BUDGET;
                }
                t.addFlag(i, LocalTicket.TOOK_BUDGET);
            } else {
                tag = bc.tagAt(now);
            }
            t.addFlag(i, LocalTicket.TRACKS_SPEND);
            t.budget(i, tag, s);
        }
        return OK;
    }

    private BudgetCounter budgetCounter(ScopeCounters c, Budget b, AdmissionRequest r) {
        BudgetCounter bc = c.budgetOrNull();
        if (bc != null && bc.kind() == b.period() && bc.zone().equals(r.zone())) {
            return bc;
        }
        Long seed = seeds.get(c.name);
        return c.budget(b.period(), r.zone(), r.nowMs(), seed == null ? 0 : seed, seed == null ? -1 : seedMs);
    }

    @Override
    public void settle(Ticket ticket, long stamp, long realTokens, long realCostMicros) {
        if (!(ticket instanceof LocalTicket)) {
            return;
        }
        LocalTicket t = (LocalTicket) ticket;
        if (!t.markSettled(stamp)) {
            return;
        }
        release(t, t.scopeCount, false, Math.max(0, realTokens), Math.max(0, realCostMicros));
        // Only now: until its counters are released the ticket is this request's.
        giveBack(t);
    }

    private void giveBack(LocalTicket t) {
        ArrayDeque<LocalTicket> pool = pools.get();
        if (pool.size() < POOLED_TICKETS) {
            pool.addLast(t);
        }
    }

    /**
     * Gives back what the first {@code count} scopes took: everything on a rollback, and on a settle the concurrency
     * slots, the token estimate (for the real count) and the cost reservation (for the real cost).
     */
    private void release(LocalTicket t, int count, boolean rollback, long realTokens, long realCostMicros) {
        for (int i = 0; i < count; i++) {
            ScopeCounters c = t.counters(i);
            int flags = t.flags(i);
            if ((flags & LocalTicket.TOOK_CONCURRENCY) != 0) {
                c.inFlight.decrementAndGet();
            }
            if (rollback && (flags & LocalTicket.TOOK_REQUEST) != 0) {
                c.requests.add(t.windowSlot, -1);
            }
            if ((flags & LocalTicket.TOOK_TOKENS) != 0) {
                c.tokens.add(t.windowSlot, realTokens - t.tokens);
            }
            BudgetCounter bc = c.budgetOrNull();
            if (bc == null) {
                continue;
            }
            if ((flags & LocalTicket.TOOK_BUDGET) != 0) {
                bc.settleReservation(t.tag(i), t.costMicros, realCostMicros);
            }
            if (!rollback && (flags & LocalTicket.TRACKS_SPEND) != 0) {
                watch.spent(t.budgetScope(i), t.atMs, bc.zone(), bc.addSpent(t.tag(i), realCostMicros),
                        realCostMicros);
            }
        }
    }

    /**
     * The refusal of a request by scope {@code s}. Refused by a rate limit, Retry-After is the time until the request
     * fits in that scope's window, and the {@code x-ratelimit-*} state of that kind is that scope's (the limit the
     * caller hit), read from the same window at the same moment: its reset, the whole limit back, is never sooner
     * than Retry-After nor more than a minute away.
     */
    private AdmissionDecision refuse(int refusal, Scope s, ScopeCounters c, AdmissionRequest r, LocalTicket t) {
        long now = r.nowMs();
        RateLimitState requests = requestState(r.scopes(), now, new RateLimitState(0, 0, 0));
        RateLimitState tokens = tokenState(r.scopes(), now, new RateLimitState(0, 0, 0));
        switch (refusal) {
            case REFUSED_REQUESTS: {
                long limit = s.limits().requestsPerMinute();
                requests = new RateLimitState(limit, c.requests.remaining(now, limit), c.requests.resetMs(now));
                return Refusals.requests(s, seconds(c.requests.retryMs(now, 1, limit)), requests, tokens);
            }
            case REFUSED_TOKENS: {
                long limit = s.limits().tokensPerMinute();
                tokens = new RateLimitState(limit, c.tokens.remaining(now, limit), c.tokens.resetMs(now));
                return Refusals.tokens(s, t.tokens, seconds(c.tokens.retryMs(now, t.tokens, limit)), requests,
                        tokens);
            }
            case REFUSED_CONCURRENCY:
                return Refusals.concurrency(s, 1, requests, tokens);
            default:
                BudgetCounter bc = c.budgetOrNull();
                long untilMs = bc == null ? 1000 : bc.untilNextPeriodMs(now);
                return Refusals.budget(s, t.costMicros, seconds(untilMs), requests, tokens);
        }
    }

    /** A Retry-After in whole seconds, rounded up (never sooner than the time given) and at least 1. */
    private static long seconds(long millis) {
        return Math.max(1, (millis + 999) / 1000);
    }

    /**
     * The request limit state of the scope with the least remaining, written into {@code into}; {@code null} when no
     * scope has such a limit.
     */
    private RateLimitState requestState(List<Scope> scopes, long now, RateLimitState into) {
        long limit = -1;
        long remaining = Long.MAX_VALUE;
        long reset = 0;
        for (int i = 0; i < scopes.size(); i++) {
            Scope s = scopes.get(i);
            long l = s.limits().requestsPerMinute();
            if (l < 0) {
                continue;
            }
            ScopeCounters c = counters(s);
            long rem = c.requests.remaining(now, l);
            if (rem < remaining) {
                limit = l;
                remaining = rem;
                reset = c.requests.resetMs(now);
            }
        }
        if (limit < 0) {
            return null;
        }
        into.set(limit, remaining, reset);
        return into;
    }

    /**
     * The token limit state of the scope with the least remaining, written into {@code into}; {@code null} when no
     * scope has such a limit.
     */
    private RateLimitState tokenState(List<Scope> scopes, long now, RateLimitState into) {
        long limit = -1;
        long remaining = Long.MAX_VALUE;
        long reset = 0;
        for (int i = 0; i < scopes.size(); i++) {
            Scope s = scopes.get(i);
            long l = s.limits().tokensPerMinute();
            if (l < 0) {
                continue;
            }
            ScopeCounters c = counters(s);
            long rem = c.tokens.remaining(now, l);
            if (rem < remaining) {
                limit = l;
                remaining = rem;
                reset = c.tokens.resetMs(now);
            }
        }
        if (limit < 0) {
            return null;
        }
        into.set(limit, remaining, reset);
        return into;
    }

    private ScopeCounters counters(Scope s) {
        // One map per kind, keyed by id: no counterKey() string is built per request.
        ConcurrentHashMap<String, ScopeCounters> map;
        Function<String, ScopeCounters> create;
        String id = s.id();
        switch (s.kind()) {
            case "key":
                map = keys;
                create = keyCounters;
                break;
            case "team":
                map = teams;
                create = teamCounters;
                break;
            case "model":
                map = models;
                create = modelCounters;
                break;
            case "project":
                map = projects;
                create = projectCounters;
                break;
            default:
                map = others;
                create = otherCounters;
                id = s.counterKey();
                break;
        }
        ScopeCounters c = map.get(id);
        return c != null ? c : map.computeIfAbsent(id, create);
    }

    /**
     * {@inheritDoc} Counters in use by requests still in flight are dropped with the rest: call it before traffic.
     * A seeded spend applies to the period (of the scope's budget, in the request's zone) containing the moment of
     * this call.
     */
    @Override
    public void seedSpend(Map<String, Long> spentMicrosByBudgetKey) {
        synchronized (this) {
            seeds = Map.copyOf(spentMicrosByBudgetKey);
            seedMs = clockMs.getAsLong();
            keys.clear();
            teams.clear();
            models.clear();
            projects.clear();
            others.clear();
        }
    }

    @Override
    public BudgetWatch budgets() {
        return watch;
    }

    /** Returns how many times a budget passed its soft threshold (once per scope and period). */
    public long softAlerts() {
        return watch.softAlerts();
    }

    /** Returns the settled spend of a scope's budget in the period containing {@code nowMs} (0 when none). */
    public long spentMicros(Scope scope, long nowMs) {
        BudgetCounter bc = counters(scope).budgetOrNull();
        return bc == null ? 0 : bc.spentMicros(nowMs);
    }

    /** Returns the spend plus outstanding reservations of a scope's budget in the period containing nowMs. */
    public long committedMicros(Scope scope, long nowMs) {
        BudgetCounter bc = counters(scope).budgetOrNull();
        return bc == null ? 0 : bc.committedMicros(nowMs);
    }

    /** Returns the requests of a scope admitted and not yet settled (counted only under a concurrency limit). */
    public long inFlight(Scope scope) {
        return counters(scope).inFlight.get();
    }

    @Override
    public String health() {
        return "ok";
    }

    @Override
    public void close() {
    }
}
