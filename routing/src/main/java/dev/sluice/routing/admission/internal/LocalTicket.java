package dev.sluice.routing.admission.internal;

import dev.sluice.routing.admission.AdmissionDecision;
import dev.sluice.routing.admission.RateLimitState;
import dev.sluice.routing.admission.Scope;
import dev.sluice.routing.admission.Ticket;

import java.util.concurrent.atomic.AtomicLongFieldUpdater;

/**
 * What a locally admitted request holds: per scope its counters, what was taken ({@code TOOK_*} flags) and the
 * budget period it was charged to. Four scopes live in fields (key, team, model, project: no arrays per request);
 * more chain another ticket. Pooled: {@link #issue} hands it to a request at the next stamp, and a settle at that
 * stamp ({@link #markSettled}) is the only one that counts, so a stale or second settle cannot touch the request
 * that holds it next. Thread-safe for {@link #markSettled}; the slots are written by the admitting thread before
 * the ticket is published, and read by the settling one after it won {@link #markSettled}.
 */
public final class LocalTicket implements Ticket {
    public static final int TOOK_CONCURRENCY = 1;
    public static final int TOOK_REQUEST = 2;
    public static final int TOOK_TOKENS = 4;
    public static final int TOOK_BUDGET = 8;
    public static final int TRACKS_SPEND = 16;
    private static final int SLOTS = 4;
    private static final AtomicLongFieldUpdater<LocalTicket> STAMP =
            AtomicLongFieldUpdater.newUpdater(LocalTicket.class, "stamp");

    public long tokens;
    public long costMicros;
    /** The {@link SlidingWindow} slot the request and its tokens were counted in. */
    public long windowSlot;
    /** How many scopes the request was admitted over (slots in use). */
    public int scopeCount;
    /** When the request was admitted (epoch milliseconds): the budget periods it was charged to contain it. */
    public long atMs;
    private ScopeCounters c0;
    private ScopeCounters c1;
    private ScopeCounters c2;
    private ScopeCounters c3;
    private int flags0;
    private int flags1;
    private int flags2;
    private int flags3;
    private int tag0;
    private int tag1;
    private int tag2;
    private int tag3;
    private Scope budget0;
    private Scope budget1;
    private Scope budget2;
    private Scope budget3;
    private LocalTicket next;
    /** Even while held by a request (the stamp it was issued at), odd once settled or back in the pool. */
    private volatile long stamp = 1;
    /** What the request holding this ticket is told, and its limit states: made with the ticket, reused with it. */
    public AdmissionDecision decision;
    public RateLimitState requestState;
    public RateLimitState tokenState;

    /**
     * Hands this (settled or new) ticket to a request reserving {@code tokens} and {@code costMicros} in window slot
     * {@code windowSlot}, with every scope slot cleared; returns the stamp it is issued at.
     */
    public long issue(long tokens, long costMicros, long windowSlot) {
        this.tokens = tokens;
        this.costMicros = costMicros;
        this.windowSlot = windowSlot;
        scopeCount = 0;
        atMs = 0;
        clear();
        long s = stamp + 1;
        stamp = s;
        return s;
    }

    private void clear() {
        c0 = c1 = c2 = c3 = null;
        flags0 = flags1 = flags2 = flags3 = 0;
        tag0 = tag1 = tag2 = tag3 = 0;
        budget0 = budget1 = budget2 = budget3 = null;
        if (next != null) {
            next.clear();
        }
    }

    /** Returns true for the first caller with the stamp the ticket was issued at, false for every other. */
    public boolean markSettled(long issuedAt) {
        return (issuedAt & 1) == 0 && STAMP.compareAndSet(this, issuedAt, issuedAt + 1);
    }

    public void counters(int i, ScopeCounters c) {
        if (i >= SLOTS) {
            chained().counters(i - SLOTS, c);
            return;
        }
        switch (i) {
            case 0: c0 = c; break;
            case 1: c1 = c; break;
            case 2: c2 = c; break;
            default: c3 = c; break;
        }
    }

    public ScopeCounters counters(int i) {
        if (i >= SLOTS) {
            return next == null ? null : next.counters(i - SLOTS);
        }
        switch (i) {
            case 0: return c0;
            case 1: return c1;
            case 2: return c2;
            default: return c3;
        }
    }

    public void addFlag(int i, int flag) {
        if (i >= SLOTS) {
            chained().addFlag(i - SLOTS, flag);
            return;
        }
        switch (i) {
            case 0: flags0 |= flag; break;
            case 1: flags1 |= flag; break;
            case 2: flags2 |= flag; break;
            default: flags3 |= flag; break;
        }
    }

    public int flags(int i) {
        if (i >= SLOTS) {
            return next == null ? 0 : next.flags(i - SLOTS);
        }
        switch (i) {
            case 0: return flags0;
            case 1: return flags1;
            case 2: return flags2;
            default: return flags3;
        }
    }

    /** Records the budget period tag of scope {@code i}, the scope with the budget it was charged to. */
    public void budget(int i, int tag, Scope scope) {
        if (i >= SLOTS) {
            chained().budget(i - SLOTS, tag, scope);
            return;
        }
        switch (i) {
            case 0: tag0 = tag; budget0 = scope; break;
            case 1: tag1 = tag; budget1 = scope; break;
            case 2: tag2 = tag; budget2 = scope; break;
            default: tag3 = tag; budget3 = scope; break;
        }
    }

    public int tag(int i) {
        if (i >= SLOTS) {
            return next.tag(i - SLOTS);
        }
        switch (i) {
            case 0: return tag0;
            case 1: return tag1;
            case 2: return tag2;
            default: return tag3;
        }
    }

    /** The scope whose budget scope {@code i} charged, {@code null} when it has none. */
    public Scope budgetScope(int i) {
        if (i >= SLOTS) {
            return next.budgetScope(i - SLOTS);
        }
        switch (i) {
            case 0: return budget0;
            case 1: return budget1;
            case 2: return budget2;
            default: return budget3;
        }
    }

    private LocalTicket chained() {
        if (next == null) {
            next = new LocalTicket();
        }
        return next;
    }
}
