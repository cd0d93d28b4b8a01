package dev.sluice.proxy.internal;

import dev.sluice.routing.config.ClientLimits;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * The client connections of one event loop that wait on their client: for a request ({@link #IDLE}), for the rest
 * of a request head ({@link #HEAD}), for the rest of a body ({@link #BODY}), or for the client to take what was
 * written to it ({@link #SEND}). Each wait is a list in the order the waits began, and every connection of a list
 * has the same timeout, so one {@link #tick} per loop finds every expired wait at the heads of four lists: no timer
 * per connection or per request, nothing allocated (the links are fields of the {@link ClientHandler}).
 * <p>
 * The lists also answer the connection cap: the connection that has waited longest for a request is the one a new
 * connection displaces, and while memory is short the ones {@link #shed} closes. Confined to the event loop.
 */
final class ClientTimeouts {
    private static final Logger LOG = LoggerFactory.getLogger(ClientTimeouts.class);
    /** Not waiting on the client: the gateway is working on its request (or the connection is closing). */
    static final int NONE = -1;
    static final int IDLE = 0;
    static final int HEAD = 1;
    static final int BODY = 2;
    static final int SEND = 3;
    private static final int WAITS = 4;

    private final ClientHandler[] heads = new ClientHandler[WAITS];
    private final ClientHandler[] tails = new ClientHandler[WAITS];
    private final int[] sizes = new int[WAITS];

    /** Moves {@code h} to the end of the {@code wait} list (or out of every list, for {@link #NONE}). */
    void await(ClientHandler h, int wait, long nowNs) {
        unlink(h);
        if (wait == NONE) {
            return;
        }
        h.waitState = wait;
        h.waitSinceNs = nowNs;
        ClientHandler tail = tails[wait];
        h.waitPrev = tail;
        h.waitNext = null;
        if (tail == null) {
            heads[wait] = h;
        } else {
            tail.waitNext = h;
        }
        tails[wait] = h;
        sizes[wait]++;
    }

    void unlink(ClientHandler h) {
        int wait = h.waitState;
        if (wait == NONE) {
            return;
        }
        ClientHandler prev = h.waitPrev;
        ClientHandler next = h.waitNext;
        if (prev == null) {
            heads[wait] = next;
        } else {
            prev.waitNext = next;
        }
        if (next == null) {
            tails[wait] = prev;
        } else {
            next.waitPrev = prev;
        }
        h.waitPrev = null;
        h.waitNext = null;
        h.waitState = NONE;
        sizes[wait]--;
    }

    /** Ends every wait that has lasted its timeout; call periodically on the loop. */
    void tick(long nowNs, ClientLimits limits) {
        expire(IDLE, limits.idleTimeoutMs(), nowNs);
        expire(HEAD, limits.headerTimeoutMs(), nowNs);
        expire(BODY, limits.bodyTimeoutMs(), nowNs);
        expire(SEND, limits.sendTimeoutMs(), nowNs);
    }

    private void expire(int wait, long timeoutMs, long nowNs) {
        long timeoutNs = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        ClientHandler h;
        // A handler whose wait expired leaves the list before it acts; if it waits again, it is at the tail.
        while ((h = heads[wait]) != null && nowNs - h.waitSinceNs >= timeoutNs) {
            unlink(h);
            try {
                h.waitExpired(wait, timeoutMs);
            } catch (Throwable t) {
                // One connection's failure must not end the tick: the loop's timer would not run again.
                LOG.warn("closing a client connection whose timeout could not be handled", t);
                h.closeNow();
            }
        }
    }

    /**
     * The connection that has waited longest for a request, idle after an answer or still without its whole head,
     * other than {@code except}; {@code null} when there is none. A keep-alive client that was just answered is
     * younger than connections that have sent nothing for longer, so it is not the one displaced.
     */
    ClientHandler longestWaitingForRequest(ClientHandler except) {
        ClientHandler idle = first(IDLE, except);
        ClientHandler head = first(HEAD, except);
        if (idle == null || head == null) {
            return idle != null ? idle : head;
        }
        return head.waitSinceNs - idle.waitSinceNs <= 0 ? head : idle;
    }

    private ClientHandler first(int wait, ClientHandler except) {
        ClientHandler h = heads[wait];
        return h != null && h == except ? h.waitNext : h;
    }

    /**
     * Closes up to {@code max} of the connections that have waited longest for a request (while memory is short:
     * each holds buffers and state, and sends nothing to be served); returns how many it closed.
     */
    int shed(int max) {
        int n = 0;
        ClientHandler h;
        while (n < max && (h = longestWaitingForRequest(null)) != null) {
            h.closeNow();
            n++;
        }
        return n;
    }

    /** How many connections wait in {@code wait} (for metrics and tests). */
    int waiting(int wait) {
        return sizes[wait];
    }
}
