package dev.sluice.routing.admission;

import java.util.List;

/**
 * Keys created at run time (admin API, {@code sluice keys create}), kept as hashes: a file in the data directory
 * on one node, Redis when gateways share counters. The gateway merges them with the configuration's keys.
 * Thread-safe; calls may do I/O, so never call them on an event loop.
 */
public interface KeyStore extends AutoCloseable {
    /** Returns every stored key, revoked ones included (flagged). */
    List<StoredKey> load();

    /** Creates or replaces the key with {@code key.id()} (a rotation replaces the digest). Durable on return. */
    void put(StoredKey key);

    /** Calls {@code onChange} (on any thread) whenever another process changed the store. */
    void watch(Runnable onChange);

    @Override
    void close();
}
