package dev.sluice.journal;

import static dev.sluice.journal.internal.RecordLayout.HEADER_BYTES;
import static dev.sluice.journal.internal.RecordLayout.ORDER;
import static dev.sluice.journal.internal.RecordLayout.TYPE_END;
import static dev.sluice.journal.internal.RecordLayout.VERSION;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
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
 * The record lists every upstream attempt of the request in order ({@link #addAttempt}): the first
 * {@value #MAX_LISTED_ATTEMPTS} are kept with their deployment, outcome, status, duration and billing doubt;
 * later ones are only counted ({@link #attemptCount()}). Adding an attempt copies its values into preallocated
 * arrays and allocates nothing. Records of schema version 1 have no attempts and decode with none.
 * <p>
 * Since schema version 3 the record names the version of the configuration the request started with
 * ({@link #configVersion()}): the snapshot whose routes, prices and provider addresses served it, whatever reloads
 * happened while it ran. Older records decode with none ({@code null}).
 * <p>
 * Confined to one thread.
 */
public final class EndRecord extends EncodedRecord {
    /** The value of a number that is unknown or does not apply. */
    public static final long UNKNOWN = -1;

    /** Attempts listed in a record; attempts beyond are counted but not listed. */
    public static final int MAX_LISTED_ATTEMPTS = 16;
    /** The most UTF-8 bytes kept of an attempt's deployment name. */
    public static final int MAX_ATTEMPT_DEPLOYMENT_BYTES = 256;

    private static final int FLAG_TRUNCATED = 1;
    static final int FLAG_TOKENS_ESTIMATED = 2;
    private static final int ATTEMPT_FLAG_UNCERTAIN_BILLED = 1;
    // requestId, wallTimeMicros, status, outcome, flags, ttft, total, in, out, cached, cost
    private static final int FIXED_BYTES = 8 + 8 + 4 + 1 + 1 + 6 * 8;
    // Offsets from the record start (every schema version), for readers that scan raw bytes (SpendScanner).
    static final int REQUEST_ID_OFFSET = HEADER_BYTES;
    static final int OUTCOME_OFFSET = HEADER_BYTES + 8 + 8 + 4;
    static final int FLAGS_OFFSET = OUTCOME_OFFSET + 1;
    static final int TOKENS_IN_OFFSET = FLAGS_OFFSET + 1 + 2 * 8;
    static final int TOKENS_OUT_OFFSET = TOKENS_IN_OFFSET + 8;
    static final int TOKENS_CACHED_OFFSET = TOKENS_OUT_OFFSET + 8;
    static final int COST_OFFSET = TOKENS_CACHED_OFFSET + 8;
    // Version 2 tail: attempt count (i32), listed attempts (u8), then per listed attempt the fixed part below
    // followed by the deployment as a Utf8Field.
    private static final int ATTEMPTS_HEADER_BYTES = 4 + 1;
    // outcome (u8), flags (u8), status (i32), durationMicros (i64)
    private static final int ATTEMPT_FIXED_BYTES = 1 + 1 + 4 + 8;

    private long requestId;
    private long wallTimeMicros;
    private int status;
    private Outcome outcome = Outcome.OK;
    private final Utf8Field provider = new Utf8Field();
    private final Utf8Field deployment = new Utf8Field();
    private final Utf8Field servedModel = new Utf8Field();
    private final Utf8Field configVersion = new Utf8Field();
    private long ttftMicros = UNKNOWN;
    private long totalMicros = UNKNOWN;
    private long tokensIn = UNKNOWN;
    private long tokensOut = UNKNOWN;
    private long tokensCached = UNKNOWN;
    private long costMicros = UNKNOWN;
    private boolean truncated;
    private boolean tokensEstimated;
    private int attemptCount;
    private final Utf8Field[] attemptDeployments = new Utf8Field[MAX_LISTED_ATTEMPTS];
    private final AttemptOutcome[] attemptOutcomes = new AttemptOutcome[MAX_LISTED_ATTEMPTS];
    private final int[] attemptStatuses = new int[MAX_LISTED_ATTEMPTS];
    private final long[] attemptDurationsMicros = new long[MAX_LISTED_ATTEMPTS];
    private final boolean[] attemptUncertainBilled = new boolean[MAX_LISTED_ATTEMPTS];

    /** An empty record (see {@link #reset()}); allocates everything appending will need. */
    public EndRecord() {
        for (int i = 0; i < MAX_LISTED_ATTEMPTS; i++) {
            attemptDeployments[i] = new Utf8Field(MAX_ATTEMPT_DEPLOYMENT_BYTES);
        }
    }

    /** Redaction types an end record lists at most. */
    public static final int MAX_REDACTION_TYPES = 32;
    private static final int FLAG_CAPTURE_CUT = 1;

    private Capture capture = Capture.METADATA;
    private int capturedRequestBytes;
    private long capturedResponseBytes;
    private boolean captureCut;
    private final String[] redactionLabels = new String[MAX_REDACTION_TYPES];
    private final int[] redactionCounts = new int[MAX_REDACTION_TYPES];
    private int redactionTypes;

    /** Resets every field: ids 0, status 0, outcome OK, strings absent, numbers -1, flags false, no attempts. */
    public EndRecord reset() {
        requestId = 0;
        wallTimeMicros = 0;
        status = 0;
        outcome = Outcome.OK;
        provider.clear();
        deployment.clear();
        servedModel.clear();
        configVersion.clear();
        ttftMicros = UNKNOWN;
        totalMicros = UNKNOWN;
        tokensIn = UNKNOWN;
        tokensOut = UNKNOWN;
        tokensCached = UNKNOWN;
        costMicros = UNKNOWN;
        truncated = false;
        tokensEstimated = false;
        capture = Capture.METADATA;
        capturedRequestBytes = 0;
        capturedResponseBytes = 0;
        captureCut = false;
        redactionTypes = 0;
        clearAttempts();
        return this;
    }

    /**
     * Adds the next upstream attempt. The deployment is copied now (truncated to
     * {@value #MAX_ATTEMPT_DEPLOYMENT_BYTES} UTF-8 bytes), so the caller may reuse the sequence at once. Past
     * {@value #MAX_LISTED_ATTEMPTS} attempts the values are dropped and only {@link #attemptCount()} grows.
     * Allocates nothing.
     *
     * @param deployment      the deployment tried, e.g. {@code "mock/mock-gpt"}; null when none was named
     * @param outcome         how the attempt ended
     * @param status          the upstream HTTP status, 0 when none was received
     * @param durationMicros  how long the attempt took, -1 when unknown
     * @param uncertainBilled whether the upstream may have billed it (request sent, no usable answer)
     */
    public EndRecord addAttempt(CharSequence deployment, AttemptOutcome outcome, int status, long durationMicros,
                                boolean uncertainBilled) {
        Objects.requireNonNull(outcome, "outcome");
        int i = attemptCount;
        if (i < MAX_LISTED_ATTEMPTS) {
            attemptDeployments[i].copy(deployment);
            attemptOutcomes[i] = outcome;
            attemptStatuses[i] = status;
            attemptDurationsMicros[i] = durationMicros;
            attemptUncertainBilled[i] = uncertainBilled;
        }
        if (i < Integer.MAX_VALUE) {
            attemptCount = i + 1;
        }
        return this;
    }

    /** Removes every attempt. */
    public EndRecord clearAttempts() {
        for (int i = 0, n = listedAttempts(); i < n; i++) {
            attemptDeployments[i].clear();
            attemptOutcomes[i] = null;
        }
        attemptCount = 0;
        return this;
    }

    /** Attempts added or decoded, including those past {@value #MAX_LISTED_ATTEMPTS} that are not listed. */
    public int attemptCount() {
        return attemptCount;
    }

    /** The listed attempts in order (at most {@value #MAX_LISTED_ATTEMPTS}); a new list, allocates. */
    public List<Attempt> attempts() {
        int n = listedAttempts();
        if (n == 0) {
            return Collections.emptyList();
        }
        List<Attempt> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new Attempt(attemptDeployments[i].get(), attemptOutcomes[i], attemptStatuses[i],
                attemptDurationsMicros[i], attemptUncertainBilled[i]));
        }
        return Collections.unmodifiableList(out);
    }

    private int listedAttempts() {
        return Math.min(attemptCount, MAX_LISTED_ATTEMPTS);
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

    /** The version of the configuration snapshot the request started with (and ended on). */
    public EndRecord configVersion(CharSequence version) {
        this.configVersion.set(version);
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

    /** The configuration version the request ran on; {@code null} in records older than schema version 3. */
    public String configVersion() {
        return configVersion.get();
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

    /**
     * What was captured of the content: the level, the bytes of the request body and of the answer that were
     * written, and whether the per-request cap cut them.
     */
    public EndRecord capture(Capture capture, int requestBytes, long responseBytes, boolean cut) {
        this.capture = Objects.requireNonNull(capture, "capture");
        this.capturedRequestBytes = requestBytes;
        this.capturedResponseBytes = responseBytes;
        this.captureCut = cut;
        return this;
    }

    /**
     * Adds {@code count} redactions of type {@code label} (ASCII, at most 255 bytes; kept by reference, so a
     * constant). Types past {@link #MAX_REDACTION_TYPES} are counted under the last one.
     */
    public EndRecord addRedactions(String label, int count) {
        for (int i = 0; i < redactionTypes; i++) {
            if (redactionLabels[i].equals(label)) {
                redactionCounts[i] += count;
                return this;
            }
        }
        if (redactionTypes == MAX_REDACTION_TYPES) {
            redactionCounts[MAX_REDACTION_TYPES - 1] += count;
            return this;
        }
        redactionLabels[redactionTypes] = label;
        redactionCounts[redactionTypes++] = count;
        return this;
    }

    public Capture capture() {
        return capture;
    }

    /** Bytes of the request body written to the journal (full capture), or its size (metadata). */
    public int capturedRequestBytes() {
        return capturedRequestBytes;
    }

    /** Bytes of the answer written to the journal as response parts. */
    public long capturedResponseBytes() {
        return capturedResponseBytes;
    }

    /** Whether the per-request capture cap cut the captured content. */
    public boolean captureCut() {
        return captureCut;
    }

    /** Redaction types listed. */
    public int redactionTypes() {
        return redactionTypes;
    }

    public String redactionLabel(int i) {
        return redactionLabels[i];
    }

    public int redactionCount(int i) {
        return redactionCounts[i];
    }

    /** Redactions of every type together. */
    public long redactionTotal() {
        long total = 0;
        for (int i = 0; i < redactionTypes; i++) {
            total += redactionCounts[i];
        }
        return total;
    }

    @Override
    int encodedLength() {
        int length = HEADER_BYTES + FIXED_BYTES + provider.encodedLength() + deployment.encodedLength()
            + servedModel.encodedLength() + ATTEMPTS_HEADER_BYTES;
        for (int i = 0, n = listedAttempts(); i < n; i++) {
            length += ATTEMPT_FIXED_BYTES + attemptDeployments[i].encodedLength();
        }
        length += configVersion.encodedLength() + CAPTURE_FIXED_BYTES;
        for (int i = 0; i < redactionTypes; i++) {
            length += 1 + redactionLabels[i].length() + 4;
        }
        return length;
    }

    /** Capture id, flags, request bytes, response bytes, redaction type count. */
    private static final int CAPTURE_FIXED_BYTES = 1 + 1 + 4 + 8 + 1;

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
        int listed = listedAttempts();
        dst.putInt(pos, attemptCount, ORDER);
        pos += 4;
        dst.putByte(pos++, (byte) listed);
        for (int i = 0; i < listed; i++) {
            dst.putByte(pos++, attemptOutcomes[i].id());
            dst.putByte(pos++, (byte) (attemptUncertainBilled[i] ? ATTEMPT_FLAG_UNCERTAIN_BILLED : 0));
            dst.putInt(pos, attemptStatuses[i], ORDER);
            pos += 4;
            pos = putLong(dst, pos, attemptDurationsMicros[i]);
            pos += attemptDeployments[i].encode(dst, pos);
        }
        pos += configVersion.encode(dst, pos);
        dst.putByte(pos++, capture.id());
        dst.putByte(pos++, (byte) (captureCut ? FLAG_CAPTURE_CUT : 0));
        dst.putInt(pos, capturedRequestBytes, ORDER);
        pos += 4;
        pos = putLong(dst, pos, capturedResponseBytes);
        dst.putByte(pos++, (byte) redactionTypes);
        for (int i = 0; i < redactionTypes; i++) {
            String label = redactionLabels[i];
            int n = Math.min(label.length(), 255);
            dst.putByte(pos++, (byte) n);
            for (int c = 0; c < n; c++) {
                dst.putByte(pos++, (byte) label.charAt(c));
            }
            dst.putInt(pos, redactionCounts[i], ORDER);
            pos += 4;
        }
        return pos - index;
    }

    /**
     * Decodes the body of a record of schema {@code version} that follows the header at {@code index} (the
     * header already checked); version 1 has no attempts.
     */
    EndRecord decodeBody(DirectBuffer src, int index, int version) {
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
        pos += servedModel.decode(src, pos);
        clearAttempts();
        configVersion.clear();
        if (version >= 2) {
            pos = decodeAttempts(src, pos);
        }
        capture = Capture.METADATA;
        capturedRequestBytes = 0;
        capturedResponseBytes = 0;
        captureCut = false;
        redactionTypes = 0;
        if (version >= 3) {
            pos += configVersion.decode(src, pos);
        }
        if (version >= 4) {
            decodeCapture(src, pos);
        }
        return this;
    }

    private void decodeCapture(DirectBuffer src, int index) {
        int pos = index;
        Capture c = Capture.fromId(src.getByte(pos++));
        if (c == null) {
            throw new IllegalStateException("capture id: " + src.getByte(pos - 1) + " (expected: a known Capture id)");
        }
        capture = c;
        captureCut = (src.getByte(pos++) & FLAG_CAPTURE_CUT) != 0;
        capturedRequestBytes = src.getInt(pos, ORDER);
        pos += 4;
        capturedResponseBytes = src.getLong(pos, ORDER);
        pos += 8;
        int types = src.getByte(pos++) & 0xFF;
        if (types > MAX_REDACTION_TYPES) {
            throw new IllegalStateException("redaction types: " + types + " (expected: <= " + MAX_REDACTION_TYPES
                + ")");
        }
        for (int i = 0; i < types; i++) {
            int n = src.getByte(pos++) & 0xFF;
            redactionLabels[i] = src.getStringWithoutLengthAscii(pos, n);
            pos += n;
            redactionCounts[i] = src.getInt(pos, ORDER);
            pos += 4;
        }
        redactionTypes = types;
    }

    /** Decodes the attempts list at {@code index}; returns the index after it. */
    private int decodeAttempts(DirectBuffer src, int index) {
        int pos = index;
        int count = src.getInt(pos, ORDER);
        pos += 4;
        int listed = src.getByte(pos++) & 0xFF;
        if (count < 0 || listed > MAX_LISTED_ATTEMPTS || listed != Math.min(count, MAX_LISTED_ATTEMPTS)) {
            throw new IllegalStateException("attempts: " + count + " counted, " + listed + " listed (expected: "
                + "listed = min(counted, " + MAX_LISTED_ATTEMPTS + "))");
        }
        for (int i = 0; i < listed; i++) {
            byte outcomeId = src.getByte(pos++);
            AttemptOutcome o = AttemptOutcome.fromId(outcomeId);
            if (o == null) {
                throw new IllegalStateException("attempt outcome id: " + outcomeId
                    + " (expected: a known AttemptOutcome id)");
            }
            attemptOutcomes[i] = o;
            attemptUncertainBilled[i] = (src.getByte(pos++) & ATTEMPT_FLAG_UNCERTAIN_BILLED) != 0;
            attemptStatuses[i] = src.getInt(pos, ORDER);
            pos += 4;
            attemptDurationsMicros[i] = src.getLong(pos, ORDER);
            pos += 8;
            pos += attemptDeployments[i].decode(src, pos);
        }
        attemptCount = count;
        return pos;
    }

    private static int putLong(MutableDirectBuffer dst, int pos, long value) {
        dst.putLong(pos, value, ORDER);
        return pos + 8;
    }

    @Override
    public String toString() {
        return "EndRecord{" + RequestIds.format(requestId) + ", status=" + status + ", outcome=" + outcome.wireName()
            + ", servedModel=" + servedModel.get() + ", totalMicros=" + totalMicros + ", attempts=" + attemptCount
            + '}';
    }
}
