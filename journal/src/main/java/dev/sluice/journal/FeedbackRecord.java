package dev.sluice.journal;

import static dev.sluice.journal.internal.RecordLayout.HEADER_BYTES;
import static dev.sluice.journal.internal.RecordLayout.ORDER;
import static dev.sluice.journal.internal.RecordLayout.TYPE_FEEDBACK;
import static dev.sluice.journal.internal.RecordLayout.VERSION;
import static java.util.Objects.requireNonNull;

import dev.sluice.journal.internal.Utf8Field;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Feedback on one answer ({@code POST /v1/feedback}): which request it rates, the metric and its value (a boolean,
 * kept as 1 or 0, or a number), an optional comment, who sent it (key and team), and what the rated request was
 * (its key and team, the agent and agent version that made its prompt, the model that answered), copied from the
 * request's own records when the gateway accepted the feedback, so a roll-up per agent version and model reads
 * these records alone. Written by {@link Journal#appendFeedback} off the event loops. Each string keeps at most
 * 1 KiB of UTF-8.
 * <p>
 * Layout after the header: wall time (i64), rated request id (i64), value (f64), flags (u8: 1 for a boolean), then
 * metric, comment, sender key, sender team, request key, request team, agent, agent version, model as
 * {@link Utf8Field}s.
 * <p>
 * Thread-safe (immutable).
 */
public final class FeedbackRecord {
    private static final int STRINGS = 9;
    private static final byte FLAG_BOOLEAN = 1;

    private final long wallTimeMicros;
    private final long requestId;
    private final double value;
    private final boolean booleanValue;
    private final String metric;
    private final String comment;
    private final String senderKey;
    private final String senderTeam;
    private final String requestKey;
    private final String requestTeam;
    private final String agent;
    private final String agentVersion;
    private final String model;

    /**
     * @param requestId    the rated request
     * @param value        the value; 1 or 0 for a boolean
     * @param booleanValue whether the sender gave a boolean
     * @param comment      the sender's comment, or null
     * @param senderTeam   the sender's team, or null
     * @param requestKey   the key of the rated request
     * @param requestTeam  the team of the rated request, or null
     * @param agent        the agent of the rated request, or null
     * @param agentVersion that agent's version, or null
     * @param model        the model that answered (the served model, else the requested one), or null
     */
    public FeedbackRecord(long wallTimeMicros, long requestId, String metric, double value, boolean booleanValue,
                          String comment, String senderKey, String senderTeam, String requestKey,
                          String requestTeam, String agent, String agentVersion, String model) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("value: " + value + " (expected: a finite number)");
        }
        this.wallTimeMicros = wallTimeMicros;
        this.requestId = requestId;
        this.metric = requireNonNull(metric, "metric");
        this.value = value;
        this.booleanValue = booleanValue;
        this.comment = comment;
        this.senderKey = requireNonNull(senderKey, "senderKey");
        this.senderTeam = senderTeam;
        this.requestKey = requireNonNull(requestKey, "requestKey");
        this.requestTeam = requestTeam;
        this.agent = agent;
        this.agentVersion = agentVersion;
        this.model = model;
    }

    public long wallTimeMicros() {
        return wallTimeMicros;
    }

    /** The rated request's id. */
    public long requestId() {
        return requestId;
    }

    public String metric() {
        return metric;
    }

    /** The value: 1 or 0 for a boolean. */
    public double value() {
        return value;
    }

    /** Whether the sender gave a boolean (true or false) rather than a number. */
    public boolean isBoolean() {
        return booleanValue;
    }

    /** The sender's comment, or null. */
    public String comment() {
        return comment;
    }

    /** The key id that sent the feedback. */
    public String senderKey() {
        return senderKey;
    }

    /** The sender's team, or null. */
    public String senderTeam() {
        return senderTeam;
    }

    /** The key id that made the rated request. */
    public String requestKey() {
        return requestKey;
    }

    /** The rated request's team, or null. */
    public String requestTeam() {
        return requestTeam;
    }

    /** The rated request's agent, or null. */
    public String agent() {
        return agent;
    }

    /** The rated request's agent version, or null. */
    public String agentVersion() {
        return agentVersion;
    }

    /** The model that answered the rated request, or null. */
    public String model() {
        return model;
    }

    /** The bytes this record takes encoded, at most. */
    public static int maxEncodedBytes() {
        return HEADER_BYTES + 8 + 8 + 8 + 1 + STRINGS * (Utf8Field.PREFIX_BYTES + Utf8Field.MAX_BYTES);
    }

    int encode(MutableDirectBuffer dst, int index) {
        Utf8Field field = new Utf8Field();
        dst.putByte(index, VERSION);
        dst.putByte(index + 1, TYPE_FEEDBACK);
        int pos = index + HEADER_BYTES;
        dst.putLong(pos, wallTimeMicros, ORDER);
        dst.putLong(pos + 8, requestId, ORDER);
        dst.putDouble(pos + 16, value, ORDER);
        dst.putByte(pos + 24, booleanValue ? FLAG_BOOLEAN : 0);
        pos += 25;
        for (String s : new String[] {metric, comment, senderKey, senderTeam, requestKey, requestTeam, agent,
            agentVersion, model}) {
            field.set(s);
            pos += field.encode(dst, pos);
        }
        return pos - index;
    }

    static FeedbackRecord decodeBody(DirectBuffer src, int index) {
        Utf8Field field = new Utf8Field();
        long wall = src.getLong(index, ORDER);
        long id = src.getLong(index + 8, ORDER);
        double value = src.getDouble(index + 16, ORDER);
        boolean bool = (src.getByte(index + 24) & FLAG_BOOLEAN) != 0;
        int pos = index + 25;
        String[] s = new String[STRINGS];
        for (int i = 0; i < STRINGS; i++) {
            pos += field.decode(src, pos);
            s[i] = field.get();
        }
        return new FeedbackRecord(wall, id, nonNull(s[0]), value, bool, s[1], nonNull(s[2]), s[3], nonNull(s[4]),
                s[5], s[6], s[7], s[8]);
    }

    private static String nonNull(String s) {
        return s == null ? "" : s;
    }

    @Override
    public String toString() {
        return "FeedbackRecord{request=" + RequestIds.format(requestId) + ", metric=" + metric + ", value=" + value
                + (booleanValue ? " (boolean)" : "") + ", sender=" + senderKey + ", agent=" + agent + "@"
                + agentVersion + ", model=" + model + '}';
    }
}
