package dev.sluice.journal;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;

import dev.sluice.journal.internal.JournalSigner;

/** The child JVM of {@link CompactKillTest}: compacts the journal, a progress line per cycle on stdout. */
public final class CompactKillTestChild {
    private CompactKillTestChild() {
    }

    public static void main(String[] args) throws Exception {
        PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(System.out, StandardCharsets.US_ASCII), true);
        out.println("started");
        JournalCompactor compactor = new JournalCompactor(JournalSigner.load(Path.of(args[1])), Clock.systemUTC(),
            null, out);
        out.println(compactor.compact(Path.of(args[0])).summary());
        out.println("done");
    }
}
