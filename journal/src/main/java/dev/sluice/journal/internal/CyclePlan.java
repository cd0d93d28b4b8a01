package dev.sluice.journal.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * What compaction makes of one closed roll cycle of a partition (a pure function of its documents): the records
 * it keeps, in order, without the cycle's seals (the rewritten cycle is sealed afresh, {@link CycleWriter}); the
 * {@code RESPONSE_PART} records of each request folded into one, where the request's first part was, its body the
 * parts' bodies joined in sequence order; the bodies of {@code REQUEST} and {@code RESPONSE_PART} records older
 * than the body retention dropped (their digest kept), and the bodies kept stored deflated where that makes them
 * smaller. Every other record is kept byte for byte. Also found: the
 * original chain head before the cycle (the anchor) and at its end, and whether compaction rewrote it before.
 * <p>
 * Confined to the calling thread.
 */
public final class CyclePlan {
    private final List<Envelope> records = new ArrayList<>();
    private byte[] anchor;
    private byte[] originalEnd;
    private boolean compactedBefore;
    private boolean unchained;
    private int inputRecords;
    private int partsFolded;
    private int bodiesDropped;
    private int bodiesCompressed;

    private CyclePlan() {
    }

    /**
     * Plans the rewrite of a cycle whose documents are {@code docs}, in order.
     *
     * @param previousEnd the original chain head at the end of the cycle before (32 zero bytes for the first)
     * @param bodyCutoffMicros bodies of records with a wall time before this (epoch microseconds) are dropped
     */
    public static CyclePlan of(List<byte[]> docs, byte[] previousEnd, long bodyCutoffMicros) {
        return of(docs, previousEnd, bodyCutoffMicros, true);
    }

    /**
     * Only the chain heads of a cycle that is not rewritten (one still open): {@link #originalEnd()} and
     * {@link #anchor()}; nothing is folded, dropped or compressed.
     */
    public static CyclePlan heads(List<byte[]> docs, byte[] previousEnd) {
        return of(docs, previousEnd, Long.MIN_VALUE, false);
    }

    private static CyclePlan of(List<byte[]> docs, byte[] previousEnd, long bodyCutoffMicros, boolean rewrite) {
        CyclePlan plan = new CyclePlan();
        plan.anchor = previousEnd.clone();
        plan.originalEnd = previousEnd.clone();
        List<Envelope> parsed = new ArrayList<>(docs.size());
        for (byte[] doc : docs) {
            Envelope e = Envelope.parse(doc);
            if (e == null) {
                // Written before chains, or torn: such a cycle is left as it is.
                plan.unchained = true;
                return plan;
            }
            parsed.add(e);
        }
        if (parsed.isEmpty()) {
            return plan;
        }
        Envelope first = parsed.get(0);
        if (first.isSeal() && first.sealReason() != ChainSeal.REASON_COMPACTION_END
            && first.sealReason() != ChainSeal.REASON_INTERVAL) {
            // Such a seal signs the head right before it: the chain head before the cycle.
            plan.anchor = ChainSeal.head(first.metaView());
            plan.compactedBefore = first.sealReason() == ChainSeal.REASON_COMPACTION;
        }
        Envelope last = parsed.get(parsed.size() - 1);
        plan.originalEnd = last.isSeal() && last.sealReason() == ChainSeal.REASON_COMPACTION_END
            ? ChainSeal.originalHead(last.metaView()) : last.hash;
        if (!rewrite) {
            return plan;
        }
        plan.fold(parsed);
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        try {
            for (Envelope e : plan.records) {
                if (e.dropBodyIfBefore(bodyCutoffMicros)) {
                    plan.bodiesDropped++;
                } else if (e.deflate(deflater)) {
                    plan.bodiesCompressed++;
                }
            }
        } finally {
            deflater.end();
        }
        return plan;
    }

    private void fold(List<Envelope> parsed) {
        Map<Long, List<Envelope>> parts = new HashMap<>();
        for (Envelope e : parsed) {
            if (e.type() == RecordLayout.TYPE_RESPONSE_PART && e.meta.length >= PART_META_BYTES) {
                parts.computeIfAbsent(e.requestId(), k -> new ArrayList<>()).add(e);
            }
        }
        for (Envelope e : parsed) {
            if (e.isSeal()) {
                continue;
            }
            inputRecords++;
            if (e.type() != RecordLayout.TYPE_RESPONSE_PART || e.meta.length < PART_META_BYTES) {
                records.add(e);
                continue;
            }
            List<Envelope> group = parts.get(e.requestId());
            if (group == null) {
                continue; // folded into the record written at the request's first part
            }
            if (group.size() == 1 || group.stream().anyMatch(p -> p.form != ChainLayout.BODY_PRESENT)) {
                // A dropped body cannot be joined to the others: such parts stay as they are.
                records.add(e);
                continue;
            }
            parts.remove(e.requestId());
            group.sort((a, b) -> Integer.compareUnsigned(a.sequence(), b.sequence()));
            records.add(Envelope.folded(group));
            partsFolded += group.size() - 1;
        }
    }

    /** Bodies shorter than this are stored as they are: deflating them saves too little. */
    static final int MIN_DEFLATE_BYTES = 64;

    private static final int PART_META_BYTES = RecordLayout.HEADER_BYTES + 8 + 8 + 4;

    /** The records to write, in order, seals left out. */
    public List<Envelope> records() {
        return records;
    }

    /** The original chain head before the cycle. */
    public byte[] anchor() {
        return anchor.clone();
    }

    /** The original chain head at the end of the cycle: the next cycle chains on from it. */
    public byte[] originalEnd() {
        return originalEnd.clone();
    }

    /** Whether the cycle holds a record of a schema before chains: it is not rewritten. */
    public boolean unchained() {
        return unchained;
    }

    /** Whether compaction rewrote this cycle before (it starts with a compaction seal). */
    public boolean compactedBefore() {
        return compactedBefore;
    }

    /** Whether a rewrite changes anything: a cycle never compacted, or one with parts to fold or bodies to drop. */
    public boolean needsRewrite() {
        return !unchained && inputRecords > 0
            && (!compactedBefore || partsFolded > 0 || bodiesDropped > 0 || bodiesCompressed > 0);
    }

    /** Records of the cycle, seals left out. */
    public int inputRecords() {
        return inputRecords;
    }

    /** Part records that folding removed (a request's parts become one record). */
    public int partsFolded() {
        return partsFolded;
    }

    /** Bodies dropped by this rewrite. */
    public int bodiesDropped() {
        return bodiesDropped;
    }

    /** Bodies this rewrite stores deflated. */
    public int bodiesCompressed() {
        return bodiesCompressed;
    }

    /**
     * One record in its chained envelope ({@link ChainLayout}): meta, the body as stored (in full, deflated, or its
     * digest), the body length and form, the hash stored with it.
     * <p>
     * Confined to the calling thread.
     */
    public static final class Envelope {
        final byte[] meta;
        byte[] stored;
        final int bodyLength;
        byte form;
        final byte[] hash;
        private byte[] digest;

        private Envelope(byte[] meta, byte[] stored, int bodyLength, byte form, byte[] hash) {
            this.meta = meta;
            this.stored = stored;
            this.bodyLength = bodyLength;
            this.form = form;
            this.hash = hash;
        }

        static Envelope parse(byte[] doc) {
            UnsafeBuffer view = new UnsafeBuffer(doc);
            if (!ChainLayout.isChained(view)) {
                return null;
            }
            int metaLength = ChainLayout.metaLength(view);
            if (metaLength < 0) {
                return null;
            }
            int bodyLength = ChainLayout.bodyLength(view);
            byte form = ChainLayout.bodyForm(view);
            int storedLength = ChainLayout.storedLength(view, metaLength);
            return new Envelope(Arrays.copyOf(doc, metaLength),
                Arrays.copyOfRange(doc, metaLength, metaLength + storedLength), bodyLength, form,
                Arrays.copyOfRange(doc, ChainLayout.hashOffset(view), doc.length));
        }

        static Envelope folded(List<Envelope> parts) {
            Envelope first = parts.get(0);
            long total = 0;
            for (Envelope p : parts) {
                total += p.bodyLength;
            }
            if (total > Integer.MAX_VALUE - 1024) {
                throw new IllegalStateException("answer: " + total + " bytes (expected: < 2 GiB to fold)");
            }
            byte[] body = new byte[(int) total];
            int at = 0;
            for (Envelope p : parts) {
                System.arraycopy(p.stored, 0, body, at, p.bodyLength);
                at += p.bodyLength;
            }
            return new Envelope(first.meta.clone(), body, body.length, ChainLayout.BODY_PRESENT, null);
        }

        byte type() {
            return meta[1];
        }

        boolean isSeal() {
            return type() == RecordLayout.TYPE_SEAL && meta.length >= ChainSeal.META_BYTES;
        }

        int sealReason() {
            return ChainSeal.reason(metaView());
        }

        UnsafeBuffer metaView() {
            return new UnsafeBuffer(meta);
        }

        long requestId() {
            return metaView().getLong(RecordLayout.HEADER_BYTES, RecordLayout.ORDER);
        }

        int sequence() {
            return metaView().getInt(RecordLayout.HEADER_BYTES + 16, RecordLayout.ORDER);
        }

        /** Drops the body of a request or part record older than the cutoff; answers whether it did. */
        boolean dropBodyIfBefore(long cutoffMicros) {
            byte type = type();
            if (form == ChainLayout.BODY_DROPPED || bodyLength == 0
                || type != RecordLayout.TYPE_REQUEST && type != RecordLayout.TYPE_RESPONSE_PART) {
                return false;
            }
            long wallTime = RecordLayout.wallTimeMicros(metaView());
            if (wallTime == RecordLayout.NO_WALL_TIME || wallTime >= cutoffMicros) {
                return false;
            }
            stored = bodyDigest();
            digest = stored;
            form = ChainLayout.BODY_DROPPED;
            return true;
        }

        /**
         * Stores a body of {@link #MIN_DEFLATE_BYTES} or more deflated when that makes it smaller; answers whether it
         * did. Its digest, and so the chain, stays the digest of the body as written.
         */
        boolean deflate(Deflater deflater) {
            if (form != ChainLayout.BODY_PRESENT || bodyLength < MIN_DEFLATE_BYTES) {
                return false;
            }
            deflater.reset();
            deflater.setInput(stored, 0, bodyLength);
            deflater.finish();
            // Kept only when smaller than the body: a larger output is not wanted.
            byte[] out = new byte[bodyLength];
            int n = 0;
            while (!deflater.finished() && n < out.length) {
                n += deflater.deflate(out, n, out.length - n);
            }
            if (!deflater.finished() || n >= bodyLength) {
                return false;
            }
            digest = bodyDigest();
            stored = Arrays.copyOf(out, n);
            form = ChainLayout.BODY_DEFLATED;
            return true;
        }

        /** The digest the record enters the chain with ({@link ChainLayout}). */
        byte[] chainDigest() {
            return form == ChainLayout.BODY_DEFLATED
                ? ChainLayout.deflatedDigest(ChainLayout.sha256(), bodyDigest(), stored, 0, stored.length)
                : bodyDigest();
        }

        /** The digest of the body as written, whichever form it is stored in. */
        byte[] bodyDigest() {
            if (digest != null) {
                return digest;
            }
            if (form == ChainLayout.BODY_DROPPED) {
                digest = stored;
            } else if (form == ChainLayout.BODY_DEFLATED) {
                byte[] body = new byte[bodyLength];
                Inflater inflater = new Inflater();
                try {
                    if (!ChainLayout.inflate(inflater, stored, 0, stored.length, body, bodyLength)) {
                        throw new IllegalStateException("a compressed body does not inflate to its "
                            + bodyLength + " bytes (run journal verify)");
                    }
                } finally {
                    inflater.end();
                }
                digest = ChainLayout.sha256().digest(body);
            } else {
                digest = bodyLength == 0 ? ChainLayout.EMPTY_DIGEST : ChainLayout.sha256().digest(stored);
            }
            return digest;
        }
    }
}
