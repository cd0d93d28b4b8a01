package dev.sluice.proxy.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The web console's signed-in sessions: a random 256-bit id (the HttpOnly cookie), the principal the token proved,
 * and a CSRF token of its own that every changing request must echo in a header. Sessions live in this process
 * only (a restart signs everyone out) and end after {@link #IDLE_MS} without use or {@link #MAX_MS} in all; at most
 * {@link #MAX_SESSIONS} at once (the oldest goes). Thread-safe.
 */
final class ConsoleSessions {
    static final String COOKIE = "sluice_console";
    static final String CSRF_HEADER = "x-csrf-token";
    static final long IDLE_MS = 30 * 60_000L;
    static final long MAX_MS = 12 * 3_600_000L;
    static final int MAX_SESSIONS = 1_000;

    private final SecureRandom random = new SecureRandom();
    private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();

    /** One session: who, its CSRF token, when it began and was last used. */
    static final class Session {
        final AdminPrincipal who;
        final String csrf;
        final long startMs;
        volatile long lastMs;

        Session(AdminPrincipal who, String csrf, long startMs) {
            this.who = who;
            this.csrf = csrf;
            this.startMs = startMs;
            this.lastMs = startMs;
        }

        /** Whether {@code token} is this session's CSRF token (compared in constant time). */
        boolean csrfMatches(String token) {
            return token != null && MessageDigest.isEqual(csrf.getBytes(StandardCharsets.US_ASCII),
                    token.getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** Opens a session for {@code who}; returns its id (the cookie's value). */
    String open(AdminPrincipal who, long nowMs) {
        if (sessions.size() >= MAX_SESSIONS) {
            evictOldest();
        }
        String id = token();
        sessions.put(id, new Session(who, token(), nowMs));
        return id;
    }

    /** The live session {@code id}, its use noted, or {@code null}. */
    Session find(String id, long nowMs) {
        if (id == null) {
            return null;
        }
        Session s = sessions.get(id);
        if (s == null) {
            return null;
        }
        if (nowMs - s.lastMs > IDLE_MS || nowMs - s.startMs > MAX_MS) {
            sessions.remove(id, s);
            return null;
        }
        s.lastMs = nowMs;
        return s;
    }

    void close(String id) {
        if (id != null) {
            sessions.remove(id);
        }
    }

    private void evictOldest() {
        String oldest = null;
        long oldestMs = Long.MAX_VALUE;
        for (Iterator<Map.Entry<String, Session>> it = sessions.entrySet().iterator(); it.hasNext();) {
            Map.Entry<String, Session> e = it.next();
            if (e.getValue().lastMs < oldestMs) {
                oldestMs = e.getValue().lastMs;
                oldest = e.getKey();
            }
        }
        if (oldest != null) {
            sessions.remove(oldest);
        }
    }

    private String token() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
