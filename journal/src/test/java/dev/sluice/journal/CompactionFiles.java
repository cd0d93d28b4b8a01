package dev.sluice.journal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import java.util.HexFormat;
import java.util.stream.Stream;

import dev.sluice.journal.internal.ChainLayout;
import dev.sluice.journal.internal.ChainSeal;
import dev.sluice.journal.internal.RecordLayout;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;
import dev.sluice.journal.internal.Partitions;
import org.agrona.concurrent.UnsafeBuffer;

/** Looks at a journal's files and raw documents, as compaction tests need. */
final class CompactionFiles {
    private CompactionFiles() {
    }

    /** The SHA-256 of every cycle file of the journal, by path. */
    static Map<Path, String> digests(Path journalDir) throws Exception {
        Map<Path, String> digests = new HashMap<>();
        try (Stream<Path> files = Files.walk(journalDir)) {
            for (Path p : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".cq4"))::iterator) {
                MessageDigest sha = ChainLayout.sha256();
                digests.put(p, HexFormat.of().formatHex(sha.digest(Files.readAllBytes(p))));
            }
        }
        return digests;
    }

    /** Total logical bytes of the cycle files. */
    static long cycleBytes(Path journalDir) throws Exception {
        long total = 0;
        try (Stream<Path> files = Files.walk(journalDir)) {
            for (Path p : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".cq4"))::iterator) {
                total += Files.size(p);
            }
        }
        return total;
    }

    /** The bytes the journal's files take on disk (sparse files count what is allocated), or "n/a" without du. */
    static String diskUsage(Path journalDir) throws Exception {
        Process du;
        try {
            du = new ProcessBuilder("du", "-s", "-B1", journalDir.toString()).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            return "n/a";
        }
        try {
            String out = new String(du.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
            boolean exited = du.waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
            return exited && du.exitValue() == 0 ? out.split("\\s+")[0] : "n/a";
        } finally {
            du.destroyForcibly();
        }
    }

    /**
     * Per cycle of the partition in {@code queueDir}: [part records, distinct requests with parts, whether its first
     * record is a compaction seal (1 or 0)].
     */
    static java.util.NavigableMap<Integer, long[]> partsPerCycle(Path queueDir) {
        java.util.NavigableMap<Integer, long[]> perCycle = new java.util.TreeMap<>();
        Map<Integer, java.util.Set<Long>> requests = new HashMap<>();
        try (SingleChronicleQueue queue = Partitions.openForReading(queueDir);
             ExcerptTailer tailer = queue.createTailer()) {
            RollCycle rollCycle = queue.rollCycle();
            while (true) {
                try (DocumentContext dc = tailer.readingDocument()) {
                    if (!dc.isPresent()) {
                        break;
                    }
                    int cycle = rollCycle.toCycle(dc.index());
                    Bytes<?> bytes = dc.wire().bytes();
                    byte[] doc = new byte[(int) bytes.readRemaining()];
                    bytes.read(doc);
                    long[] counts = perCycle.computeIfAbsent(cycle, c -> new long[3]);
                    UnsafeBuffer view = new UnsafeBuffer(doc);
                    if (rollCycle.toSequenceNumber(dc.index()) == 0 && doc[1] == RecordLayout.TYPE_SEAL
                        && ChainSeal.reason(view) == ChainSeal.REASON_COMPACTION) {
                        counts[2] = 1;
                    }
                    if (doc[1] == RecordLayout.TYPE_RESPONSE_PART) {
                        counts[0]++;
                        if (requests.computeIfAbsent(cycle, c -> new java.util.HashSet<>())
                            .add(view.getLong(RecordLayout.HEADER_BYTES, RecordLayout.ORDER))) {
                            counts[1]++;
                        }
                    }
                }
            }
        }
        return perCycle;
    }
}
