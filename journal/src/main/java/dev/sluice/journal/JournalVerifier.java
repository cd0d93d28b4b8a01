package dev.sluice.journal;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.Inflater;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import dev.sluice.journal.internal.Chain;
import dev.sluice.journal.internal.ChainLayout;
import dev.sluice.journal.internal.ChainSeal;
import dev.sluice.journal.internal.JournalSigner;
import dev.sluice.journal.internal.Partitions;
import dev.sluice.journal.internal.RecordLayout;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.MappedBytes;
import net.openhft.chronicle.bytes.MappedFile;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Checks the hash chains and seals of every partition of one or more journals ({@code sluice journal verify}):
 * each record's stored hash must equal {@code SHA-256(previous hash || meta || body length || body digest)}
 * ({@link ChainLayout}), each seal must sign, with the journal's key, the hash of a record before it (the one right
 * before it, or a few back for an interval seal signed off the writer's thread), and every record the
 * queue's index counts must be readable. Records written before chains existed (schema 3 and older) are counted
 * apart; they are not protected. A partition whose oldest cycles were removed by compaction starts at a seal:
 * its signed head anchors the rest.
 * <p>
 * Confined to the calling thread.
 */
public final class JournalVerifier {
    /** Heads remembered per partition for the seals that sign a head a few records back. */
    static final int RECENT_HEADS = 4 * Chain.SEAL_EVERY_RECORDS;
    /** Heads kept between two seals at most (a seal further back than this is reported as signing no record). */
    static final int MAX_UNSIGNED_HEADS = 1_000_000;
    /** Longer than any record the gateway writes (a captured part is at most a read, a body at most the cap). */
    static final long MAX_RECORD_BYTES = 256L << 20;
    /**
     * Pauses, without a record read in between, before a record the queue indexes is called unreadable: a record a
     * gateway is appending is indexed before it is complete (some microseconds, longer on a starved machine).
     */
    static final int MAX_INCOMPLETE_WAITS = 200;
    /** One such pause. */
    static final long INCOMPLETE_PAUSE_NS = TimeUnit.MILLISECONDS.toNanos(10);

    private final Function<Path, JournalSigner> keys;
    private JournalSigner key;
    private final MessageDigest sha = ChainLayout.sha256();
    private final byte[] expected = new byte[ChainLayout.HASH_BYTES];
    private final byte[] stored = new byte[ChainLayout.HASH_BYTES];
    private final byte[] bodyDigest = new byte[ChainLayout.HASH_BYTES];

    /** @param key the public key that checks the seals, or null: seals are counted, not checked */
    public JournalVerifier(JournalSigner key) {
        this.keys = dir -> key;
    }

    /**
     * A verifier with a key per journal (each gateway of a cluster signs its own journal).
     *
     * @param keys the public key of a journal directory, or null when it has none: its seals are counted, not checked
     */
    public JournalVerifier(Function<Path, JournalSigner> keys) {
        this.keys = requireNonNull(keys, "keys");
    }

    /** Verifies every partition of every journal in {@code journalDirs}; stops at the first break. */
    public VerifyReport verify(List<Path> journalDirs) {
        VerifyReport report = new VerifyReport();
        for (Path journalDir : journalDirs) {
            key = keys.apply(journalDir);
            if (key == null) {
                report.unkeyedJournals++;
            }
            for (Path queueDir : Partitions.find(journalDir)) {
                report.partitions++;
                String name = journalDir.relativize(queueDir).toString();
                verifyPartition(journalDir.getFileName() + (name.isEmpty() ? "" : "/" + name), queueDir, report);
                if (report.broken()) {
                    return report;
                }
            }
        }
        return report;
    }

    private void verifyPartition(String partition, Path queueDir, VerifyReport report) {
        byte[] head = new byte[ChainLayout.HASH_BYTES];
        boolean started = false;
        long ordinal = 0;
        long signedUpTo = 0;
        long rewrittenAt = -1;
        // The heads a seal may sign: an interval seal is signed off the writer's thread and signs a head some
        // records back (as many as the writer appended while the sealer signed: a busy machine may starve the
        // sealer); the others sign the head right before them. Heads before the last interval seal's are forgotten.
        Map<ByteBuffer, Long> recent = new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<ByteBuffer, Long> eldest) {
                return size() > MAX_UNSIGNED_HEADS;
            }
        };
        long lastIndex = Long.MIN_VALUE;
        int waits = 0;
        byte[] copy = new byte[4096];
        byte[] inflated = new byte[0];
        UnsafeBuffer doc = new UnsafeBuffer(new byte[0]);
        Inflater inflater = new Inflater();
        FileEnd fileEnd = new FileEnd();
        try (SingleChronicleQueue queue = Partitions.openForReading(queueDir);
             ExcerptTailer tailer = queue.createTailer()) {
            RollCycle rollCycle = queue.rollCycle();
            // The check covers the journal as it was when it began: what a gateway appends meanwhile is left to the
            // next check, so a check of a live journal ends.
            long endIndex = queue.lastIndex();
            while (true) {
                long index;
                int length;
                try (DocumentContext dc = tailer.readingDocument()) {
                    if (!dc.isPresent()) {
                        if (endIndex >= 0 && lastIndex < endIndex && ++waits <= MAX_INCOMPLETE_WAITS) {
                            LockSupport.parkNanos(INCOMPLETE_PAUSE_NS);
                            continue;
                        }
                        break; // an indexed record that stays out of reach is a break, found after the loop
                    }
                    index = dc.index();
                    if (index > endIndex) {
                        break;
                    }
                    waits = 0;
                    Bytes<?> bytes = dc.wire().bytes();
                    long remaining = bytes.readRemaining();
                    if (remaining > MAX_RECORD_BYTES) {
                        report.breakAt(partition, "at " + where(rollCycle, index), 0, "a record header states "
                            + remaining + " bytes, more than any record holds (its length was changed)");
                        return;
                    }
                    if (fileEnd.past(bytes, remaining)) {
                        // Reading it would touch the mapping past the end of the file: a fault the JVM reports
                        // later, in whatever code runs then, not as an error here.
                        report.breakAt(partition, "at " + where(rollCycle, index), 0, "a record header states "
                            + remaining + " bytes, past the end of its file (its length was changed)");
                        return;
                    }
                    length = (int) remaining;
                    if (copy.length < length) {
                        copy = new byte[Math.max(length, copy.length * 2)];
                    }
                    bytes.read(copy, 0, length);
                } catch (RuntimeException | InternalError e) {
                    // InternalError: a read past the mapped file (a header's length was changed).
                    report.breakAt(partition, "after " + where(rollCycle, lastIndex), 0,
                        "unreadable document (" + e.getClass().getSimpleName() + ")");
                    return;
                }
                lastIndex = index;
                doc.wrap(copy, 0, length);
                String at = where(rollCycle, index);
                if (!ChainLayout.isChained(doc)) {
                    if (started) {
                        report.breakAt(partition, at, requestId(doc, length),
                            "a record without a chain after chained records");
                        return;
                    }
                    report.unchained++;
                    continue;
                }
                int metaLength = ChainLayout.metaLength(doc);
                if (metaLength < 0) {
                    report.breakAt(partition, at, 0, "the trailer does not match the record's length");
                    return;
                }
                byte type = doc.getByte(1);
                if (!started && type == RecordLayout.TYPE_SEAL && isAnchor(doc, queueDir, rollCycle, index)) {
                    // The cycles before were removed by compaction: the seal's signed head anchors the chain.
                    doc.getBytes(RecordLayout.HEADER_BYTES + 9, head);
                }
                started = true;
                int bodyLength = ChainLayout.bodyLength(doc);
                byte form = ChainLayout.bodyForm(doc);
                if (form == ChainLayout.BODY_PRESENT) {
                    if (bodyLength == 0) {
                        System.arraycopy(ChainLayout.sha256().digest(), 0, bodyDigest, 0, bodyDigest.length);
                    } else {
                        sha.update(copy, metaLength, bodyLength);
                        System.arraycopy(sha.digest(), 0, bodyDigest, 0, bodyDigest.length);
                    }
                } else if (form == ChainLayout.BODY_DEFLATED) {
                    if (inflated.length < bodyLength) {
                        inflated = new byte[Math.max(bodyLength, inflated.length * 2)];
                    }
                    if (!ChainLayout.inflate(inflater, copy, metaLength, ChainLayout.storedLength(doc, metaLength),
                        inflated, bodyLength)) {
                        report.breakAt(partition, at, requestId(doc, metaLength),
                            "the record's compressed body does not inflate to its stated length");
                        return;
                    }
                    sha.update(inflated, 0, bodyLength);
                    byte[] digest = ChainLayout.deflatedDigest(sha, sha.digest(), copy, metaLength,
                        ChainLayout.storedLength(doc, metaLength));
                    System.arraycopy(digest, 0, bodyDigest, 0, bodyDigest.length);
                    report.deflated++;
                } else {
                    doc.getBytes(metaLength, bodyDigest);
                    report.dropped++;
                }
                sha.update(head);
                sha.update(copy, 0, metaLength);
                sha.update(new byte[] {(byte) bodyLength, (byte) (bodyLength >>> 8), (byte) (bodyLength >>> 16),
                    (byte) (bodyLength >>> 24)});
                sha.update(bodyDigest);
                System.arraycopy(sha.digest(), 0, expected, 0, expected.length);
                doc.getBytes(ChainLayout.hashOffset(doc), stored);
                if (!Arrays.equals(expected, stored)) {
                    report.breakAt(partition, at, requestId(doc, metaLength),
                        "the record's hash does not match its content and the chain before it");
                    return;
                }
                ordinal++;
                if (type == RecordLayout.TYPE_SEAL) {
                    UnsafeBuffer sealMeta = new UnsafeBuffer(copy, 0, metaLength);
                    Long signedAt = Arrays.equals(ChainSeal.head(sealMeta), head) ? Long.valueOf(ordinal - 1)
                        : recent.get(ByteBuffer.wrap(ChainSeal.head(sealMeta)));
                    if (signedAt == null && ChainSeal.reason(sealMeta) == ChainSeal.REASON_INTERVAL
                        && rewrittenAt >= 0 && ordinal - rewrittenAt <= RECENT_HEADS) {
                        // Signed off the writer's thread before a roll, of a head in the cycle compaction rewrote
                        // since: that cycle's compaction-end seal signed its original end; the signature is checked.
                        signedAt = rewrittenAt - 1;
                    }
                    String problem = checkSeal(sealMeta, signedAt != null);
                    if (problem != null) {
                        report.breakAt(partition, at, 0, problem);
                        return;
                    }
                    report.seals++;
                    signedUpTo = Math.max(signedUpTo, signedAt + 1);
                    if (ChainSeal.reason(sealMeta) == ChainSeal.REASON_INTERVAL) {
                        // The next interval seal signs a later head than this one (one is signed at a time); a
                        // roll, open or close seal between them does not move that bound.
                        long signed = signedAt;
                        recent.values().removeIf(o -> o < signed);
                    }
                    if (ChainSeal.reason(doc) == ChainSeal.REASON_COMPACTION_END) {
                        // A rewritten cycle ends here: the next cycle chains on from the original head it signs.
                        report.records++;
                        doc.getBytes(ChainSeal.META_BYTES, head);
                        rewrittenAt = ordinal;
                        continue;
                    }
                }
                report.records++;
                System.arraycopy(stored, 0, head, 0, head.length);
                recent.put(ByteBuffer.wrap(stored.clone()), ordinal);
            }
            if (endIndex >= 0 && lastIndex < endIndex) {
                report.breakAt(partition, "after " + where(rollCycle, lastIndex), 0,
                    "the queue indexes records up to " + where(rollCycle, endIndex) + " that cannot be read");
                return;
            }
        } finally {
            inflater.end();
        }
        report.unsignedTail += Math.max(0, ordinal - signedUpTo);
    }

    /** Whether the seal at {@code index} is the first record of its partition because older cycles are gone. */
    private static boolean isAnchor(UnsafeBuffer doc, Path queueDir, RollCycle rollCycle, long index) {
        int reason = ChainSeal.reason(doc);
        // A seal first in its cycle signs the head right before it (a writer closing in a new cycle seals it first);
        // an interval seal may sign one further back.
        return reason == ChainSeal.REASON_ROLL || reason == ChainSeal.REASON_COMPACTION
            || reason != ChainSeal.REASON_COMPACTION_END && reason != ChainSeal.REASON_INTERVAL
            && rollCycle.toSequenceNumber(index) == 0;
    }

    private String checkSeal(UnsafeBuffer meta, boolean headInChain) {
        if (meta.capacity() != ChainSeal.metaBytes(ChainSeal.reason(meta))) {
            return "a seal of the wrong length";
        }
        byte[] sealed = ChainSeal.head(meta);
        if (!headInChain) {
            return "the seal signs a chain head that is not among the records before it";
        }
        if (key == null) {
            return null;
        }
        byte[] fingerprint = ChainSeal.fingerprint(meta);
        if (!key.hasFingerprint(fingerprint, 0)) {
            return "the seal was made with another key than the one given";
        }
        if (!key.verify(ChainSeal.wallTimeMicros(meta), ChainSeal.reason(meta), ChainSeal.signedHead(meta),
            ChainSeal.signature(meta))) {
            return "the seal's signature does not verify: the chain was recomputed without the signing key";
        }
        return null;
    }

    private static long requestId(UnsafeBuffer doc, int metaLength) {
        if (metaLength < RecordLayout.KEYED_WALL_TIME_OFFSET) {
            return 0;
        }
        byte type = doc.getByte(1);
        boolean keyed = type == RecordLayout.TYPE_REQUEST || type == RecordLayout.TYPE_END
            || type == RecordLayout.TYPE_RESPONSE_PART;
        return keyed ? doc.getLong(RecordLayout.HEADER_BYTES, RecordLayout.ORDER) : 0;
    }

    /**
     * The end of the file being read, asked of the file system only when a record seems to reach past the size seen
     * last (a live journal's file grows). Confined to the checking thread.
     */
    private static final class FileEnd {
        private MappedFile file;
        private long size;

        /** Whether the {@code length} bytes of the record {@code bytes} reads reach past the end of its file. */
        boolean past(Bytes<?> bytes, long length) {
            if (!(bytes instanceof MappedBytes)) {
                return false;
            }
            MappedFile f = ((MappedBytes) bytes).mappedFile();
            long end = bytes.readPosition() + length;
            if (f != file || end > size) {
                file = f;
                size = f.actualSize();
            }
            return end > size;
        }
    }

    private static String where(RollCycle rollCycle, long index) {
        if (index == Long.MIN_VALUE) {
            return "the start";
        }
        return "cycle " + rollCycle.toCycle(index) + " record " + rollCycle.toSequenceNumber(index);
    }

    /**
     * What {@link #verify} found.
     * <p>
     * Confined to one thread.
     */
    public static final class VerifyReport {
        long records;
        long seals;
        long unchained;
        long unsignedTail;
        long dropped;
        long deflated;
        int partitions;
        int unkeyedJournals;
        private String brokenPartition;
        private String brokenAt;
        private long brokenRequestId;
        private String problem;

        void breakAt(String partition, String at, long requestId, String problem) {
            this.brokenPartition = partition;
            this.brokenAt = at;
            this.brokenRequestId = requestId;
            this.problem = problem;
        }

        /** Journals verified without a key: their seals were counted, not checked. */
        public int unkeyedJournals() {
            return unkeyedJournals;
        }

        /** Whether a chain or a seal is broken. */
        public boolean broken() {
            return problem != null;
        }

        /** Chained records verified (seals included). */
        public long records() {
            return records;
        }

        /** Seals verified. */
        public long seals() {
            return seals;
        }

        /** Records of a schema before chains: read, not protected. */
        public long unchained() {
            return unchained;
        }

        /** Chained records after the last seal of their partition: chained, not signed yet. */
        public long unsignedTail() {
            return unsignedTail;
        }

        /** Records whose body compaction stored deflated (verified by what they inflate to). */
        public long deflatedBodies() {
            return deflated;
        }

        /** Records whose body compaction dropped (their digest is verified instead). */
        public long droppedBodies() {
            return dropped;
        }

        public int partitions() {
            return partitions;
        }

        /** The partition of the first break, or null. */
        public String brokenPartition() {
            return brokenPartition;
        }

        /** Where in its partition the first break is, or null. */
        public String brokenAt() {
            return brokenAt;
        }

        /** The request id of the broken record, or 0 when it names none. */
        public long brokenRequestId() {
            return brokenRequestId;
        }

        /** What is wrong at the first break, or null. */
        public String problem() {
            return problem;
        }

        /** The last line {@code journal verify} prints. */
        public String summary() {
            if (broken()) {
                return "BROKEN at " + brokenPartition + " " + brokenAt
                    + (brokenRequestId != 0 ? " (request " + RequestIds.format(brokenRequestId) + ")" : "")
                    + ": " + problem;
            }
            return "OK: " + records + " records verified in " + partitions + " partitions, " + seals + " seals"
                + (unsignedTail > 0 ? ", " + unsignedTail + " records after the last seals (chained, not signed yet)"
                    : "")
                + (unchained > 0 ? ", " + unchained + " records of an older schema (not chained)" : "")
                + (deflated > 0 ? ", " + deflated + " compressed bodies inflated" : "")
                + (dropped > 0 ? ", " + dropped + " dropped bodies checked by digest" : "");
        }
    }
}
