package dev.sluice.journal;

import static dev.sluice.journal.internal.RecordLayout.HEADER_BYTES;
import static dev.sluice.journal.internal.RecordLayout.ORDER;
import static dev.sluice.journal.internal.RecordLayout.TYPE_EVAL;
import static dev.sluice.journal.internal.RecordLayout.VERSION;
import static java.util.Objects.requireNonNull;

import dev.sluice.journal.internal.Utf8Field;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * One evaluation run, as the gateway accepted it after finding every sample among its own requests: which set
 * (name and the version, its file's hash), which target and, for an agent, the version that answered every sample,
 * how many samples passed, the gate asked for, who recorded it, and the request id of every sample, so that a
 * sample's request leads back to its run and a run to its requests. Written by {@link Journal#appendEval} from the
 * admin API's thread. Each string keeps at most 1 KiB of UTF-8.
 * <p>
 * Layout after the header: wall time (i64), passes (i32), minimum pass rate (f64, NaN: none), then actor, set, set
 * version, target, agent, agent version as {@link Utf8Field}s, then the number of samples (i32) and each one's
 * request id (i64).
 * <p>
 * Thread-safe (immutable).
 */
public final class EvalRecord {
    /** Samples one record holds at most. */
    public static final int MAX_SAMPLES = 20_000;
    private static final int STRINGS = 6;

    private final long wallTimeMicros;
    private final String actor;
    private final String set;
    private final String setVersion;
    private final String target;
    private final String agent;
    private final String agentVersion;
    private final int passes;
    private final double minPassRate;
    private final long[] requestIds;

    /**
     * @param actor        who recorded it (the admin API's principal)
     * @param agent        the agent the target names, or null (a model alias)
     * @param agentVersion the version that answered every sample, or null
     * @param passes       how many of the samples passed
     * @param minPassRate  the gate asked for, or NaN for none
     * @param requestIds   every sample's request id (one per sample)
     */
    public EvalRecord(long wallTimeMicros, String actor, String set, String setVersion, String target, String agent,
                      String agentVersion, int passes, double minPassRate, long[] requestIds) {
        if (passes < 0 || passes > requestIds.length || requestIds.length > MAX_SAMPLES) {
            throw new IllegalArgumentException("passes " + passes + " of " + requestIds.length + " samples (expected: "
                    + "0 <= passes <= samples <= " + MAX_SAMPLES + ")");
        }
        this.wallTimeMicros = wallTimeMicros;
        this.actor = requireNonNull(actor, "actor");
        this.set = requireNonNull(set, "set");
        this.setVersion = requireNonNull(setVersion, "setVersion");
        this.target = requireNonNull(target, "target");
        this.agent = agent;
        this.agentVersion = agentVersion;
        this.passes = passes;
        this.minPassRate = minPassRate;
        this.requestIds = requestIds.clone();
    }

    public long wallTimeMicros() {
        return wallTimeMicros;
    }

    public String actor() {
        return actor;
    }

    public String set() {
        return set;
    }

    public String setVersion() {
        return setVersion;
    }

    public String target() {
        return target;
    }

    /** The agent the target names, or null. */
    public String agent() {
        return agent;
    }

    /** The agent version that answered every sample, or null. */
    public String agentVersion() {
        return agentVersion;
    }

    /** How many samples the run had: one request id each. */
    public int samples() {
        return requestIds.length;
    }

    public int passes() {
        return passes;
    }

    /** The pass rate, 0 without samples. */
    public double passRate() {
        return requestIds.length == 0 ? 0 : (double) passes / requestIds.length;
    }

    /** The gate asked for, or NaN. */
    public double minPassRate() {
        return minPassRate;
    }

    /** A copy of the request ids of the samples. */
    public long[] requestIds() {
        return requestIds.clone();
    }

    /** Whether {@code requestId} is one of this run's samples. */
    public boolean holds(long requestId) {
        for (long id : requestIds) {
            if (id == requestId) {
                return true;
            }
        }
        return false;
    }

    /** The bytes this record takes encoded, at most. */
    public int maxEncodedBytes() {
        return HEADER_BYTES + 8 + 4 + 8 + STRINGS * (Utf8Field.PREFIX_BYTES + Utf8Field.MAX_BYTES) + 4
                + 8 * requestIds.length;
    }

    int encode(MutableDirectBuffer dst, int index) {
        Utf8Field field = new Utf8Field();
        dst.putByte(index, VERSION);
        dst.putByte(index + 1, TYPE_EVAL);
        int pos = index + HEADER_BYTES;
        dst.putLong(pos, wallTimeMicros, ORDER);
        pos += 8;
        dst.putInt(pos, passes, ORDER);
        dst.putDouble(pos + 4, minPassRate, ORDER);
        pos += 12;
        for (String s : new String[] {actor, set, setVersion, target, agent, agentVersion}) {
            field.set(s);
            pos += field.encode(dst, pos);
        }
        dst.putInt(pos, requestIds.length, ORDER);
        pos += 4;
        for (long id : requestIds) {
            dst.putLong(pos, id, ORDER);
            pos += 8;
        }
        return pos - index;
    }

    static EvalRecord decodeBody(DirectBuffer src, int index) {
        Utf8Field field = new Utf8Field();
        long wall = src.getLong(index, ORDER);
        int pos = index + 8;
        int passes = src.getInt(pos, ORDER);
        double min = src.getDouble(pos + 4, ORDER);
        pos += 12;
        String[] strings = new String[STRINGS];
        for (int i = 0; i < STRINGS; i++) {
            pos += field.decode(src, pos);
            strings[i] = field.get();
        }
        int n = src.getInt(pos, ORDER);
        pos += 4;
        if (n < 0 || n > MAX_SAMPLES || pos + 8L * n > src.capacity()) {
            throw new IllegalStateException("eval record: " + n + " request ids do not fit");
        }
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = src.getLong(pos, ORDER);
            pos += 8;
        }
        return new EvalRecord(wall, nonNull(strings[0]), nonNull(strings[1]), nonNull(strings[2]),
                nonNull(strings[3]), strings[4], strings[5], passes, min, ids);
    }

    private static String nonNull(String s) {
        return s == null ? "" : s;
    }

    @Override
    public String toString() {
        return "EvalRecord{set=" + set + "@" + setVersion + ", target=" + target + ", agent=" + agent + "@"
                + agentVersion + ", passes=" + passes + "/" + requestIds.length + ", actor=" + actor + '}';
    }
}
