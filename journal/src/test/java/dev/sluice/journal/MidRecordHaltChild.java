package dev.sluice.journal;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Random;

import dev.sluice.journal.internal.Chain;
import dev.sluice.journal.internal.ChronicleWrites;
import dev.sluice.journal.internal.Partitions;
import dev.sluice.journal.internal.RollCycleNames;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Child process of {@link MidRecordHaltTest} (RELIABILITY D3): appends a few complete request records to a producer
 * partition, prints {@code D <id>} for each, then opens one more document, writes a seeded random prefix of a long
 * record into it and halts the JVM with the document open.
 */
public final class MidRecordHaltChild {
    private MidRecordHaltChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Random random = new Random(Long.parseLong(args[1]));
        SingleChronicleQueue queue = Partitions.openForWriting(dir, Partitions.producer(0),
            RollCycleNames.resolve("DAILY"));
        ChronicleWrites writes = new ChronicleWrites(queue, Chain.recover(queue, null, Clock.systemUTC()));
        UnsafeBuffer scratch = new UnsafeBuffer(new byte[16 * 1024]);
        RequestRecord request = new RequestRecord();
        RequestIds ids = new RequestIds();
        int complete = 1 + random.nextInt(20);
        for (int i = 0; i < complete; i++) {
            long id = ids.next();
            int length = Records.request(request, id, System.currentTimeMillis() * 1000).encode(scratch, 0);
            writes.append(scratch.byteArray(), 0, length);
            System.out.println("D " + RequestIds.format(id));
        }
        // A long record: every string near its 1 KiB cap, so the prefix can end anywhere in header or body.
        String longText = "x".repeat(1000);
        int length = Records.request(request, ids.next(), System.currentTimeMillis() * 1000).user(longText)
            .team(longText).project(longText).useCase(longText).encode(scratch, 0);
        int partial = 1 + random.nextInt(length - 1);
        byte[] bytes = new byte[partial];
        scratch.getBytes(0, bytes);
        ExcerptAppender appender = queue.createAppender();
        DocumentContext dc = appender.writingDocument();
        dc.wire().bytes().write(bytes);
        System.out.println("PARTIAL " + partial + " of " + length);
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }
}
