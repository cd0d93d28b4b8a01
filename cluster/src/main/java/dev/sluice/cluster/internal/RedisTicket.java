package dev.sluice.cluster.internal;

import dev.sluice.routing.admission.Ticket;

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
    private final AtomicBoolean settled = new AtomicBoolean();

    public RedisTicket(String id, String ticketKey, long windowIndex, long reservedTokens, long reservedCostMicros,
                       String[] tokenWindowKeys, String[] slotKeys, String[] budgetKeys) {
        this.id = id;
        this.ticketKey = ticketKey;
        this.windowIndex = windowIndex;
        this.reservedTokens = reservedTokens;
        this.reservedCostMicros = reservedCostMicros;
        this.tokenWindowKeys = tokenWindowKeys;
        this.slotKeys = slotKeys;
        this.budgetKeys = budgetKeys;
    }

    /** Returns true the first time only: a ticket is settled once. */
    public boolean markSettled() {
        return settled.compareAndSet(false, true);
    }

    public String id() {
        return id;
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
