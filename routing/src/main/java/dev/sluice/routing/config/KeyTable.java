package dev.sluice.routing.config;

import java.security.MessageDigest;
import java.util.List;

/**
 * Client keys by SHA-256 digest. Lookup hashes nothing itself and allocates nothing; the final comparison is
 * constant-time so a near-miss digest costs the same as a wrong one. Thread-safe (immutable once built).
 */
public final class KeyTable {
    private final ApiKey[] slots;
    private final int mask;
    private final List<ApiKey> keys;

    public KeyTable(List<ApiKey> keys) {
        this.keys = List.copyOf(keys);
        int capacity = Integer.highestOneBit(Math.max(4, keys.size() * 4) - 1) << 1;
        this.slots = new ApiKey[capacity];
        this.mask = capacity - 1;
        for (ApiKey k : keys) {
            int i = slot(k.digest());
            while (slots[i] != null) {
                if (MessageDigest.isEqual(slots[i].digest(), k.digest())) {
                    throw new IllegalArgumentException("keys " + slots[i].id() + " and " + k.id() + " have the same hash");
                }
                i = (i + 1) & mask;
            }
            slots[i] = k;
        }
    }

    /** Returns the key whose digest equals {@code digest}, or {@code null}. */
    public ApiKey lookup(byte[] digest) {
        for (int i = slot(digest); ; i = (i + 1) & mask) {
            ApiKey k = slots[i];
            if (k == null) {
                return null;
            }
            if (MessageDigest.isEqual(k.digest(), digest)) {
                return k;
            }
        }
    }

    public List<ApiKey> keys() {
        return keys;
    }

    private int slot(byte[] d) {
        // A SHA-256 digest is uniformly distributed: its first bytes are already a good hash.
        int h = (d[0] & 0xff) | (d[1] & 0xff) << 8 | (d[2] & 0xff) << 16 | (d[3] & 0xff) << 24;
        return h & mask;
    }
}
