package dev.sluice.journal;

import static dev.sluice.journal.internal.RecordLayout.HEADER_BYTES;
import static dev.sluice.journal.internal.RecordLayout.ORDER;
import static dev.sluice.journal.internal.RecordLayout.TYPE_END;
import static dev.sluice.journal.internal.RecordLayout.VERSION;

import java.util.Objects;

import dev.sluice.journal.internal.Utf8Field;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The end record: how a request finished, what it used and what it cost. A mutable flyweight like
 * {@link RequestRecord}: values are copied during {@link JournalProducer#append(EndRecord)}, so it may be
 * reused at once. Unknown numbers are -1: {@code ttftMicros} (no first token), token counts (no usage
 * reported), {@code costMicros} (no price configured; cost is in millionths of the currency unit).
 * <p>
 * Confined to one thread.
 */
public final class EndRecord extends EncodedRecord {
    /** The value of a number that is unknown or does not apply. */
    public static final long UNKNOWN = -1;

    private static final int FLAG_TRUNCATED = 1;
    private static final int FLAG_TOKENS_ESTIMATED = 2;
    // requestId, wallTimeMicros, status, outcome, flags, ttft, total, in, out, cached, cost
    private static final int FIXED_BYTES = 8 + 8 + 4 + 1 + 1 + 6 * 8;

    private long requestId;
    private long wallTimeMicros;
    private int status;
    private Outcome outcome = Outcome.OK;
    private final Utf8Field provider = new Utf8Field();
    private final Utf8Field deployment = new Utf8Field();
    private final Utf8Field servedModel = new Utf8Field();
    private long ttftMicros = UNKNOWN;
    private long totalMicros = UNKNOWN;
    private long tokensIn = UNKNOWN;
    private long tokensOut = UNKNOWN;
    private long tokensCached = UNKNOWN;
    private long costMicros = UNKNOWN;
    private boolean truncated;
    private boolean tokensEstimated;

    /** Resets every field: ids 0, status 0, outcome OK, strings absent, numbers -1, flags false. */
    public EndRecord reset() {
        requestId = 0;
        wallTimeMicros = 0;
        status = 0;
        outcome = Outcome.OK;
        provider.clear();
        deployment.clear();
        servedModel.clear();
        ttftMicros = UNKNOWN;
        totalMicros = UNKNOWN;
        tokensIn = UNKNOWN;
        tokensOut = UNKNOWN;
        tokensCached = UNKNOWN;
        costMicros = UNKNOWN;
        truncated = false;
        tokensEstimated = false;
        return this;
    }

    public EndRecord requestId(long requestId) {
        this.requestId = requestId;
        return this;
    }

    public EndRecord wallTimeMicros(long wallTimeMicros) {
        this.wallTimeMicros = wallTimeMicros;
        return this;
    }

    /** The HTTP status the client saw (0 when none was sent). */
    public EndRecord status(int status) {
        this.status = status;
        return this;
    }

    public EndRecord outcome(Outcome outcome) {
        this.outcome = Objects.requireNonNull(outcome, "outcome");
        return this;
    }

    public EndRecord provider(CharSequence provider) {
        this.provider.set(provider);
        return this;
    }

    public EndRecord deployment(CharSequence deployment) {
        this.deployment.set(deployment);
        return this;
    }

    public EndRecord servedModel(CharSequence servedModel) {
        this.servedModel.set(servedModel);
        return this;
    }

    /** Copies the served model name from UTF-8 bytes (no allocation). */
    public EndRecord servedModel(byte[] src, int offset, int length) {
        this.servedModel.set(src, offset, length);
        return this;
    }

    /** Copies the served model name from UTF-8 bytes (no allocation). */
    public EndRecord servedModel(DirectBuffer src, int offset, int length) {
        this.servedModel.set(src, offset, length);
        return this;
    }

    public EndRecord ttftMicros(long ttftMicros) {
        this.ttftMicros = ttftMicros;
        return this;
    }

    public EndRecord totalMicros(long totalMicros) {
        this.totalMicros = totalMicros;
        return this;
    }

    public EndRecord tokensIn(long tokensIn) {
        this.tokensIn = tokensIn;
        return this;
    }

    public EndRecord tokensOut(long tokensOut) {
        this.tokensOut = tokensOut;
        return this;
    }

    public EndRecord tokensCached(long tokensCached) {
        this.tokensCached = tokensCached;
        return this;
    }

    public EndRecord costMicros(long costMicros) {
        this.costMicros = costMicros;
        return this;
    }

    /** Whether the answer broke off after bytes reached the client. */
    public EndRecord truncated(boolean truncated) {
        this.truncated = truncated;
        return this;
    }

    /** Whether the token counts are the gateway's estimate rather than the provider's report. */
    public EndRecord tokensEstimated(boolean tokensEstimated) {
        this.tokensEstimated = tokensEstimated;
        return this;
    }

    public long requestId() {
        return requestId;
    }

    public long wallTimeMicros() {
        return wallTimeMicros;
    }

    public int status() {
        return status;
    }

    public Outcome outcome() {
        return outcome;
    }

    public String provider() {
        return provider.get();
    }

    public String deployment() {
        return deployment.get();
    }

    public String servedModel() {
        return servedModel.get();
    }

    public long ttftMicros() {
        return ttftMicros;
    }

    public long totalMicros() {
        return totalMicros;
    }

    public long tokensIn() {
        return tokensIn;
    }

    public long tokensOut() {
        return tokensOut;
    }

    public long tokensCached() {
        return tokensCached;
    }

    public long costMicros() {
        return costMicros;
    }

    public boolean truncated() {
        return truncated;
    }

    public boolean tokensEstimated() {
        return tokensEstimated;
    }

    @Override
    int encodedLength() {
        return HEADER_BYTES + FIXED_BYTES + provider.encodedLength() + deployment.encodedLength()
            + servedModel.encodedLength();
    }

    @Override
    int encode(MutableDirectBuffer dst, int index) {
        int pos = index;
        dst.putByte(pos++, VERSION);
        dst.putByte(pos++, TYPE_END);
        dst.putLong(pos, requestId, ORDER);
        pos += 8;
        dst.putLong(pos, wallTimeMicros, ORDER);
        pos += 8;
        dst.putInt(pos, status, ORDER);
        pos += 4;
        dst.putByte(pos++, outcome.id());
        dst.putByte(pos++, (byte) ((truncated ? FLAG_TRUNCATED : 0) | (tokensEstimated ? FLAG_TOKENS_ESTIMATED : 0)));
        pos = putLong(dst, pos, ttftMicros);
        pos = putLong(dst, pos, totalMicros);
        pos = putLong(dst, pos, tokensIn);
        pos = putLong(dst, pos, tokensOut);
        pos = putLong(dst, pos, tokensCached);
        pos = putLong(dst, pos, costMicros);
        pos += provider.encode(dst, pos);
        pos += deployment.encode(dst, pos);
        pos += servedModel.encode(dst, pos);
        return pos - index;
    }

    /** Decodes the body that follows the header at {@code index} (the header already checked). */
    EndRecord decodeBody(DirectBuffer src, int index) {
        int pos = index;
        requestId = src.getLong(pos, ORDER);
        pos += 8;
        wallTimeMicros = src.getLong(pos, ORDER);
        pos += 8;
        status = src.getInt(pos, ORDER);
        pos += 4;
        byte outcomeId = src.getByte(pos++);
        Outcome decoded = Outcome.fromId(outcomeId);
        if (decoded == null) {
            throw new IllegalStateException("outcome id: " + outcomeId + " (expected: a known Outcome id)");
        }
        outcome = decoded;
        int flags = src.getByte(pos++);
        truncated = (flags & FLAG_TRUNCATED) != 0;
        tokensEstimated = (flags & FLAG_TOKENS_ESTIMATED) != 0;
        ttftMicros = src.getLong(pos, ORDER);
        totalMicros = src.getLong(pos + 8, ORDER);
        tokensIn = src.getLong(pos + 16, ORDER);
        tokensOut = src.getLong(pos + 24, ORDER);
        tokensCached = src.getLong(pos + 32, ORDER);
        costMicros = src.getLong(pos + 40, ORDER);
        pos += 48;
        pos += provider.decode(src, pos);
        pos += deployment.decode(src, pos);
        servedModel.decode(src, pos);
        return this;
    }

    private static int putLong(MutableDirectBuffer dst, int pos, long value) {
        dst.putLong(pos, value, ORDER);
        return pos + 8;
    }

    @Override
    public String toString() {
        return "EndRecord{" + RequestIds.format(requestId) + ", status=" + status + ", outcome=" + outcome.wireName()
            + ", servedModel=" + servedModel.get() + ", totalMicros=" + totalMicros + '}';
    }
}
