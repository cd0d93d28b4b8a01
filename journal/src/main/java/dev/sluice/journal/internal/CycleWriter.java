package dev.sluice.journal.internal;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import dev.sluice.journal.internal.CyclePlan.Envelope;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Writes a {@link CyclePlan} as a new cycle file of the same roll cycle, in a queue directory of its own (the
 * queue's clock is set inside the cycle, so Chronicle names and indexes the file as the original): a
 * {@link ChainSeal#REASON_COMPACTION} seal signing the original head before the cycle, the records chained from
 * there with an interval seal every {@link Chain#SEAL_EVERY_RECORDS} records, and a
 * {@link ChainSeal#REASON_COMPACTION_END} seal signing the new head together with the original head at the end of
 * the cycle, so the next cycle, which chains from the original head, still links. The cycle is closed with an
 * end-of-cycle marker, as a roll would.
 * <p>
 * Confined to the calling thread.
 */
public final class CycleWriter {
    private final JournalSigner signer;
    private final Clock clock;
    private final MessageDigest sha = ChainLayout.sha256();
    private final UnsafeBuffer seal = new UnsafeBuffer(new byte[ChainSeal.COMPACTION_END_META_BYTES]);
    private final byte[] trailer = new byte[ChainLayout.TRAILER_BYTES];
    private final UnsafeBuffer trailerView = new UnsafeBuffer(trailer);
    private byte[] head;

    /** @param signer a key that can sign ({@link JournalSigner#canSign()}) */
    public CycleWriter(JournalSigner signer, Clock clock) {
        this.signer = requireNonNull(signer, "signer");
        this.clock = requireNonNull(clock, "clock");
        if (!signer.canSign()) {
            throw new IllegalArgumentException("signer: public key only (expected: the private key)");
        }
    }

    /**
     * Writes the rewritten {@code cycle} into a new queue in {@code tmpDir} (which must not hold one).
     *
     * @return the new cycle file, named as the original; the queue is closed
     * @throws IOException when the queue cannot be written or names its file otherwise than expected
     */
    public Path write(Path tmpDir, RollCycle rollCycle, int cycle, CyclePlan plan, String fileName)
        throws IOException {
        long cycleStartMs = cycle * CycleFiles.lengthMs(rollCycle);
        SetTimeProvider time = new SetTimeProvider(TimeUnit.MILLISECONDS.toNanos(cycleStartMs));
        Partitions.createPrivateDirectory(tmpDir);
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.single(tmpDir.toFile()).rollCycle(rollCycle)
            .timeProvider(time).build();
             ExcerptAppender appender = queue.createAppender()) {
            if (queue.cycle() != cycle) {
                throw new IOException("cycle: " + queue.cycle() + " (expected: " + cycle + ")");
            }
            head = plan.anchor();
            writeSeal(appender, ChainSeal.REASON_COMPACTION, null);
            int sinceSeal = 0;
            for (Envelope e : plan.records()) {
                writeChained(appender, e.meta, e.meta.length, e.stored, e.bodyLength, e.form, e.chainDigest());
                if (++sinceSeal >= Chain.SEAL_EVERY_RECORDS) {
                    writeSeal(appender, ChainSeal.REASON_INTERVAL, null);
                    sinceSeal = 0;
                }
            }
            writeSeal(appender, ChainSeal.REASON_COMPACTION_END, plan.originalEnd());
            // Rolling to the next cycle marks this one ended, as the gateway's roll does; nothing is written there.
            time.currentTimeMillis(cycleStartMs + CycleFiles.lengthMs(rollCycle));
            DocumentContext dc = appender.writingDocument();
            dc.rollbackOnClose();
            dc.close();
        }
        Path file = tmpDir.resolve(fileName);
        if (!Files.isRegularFile(file)) {
            throw new IOException("compaction: " + file + " was not written (expected: the cycle's file name)");
        }
        // It replaces a journal file: owner only, as the gateway keeps them (RELIABILITY F5).
        PrivateFiles.restrict(file);
        return file;
    }

    private void writeSeal(ExcerptAppender appender, int reason, byte[] originalEnd) {
        long wallTimeMicros = nowMicros();
        int length;
        if (reason == ChainSeal.REASON_COMPACTION_END) {
            byte[] signature = signer.sign(wallTimeMicros, reason, ChainSeal.concat(head, originalEnd));
            length = ChainSeal.encodeCompactionEnd(seal, 0, wallTimeMicros, head, originalEnd, signer.fingerprint(),
                signature);
        } else {
            byte[] signature = signer.sign(wallTimeMicros, reason, head);
            length = ChainSeal.encode(seal, 0, wallTimeMicros, reason, head, signer.fingerprint(), signature);
        }
        writeChained(appender, seal.byteArray(), length, null, 0, ChainLayout.BODY_PRESENT,
            ChainLayout.EMPTY_DIGEST);
    }

    private void writeChained(ExcerptAppender appender, byte[] meta, int metaLength, byte[] stored, int bodyLength,
                              byte form, byte[] bodyDigest) {
        sha.update(head);
        sha.update(meta, 0, metaLength);
        sha.update(new byte[] {(byte) bodyLength, (byte) (bodyLength >>> 8), (byte) (bodyLength >>> 16),
            (byte) (bodyLength >>> 24)});
        sha.update(bodyDigest);
        byte[] next = sha.digest();
        trailerView.putInt(0, metaLength, RecordLayout.ORDER);
        trailerView.putInt(4, bodyLength, RecordLayout.ORDER);
        trailerView.putByte(8, form);
        trailerView.putBytes(9, next);
        DocumentContext dc = appender.writingDocument();
        try {
            Bytes<?> bytes = dc.wire().bytes();
            bytes.write(meta, 0, metaLength);
            if (stored != null && stored.length > 0) {
                bytes.write(stored);
            }
            bytes.write(trailer);
        } catch (RuntimeException | Error e) {
            // The work queue is discarded on a throw; still, no half record in it.
            dc.rollbackOnClose();
            dc.close();
            throw e;
        }
        dc.close();
        head = next;
    }

    private long nowMicros() {
        Instant now = clock.instant();
        return TimeUnit.SECONDS.toMicros(now.getEpochSecond()) + now.getNano() / 1000;
    }
}
