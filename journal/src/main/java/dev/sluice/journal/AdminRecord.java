package dev.sluice.journal;

import static dev.sluice.journal.internal.RecordLayout.HEADER_BYTES;
import static dev.sluice.journal.internal.RecordLayout.ORDER;
import static dev.sluice.journal.internal.RecordLayout.TYPE_ADMIN;
import static dev.sluice.journal.internal.RecordLayout.VERSION;
import static java.util.Objects.requireNonNull;

import dev.sluice.journal.internal.Utf8Field;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * An administrative action and how it ended: a key created, revoked, rotated, disabled or enabled, a team or
 * configuration change, or an admin call that was refused. Written by {@link Journal#appendAdmin} from the admin
 * API's thread. The detail is short free text for people and must never hold a secret (a key's secret, a
 * provider credential): only ids and names. Each string keeps at most 1 KiB of UTF-8.
 * <p>
 * Layout after the header: wall time (i64), outcome id (u8), then actor, action, target, detail as
 * {@link Utf8Field}s.
 * <p>
 * Thread-safe (immutable).
 */
public final class AdminRecord {
    private final long wallTimeMicros;
    private final String actor;
    private final String action;
    private final String target;
    private final AdminOutcome outcome;
    private final String detail;

    /**
     * @param wallTimeMicros when it happened, epoch microseconds
     * @param actor          who did it, e.g. {@code "admin"} or {@code "team:research"}
     * @param action         what, e.g. {@code "key.create"}, {@code "key.revoke"}, {@code "auth.denied"}
     * @param target         what it was done to, e.g. a key id or a team; null or empty when none (read back as
     *                       empty)
     * @param outcome        how it ended
     * @param detail         short text for people, never a secret; null or empty when none (read back as empty)
     */
    public AdminRecord(long wallTimeMicros, String actor, String action, String target, AdminOutcome outcome,
                       String detail) {
        this.wallTimeMicros = wallTimeMicros;
        this.actor = requireNonNull(actor, "actor");
        this.action = requireNonNull(action, "action");
        this.target = target == null ? "" : target;
        this.outcome = requireNonNull(outcome, "outcome");
        this.detail = detail == null ? "" : detail;
    }

    public long wallTimeMicros() {
        return wallTimeMicros;
    }

    public String actor() {
        return actor;
    }

    public String action() {
        return action;
    }

    public String target() {
        return target;
    }

    public AdminOutcome outcome() {
        return outcome;
    }

    public String detail() {
        return detail;
    }

    int encode(MutableDirectBuffer dst, int index) {
        Utf8Field field = new Utf8Field();
        dst.putByte(index, VERSION);
        dst.putByte(index + 1, TYPE_ADMIN);
        int pos = index + HEADER_BYTES;
        dst.putLong(pos, wallTimeMicros, ORDER);
        pos += 8;
        dst.putByte(pos++, outcome.id());
        for (String s : new String[] {actor, action, target, detail}) {
            field.set(s);
            pos += field.encode(dst, pos);
        }
        return pos - index;
    }

    static AdminRecord decodeBody(DirectBuffer src, int index) {
        Utf8Field field = new Utf8Field();
        long wall = src.getLong(index, ORDER);
        int pos = index + 8;
        byte outcomeId = src.getByte(pos++);
        AdminOutcome outcome = AdminOutcome.fromId(outcomeId);
        if (outcome == null) {
            throw new IllegalStateException("admin outcome id: " + outcomeId + " (expected: a known AdminOutcome id)");
        }
        String[] strings = new String[4];
        for (int i = 0; i < strings.length; i++) {
            pos += field.decode(src, pos);
            String s = field.get();
            strings[i] = s == null ? "" : s;
        }
        return new AdminRecord(wall, strings[0], strings[1], strings[2], outcome, strings[3]);
    }

    @Override
    public String toString() {
        return "AdminRecord{wallTimeMicros=" + wallTimeMicros + ", actor=" + actor + ", action=" + action
            + ", target=" + target + ", outcome=" + outcome.wireName() + ", detail=" + detail + '}';
    }
}
