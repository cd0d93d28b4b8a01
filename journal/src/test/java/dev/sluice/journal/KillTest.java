package dev.sluice.journal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Kills a writing child JVM with SIGKILL: every request it saw durable must be in the journal afterwards. */
class KillTest {
    private static final Pattern DURABLE = Pattern.compile("D (req_[0-9a-f]{16}) \\.");
    private static final int KILLS = 3;

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
    @Timeout(180)
    void shouldKeepEveryDurableRequestWhenTheWriterIsKilled() throws Exception {
        Path dir = tmp.resolve("journal");
        Set<Long> allDurable = new HashSet<>();
        for (int round = 0; round < KILLS; round++) {
            ConcurrentLinkedQueue<Long> durable = new ConcurrentLinkedQueue<>();
            child = startChild(dir, round);
            Thread pump = pumpStdout(child, durable);
            int target = 3_000 + round * 1_000;
            await().atMost(60, SECONDS).until(() -> durable.size() >= target || !child.isAlive());
            assertThat(child.isAlive()).as("child alive (see target/kill-child-%d.err)", round).isTrue();
            child.destroyForcibly();
            assertThat(child.waitFor()).isEqualTo(137);
            pump.join(10_000);
            assertThat(durable.size()).isGreaterThanOrEqualTo(target);
            allDurable.addAll(durable);

            // Everything printed as durable is there, and every record decodes.
            Set<Long> requests = new HashSet<>();
            long undecodable;
            try (JournalReader reader = JournalReader.open(dir)) {
                while (reader.poll(new RecordVisitor() {
                    @Override
                    public void onRequest(RequestRecord request) {
                        requests.add(request.requestId());
                    }
                }, 10_000) > 0) {
                    // keep reading
                }
                undecodable = reader.undecodableRecords();
            }
            assertThat(undecodable).isZero();
            assertThat(requests).containsAll(allDurable);
        }

        // Recovery after the last kill: the journal opens, and no request is left without an outcome.
        try (Journal journal = Journal.open(JournalSettings.builder(dir).build())) {
            assertThat(journal.recoveredInterrupted()).isPositive();
        }
        List<JournalEntry> entries;
        try (JournalReader reader = JournalReader.open(dir)) {
            entries = reader.last(Integer.MAX_VALUE, Long.MIN_VALUE);
            assertThat(reader.undecodableRecords()).isZero();
        }
        assertThat(entries).extracting(JournalEntry::outcome).containsOnly("ok", "interrupted");
        assertThat(entries.stream().map(JournalEntry::requestId).collect(java.util.stream.Collectors.toSet()))
            .containsAll(allDurable);
    }

    private Process startChild(Path dir, int round) throws Exception {
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
        command.add(KillTestChild.class.getName());
        command.add(dir.toString());
        Path err = Path.of("target", "kill-child-" + round + ".err");
        return new ProcessBuilder(command).redirectError(err.toFile()).start();
    }

    private static Thread pumpStdout(Process process, ConcurrentLinkedQueue<Long> durable) {
        Thread t = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII))) {
                String line;
                while ((line = in.readLine()) != null) {
                    Matcher m = DURABLE.matcher(line);
                    if (m.matches()) {
                        durable.add(RequestIds.parse(m.group(1)));
                    }
                }
            } catch (java.io.IOException e) {
                // The child was killed: its pipe closed.
            }
        }, "kill-test-stdout");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
