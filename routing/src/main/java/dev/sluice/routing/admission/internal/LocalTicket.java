package dev.sluice.routing.admission.internal;

import dev.sluice.routing.admission.Scope;
import dev.sluice.routing.admission.Ticket;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * What a locally admitted request holds: per scope its counters, what was taken ({@code TOOK_*} flags) and the
 * budget period it was charged to. Four scopes live in fields (key, team, model, project: no arrays per request);
 * more chain another ticket. Settled at most once. Thread-safe for {@link #markSettled}; the slots are written by
 * the admitting thread before the ticket is published.
 */
public final class LocalTicket implements Ticket {
    public static final int TOOK_CONCURRENCY = 1;
    public static final int TOOK_REQUEST = 2;
    public static final int TOOK_TOKENS = 4;
    public static final int TOOK_BUDGET = 8;
    public static final int TRACKS_SPEND = 16;
    private static final int SLOTS = 4;
    private static final AtomicIntegerFieldUpdater<LocalTicket> SETTLED =
            AtomicIntegerFieldUpdater.newUpdater(LocalTicket.class, "settled");

    public final long tokens;
    public final long costMicros;
    /** The {@link SlidingWindow} slot the request and its tokens were counted in. */
    public final long windowSlot;
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
    private volatile int settled;

    public LocalTicket(long tokens, long costMicros, long windowSlot) {
        this.tokens = tokens;
        this.costMicros = costMicros;
        this.windowSlot = windowSlot;
    }

    /** Returns true for the first caller only. */
    public boolean markSettled() {
        return SETTLED.compareAndSet(this, 0, 1);
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
            next = new LocalTicket(tokens, costMicros, windowSlot);
        }
        return next;
    }
}
