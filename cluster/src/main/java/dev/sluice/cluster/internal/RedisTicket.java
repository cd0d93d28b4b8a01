package dev.sluice.cluster.internal;

import dev.sluice.routing.admission.Scope;
import dev.sluice.routing.admission.Ticket;

import java.time.ZoneId;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What a request admitted through Redis holds: its id, the window its tokens were counted in, and the Redis keys
 * a settle must touch (token windows, concurrency sets, budget hashes). Thread-safe (the settled flag is atomic).
 */
public final class RedisTicket implements Ticket {
    private final String id;
    private final String ticketKey;
    private final long windowIndex;
    private final long reservedTokens;
    private final long reservedCostMicros;
    private final String[] tokenWindowKeys;
    private final String[] slotKeys;
    private final String[] budgetKeys;
    private final Scope[] budgetScopes;
    private final long atMs;
    private final ZoneId zone;
    private final AtomicBoolean settled = new AtomicBoolean();

    /**
     * @param budgetScopes the scope of each budget key, in the same order
     * @param atMs when the request was admitted, in zone {@code zone}: its budget periods contain it
     */
    public RedisTicket(String id, String ticketKey, long windowIndex, long reservedTokens, long reservedCostMicros,
                       String[] tokenWindowKeys, String[] slotKeys, String[] budgetKeys, Scope[] budgetScopes,
                       long atMs, ZoneId zone) {
        this.id = id;
        this.ticketKey = ticketKey;
        this.windowIndex = windowIndex;
        this.reservedTokens = reservedTokens;
        this.reservedCostMicros = reservedCostMicros;
        this.tokenWindowKeys = tokenWindowKeys;
        this.slotKeys = slotKeys;
        this.budgetKeys = budgetKeys;
        this.budgetScopes = budgetScopes;
        this.atMs = atMs;
        this.zone = zone;
    }

    /** Returns true the first time only: a ticket is settled once. */
    public boolean markSettled() {
        return settled.compareAndSet(false, true);
    }

    public String id() {
        return id;
    }

    /** The scopes of the budgets the settle script reports the spend of, in its order. */
    public Scope[] budgetScopes() {
        return budgetScopes;
    }

    public long atMs() {
        return atMs;
    }

    public ZoneId zone() {
        return zone;
    }

    /** Returns the settle script's keys: the ticket key, then token windows, slot sets and budget hashes. */
    public String[] settleKeys() {
        String[] keys = new String[1 + tokenWindowKeys.length + slotKeys.length + budgetKeys.length];
        keys[0] = ticketKey;
        System.arraycopy(tokenWindowKeys, 0, keys, 1, tokenWindowKeys.length);
        System.arraycopy(slotKeys, 0, keys, 1 + tokenWindowKeys.length, slotKeys.length);
        System.arraycopy(budgetKeys, 0, keys, 1 + tokenWindowKeys.length + slotKeys.length, budgetKeys.length);
        return keys;
    }

    /** Returns the settle script's arguments for the real usage. */
    public String[] settleArgs(long realTokens, long realCostMicros) {
        return new String[] {
            id,
            Long.toString(windowIndex),
            Long.toString(realTokens - reservedTokens),
            Long.toString(reservedCostMicros),
            Long.toString(realCostMicros),
            Integer.toString(tokenWindowKeys.length),
            Integer.toString(slotKeys.length),
            Integer.toString(budgetKeys.length),
        };
    }

    @Override
    public String toString() {
        return "RedisTicket[" + id + ']';
    }
}
