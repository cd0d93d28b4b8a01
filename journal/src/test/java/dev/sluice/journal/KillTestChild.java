package dev.sluice.journal;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * Child process of {@link KillTest}: appends requests and ends in a loop until killed, and prints
 * {@code D <request id> .} for each request once it is durable. The main thread is the producer and runs its
 * own executor queue, like an event loop.
 */
public final class KillTestChild {
    private KillTestChild() {
    }

    public static void main(String[] args) throws Exception {
        Journal journal = Journal.open(JournalSettings.builder(Path.of(args[0])).build());
        ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        JournalProducer producer = journal.newProducer(tasks::add);
        PrintStream out = System.out;
        RequestRecord request = new RequestRecord();
        EndRecord end = new EndRecord();
        RequestIds ids = new RequestIds();
        out.println("OPEN " + journal.recoveredInterrupted());
        out.flush();
        long n = 0;
        while (true) {
            long id = ids.next();
            long position = producer.append(Records.request(request, id, System.currentTimeMillis() * 1000));
            if (position != JournalProducer.FULL) {
                String line = "D " + RequestIds.format(id) + " .";
                Runnable print = () -> {
                    out.println(line);
                };
                if (producer.whenDurable(position, print)) {
                    print.run();
                }
                // Every other request finishes; the rest stay open, as in-flight requests would.
                if ((n++ & 1) == 0) {
                    producer.append(Records.ok(end, id, System.currentTimeMillis() * 1000));
                }
            }
            Runnable task;
            while ((task = tasks.poll()) != null) {
                task.run();
            }
            out.flush();
            if ((n & 31) == 0) {
                LockSupport.parkNanos(200_000);
            }
        }
    }
}
