package dev.sluice.routing.config;

import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * SHA-256 of presented client keys into a reused array. Confined to one thread (one per event loop).
 */
public final class KeyDigester {
    /** Length of a SHA-256 digest. */
    public static final int DIGEST_BYTES = 32;

    private final MessageDigest sha256 = newSha256();
    private final byte[] out = new byte[DIGEST_BYTES];
    /** The key's bytes, gathered for one update of the digest (byte-at-a-time updates cost a call chain each). */
    private byte[] in = new byte[128];

    /**
     * Digests the ASCII key in {@code chars[start, end)} and returns the digest in a reused array that stays valid
     * until the next call on this digester.
     */
    public byte[] digest(CharSequence chars, int start, int end) {
        int n = end - start;
        if (in.length < n) {
            in = new byte[Math.max(n, in.length * 2)];
        }
        for (int i = 0; i < n; i++) {
            in[i] = (byte) chars.charAt(start + i);
        }
        sha256.update(in, 0, n);
        // The copy of the key does not outlive the call.
        Arrays.fill(in, 0, n, (byte) 0);
        try {
            sha256.digest(out, 0, DIGEST_BYTES);
        } catch (DigestException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    /** Returns the lower-case hex SHA-256 of a secret, the form keys take in {@code conf/sluice.yaml}. */
    public static String sha256Hex(String secret) {
        byte[] d = newSha256().digest(secret.getBytes(StandardCharsets.UTF_8));
        StringBuilder b = new StringBuilder(64);
        for (byte x : d) {
            b.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
        }
        return b.toString();
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
