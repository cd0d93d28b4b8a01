package dev.sluice.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * RELIABILITY.md D3 (Chronicle-Queue#1099): a writer halted inside an open document, after a seeded random part of
 * a long record. The restarted journal appends again, and a reader sees exactly the complete records: none of the
 * leftover bytes is read as a record.
 */
class MidRecordHaltTest {
    private static final int ROUNDS = 4;

    @TempDir
    Path tmp;

    private Process child;

    @AfterEach
    void tearDown() throws Exception {
        if (child != null && child.isAlive()) {
            child.destroyForcibly().waitFor();
        }
    }

    @Test
    @Timeout(300)
    void shouldReadOnlyCompleteRecordsAfterAWriterHaltedMidRecord() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            Path dir = tmp.resolve("journal-" + round);
            List<String> lines = runChild(dir, 1_000 + round);
            Set<Long> complete = new HashSet<>();
            for (String line : lines) {
                if (line.startsWith("D ")) {
                    complete.add(RequestIds.parse(line.substring(2)));
                }
            }
            assertThat(lines).as("child output").anyMatch(l -> l.startsWith("PARTIAL "));
            assertThat(complete).isNotEmpty();

            long fresh = new RequestIds().next();
            try (Journal journal = Journal.open(JournalSettings.builder(dir).mode(JournalMode.DIRECT).build())) {
                assertThat(journal.recoveredInterrupted()).isEqualTo(complete.size());
                JournalProducer producer = journal.newProducer(Runnable::run);
                long now = System.currentTimeMillis() * 1000;
                assertThat(producer.append(Records.request(new RequestRecord(), fresh, now)))
                    .isNotEqualTo(JournalProducer.FULL);
                assertThat(producer.append(Records.ok(new EndRecord(), fresh, now))).isNotEqualTo(JournalProducer.FULL);
            }

            Set<Long> read = new HashSet<>();
            try (JournalReader reader = JournalReader.open(dir)) {
                for (JournalEntry e : reader.last(Integer.MAX_VALUE, 0)) {
                    assertThat(read.add(e.requestId())).as("read once: %s", e).isTrue();
                }
                assertThat(reader.undecodableRecords()).as("round %d: undecodable records", round).isZero();
            }
            Set<Long> expected = new HashSet<>(complete);
            expected.add(fresh);
            assertThat(read).as("round %d (%s): exactly the complete records", round, lines.get(lines.size() - 1))
                .isEqualTo(expected);
        }
    }

    private List<String> runChild(Path dir, long seed) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-")) {
                command.add(arg);
            }
        }
        command.add("-Dchronicle.analytics.disable=true");
        command.add("-Dchronicle.announcer.disable=true");
        command.add("-Xmx256m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(MidRecordHaltChild.class.getName());
        command.add(dir.toString());
        command.add(Long.toString(seed));
        child = new ProcessBuilder(command).redirectError(Path.of("target", "mid-record-child.err").toFile()).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(
            new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII))) {
            String line;
            while ((line = in.readLine()) != null) {
                lines.add(line);
            }
        }
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as("child exit (see target/mid-record-child.err)").isZero();
        return lines;
    }
}
