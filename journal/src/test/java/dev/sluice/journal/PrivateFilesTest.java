package dev.sluice.journal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * RELIABILITY.md F5: the journal names users and teams, so its files are {@code 0600} and its directories
 * {@code 0700} whatever the process umask: at creation, for the cycle files Chronicle creates at each roll, and for
 * a journal directory that existed with wider permissions.
 */
class PrivateFilesTest {
    @TempDir
    Path tmp;

    @Test
    @Timeout(60)
    void shouldKeepEveryJournalFileOwnerOnlyAcrossRolls() throws Exception {
        Assumptions.assumeTrue(tmp.getFileSystem().supportedFileAttributeViews().contains("posix"),
            "no POSIX permissions on this file system");
        Path dir = tmp.resolve("journal");
        // A directory left world-readable by an older version or by hand.
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Path partition = dir.resolve("loop-0");
        try (Journal journal = Journal.open(JournalSettings.builder(dir).rollCycle("TEST_SECONDLY")
            .mode(JournalMode.DIRECT).build())) {
            JournalProducer producer = journal.newProducer(Runnable::run);
            RequestRecord request = new RequestRecord();
            RequestIds ids = new RequestIds();
            // Each second is a cycle of its own: appending until a third cycle file exists crosses two rolls.
            await().atMost(30, SECONDS).pollInSameThread().pollInterval(Duration.ofMillis(50)).until(() -> {
                long nowMicros = System.currentTimeMillis() * 1000;
                long position = producer.append(Records.request(request, ids.next(), nowMicros));
                assertThat(position).isNotEqualTo(JournalProducer.FULL);
                return cycleFiles(partition) >= 3;
            });
            // A cycle file Chronicle has just created may still be waiting for its chmod (Chronicle tells the
            // listener once it has acquired the file); its directory is 0700 meanwhile, so no one else can open it.
            await().atMost(30, SECONDS).untilAsserted(() -> assertPrivate(dir));
        }
        assertPrivate(dir);
    }

    private static long cycleFiles(Path partition) throws IOException {
        try (Stream<Path> files = Files.list(partition)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".cq4")).count();
        }
    }

    private static void assertPrivate(Path dir) throws IOException {
        List<String> wrong = new ArrayList<>();
        int files = 0;
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                String perms = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
                String wanted = Files.isDirectory(p) ? "rwx------" : "rw-------";
                if (!perms.equals(wanted)) {
                    wrong.add(dir.relativize(p) + " " + perms);
                }
                files++;
            }
        }
        assertThat(files).isGreaterThan(5);
        assertThat(wrong).as("journal paths not owner-only").isEmpty();
    }
}
