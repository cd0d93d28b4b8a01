package dev.sluice.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import dev.sluice.journal.JournalCompactor.CompactReport;
import dev.sluice.journal.JournalVerifier.VerifyReport;
import dev.sluice.journal.internal.CompactionLock;
import dev.sluice.journal.internal.JournalSigner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a compacting child JVM with SIGKILL at random points: every cycle file is then either the original or the
 * rewritten one, so the journal verifies and every request reads back; the next run cleans what the killed one
 * left and finishes the work.
 */
class CompactKillTest {
    private static final int KILLS = 4;
    private static final int BATCHES = 6;
    private static final int PER_BATCH = 2_000;
    private static final int PARTS = 3;

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
    void shouldLeaveEveryCycleWholeWhenTheCompactorIsKilled() throws Exception {
        Path journalDir = tmp.resolve("data/journal");
        Path keyFile = tmp.resolve("data/journal-signing.key");
        try (Journal journal = Journal.open(JournalSettings.builder(journalDir).mode(JournalMode.DIRECT)
            .rollCycle("TEST_SECONDLY").signingKeyFile(keyFile).build())) {
            JournalProducer producer = journal.newProducer(Runnable::run);
            PartWorkload workload = new PartWorkload();
            for (int b = 0; b < BATCHES; b++) {
                long second = System.currentTimeMillis() / 1000;
                await().atMost(Duration.ofSeconds(5)).until(() -> System.currentTimeMillis() / 1000 > second);
                workload.writePaced(producer, 1 + (long) b * PER_BATCH, PER_BATCH, PARTS,
                    System.currentTimeMillis() * 1000);
            }
        }
        JournalSigner key = JournalSigner.load(keyFile);
        Random random = new Random(20261204L);
        int killedMidway = 0;
        for (int round = 0; round < KILLS; round++) {
            child = startChild(journalDir, keyFile, round);
            int killAfterLines = 1 + random.nextInt(BATCHES);
            boolean finished = false;
            try (BufferedReader in = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII))) {
                String line;
                int lines = 0;
                while ((line = in.readLine()) != null) {
                    if (line.equals("done")) {
                        finished = true;
                        break;
                    }
                    if (++lines >= killAfterLines) {
                        // A random point inside the next cycle's rewrite.
                        LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(random.nextInt(20_000)));
                        break;
                    }
                }
            }
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
            if (!finished) {
                killedMidway++;
            }
            VerifyReport verified = new JournalVerifier(key).verify(List.of(journalDir));
            assertThat(verified.broken()).as("round %d: %s", round, verified.summary()).isFalse();
            assertEveryAnswer(journalDir);
        }
        assertThat(killedMidway).isPositive();

        CompactReport last = new JournalCompactor(key, Clock.systemUTC(), null, null).compact(journalDir);
        VerifyReport verified = new JournalVerifier(key).verify(List.of(journalDir));
        assertThat(verified.broken()).as(verified.summary()).isFalse();
        assertEveryAnswer(journalDir);
        assertThat(journalDir.resolve(CompactionLock.WORK_DIR)).doesNotExist();
        CompactReport again = new JournalCompactor(key, Clock.systemUTC(), null, null).compact(journalDir);
        assertThat(again.cyclesRewritten()).as("after %s: %s", last.summary(), again.summary()).isZero();
    }

    private static void assertEveryAnswer(Path journalDir) {
        Answers answers = Answers.read(journalDir);
        assertThat(answers.answers).hasSize(BATCHES * PER_BATCH);
        for (long id = 1; id <= (long) BATCHES * PER_BATCH; id++) {
            assertThat(answers.answers.get(id)).as("request %d", id).isEqualTo(PartWorkload.answer(id, PARTS));
            assertThat(answers.requestBodies.get(id)).isEqualTo(PartWorkload.requestBody(id));
        }
    }

    private Process startChild(Path journalDir, Path keyFile, int round) throws Exception {
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
        command.add(CompactKillTestChild.class.getName());
        command.add(journalDir.toString());
        command.add(keyFile.toString());
        Path err = Path.of("target", "compact-kill-child-" + round + ".err");
        return new ProcessBuilder(command).redirectError(err.toFile()).start();
    }
}
