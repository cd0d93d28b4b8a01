package dev.sluice.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * Which threads yield to the event loops, and lowering real threads of this JVM (only the test's own: the selector is
 * the test's, so this JVM's compiler threads keep their priority).
 */
class BackgroundThreadsTest {
    private final CountDownLatch release = new CountDownLatch(1);
    private final List<Thread> started = new ArrayList<>();

    @AfterEach
    void stopThreads() throws InterruptedException {
        release.countDown();
        for (Thread t : started) {
            t.join(10_000);
        }
    }

    @Test
    void shouldLowerTheCompilersAndHousekeepingButNotTheEventLoopsOrWhatTheyWaitFor() {
        for (String yields : List.of("C1 CompilerThre", "C2 CompilerThre", "Sweeper thread", "Native Heap Tri",
                "sluice-telemetr", "sluice-sealer", "sluice-journal-", "sluice-config", "sluice-admin",
                "sluice-trace-ex", "sluice-eval-jud")) {
            assertThat(BackgroundThreads.yieldsToEventLoops(yields)).as(yields).isTrue();
        }
        for (String keeps : List.of("sluice-io-1-1", "sluice-io-12-3", "sluice-mock-1-1", "sluice-journal",
                "sluice-memory-g", "sluice-shutdown", "VM Thread", "GC Thread#0", "lettuce-epollEv", "main",
                "java")) {
            assertThat(BackgroundThreads.yieldsToEventLoops(keeps)).as(keeps).isFalse();
        }
    }

    @Test
    void shouldReadTheNiceValueAfterANameWithSpacesAndParentheses() {
        String stat = "4242 (C2 (Compi) r) S 1 4200 4200 0 -1 4194624 15 0 0 0 120 7 0 0 39 19 1 0 900 "
                + "2000000 300 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 -1 1 0 0 0 0 0";
        assertThat(BackgroundThreads.niceOf(stat)).isEqualTo(19);
        assertThat(BackgroundThreads.niceOf(stat.replace(" 39 19 ", " 20 0 "))).isZero();
    }

    @Test
    void shouldLowerEachMatchingThreadOnceAndNeverRaiseOne() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "Linux only");
        BackgroundThreads.LibC libc = BackgroundThreads.libc();
        assertThat(libc).as("the C library's setpriority binding").isNotNull();
        // Threads start at the nice value of the thread that starts them (this one's, which a build run under
        // `nice` raises).
        int base = BackgroundThreads.niceOf(Files.readString(Path.of("/proc/thread-self/stat"),
                StandardCharsets.UTF_8));
        assumeTrue(base <= 12, "room to lower threads below this one's nice value " + base);
        start("bg-test-yield");
        start("bg-test-keep");
        start("bg-test-lower");
        Set<String> ours = Set.of("bg-test-yield", "bg-test-lower");

        BackgroundThreads lower = new BackgroundThreads(base + 3, ours::contains, libc);
        BackgroundThreads lowest = new BackgroundThreads(base + 6, "bg-test-lower"::equals, libc);
        assertThat(lowest.lowerNew()).isEqualTo(1);
        assertThat(lower.lowerNew()).as("bg-test-lower is already lower").isEqualTo(1);
        assertThat(lower.lowerNew()).as("nothing new").isZero();

        assertThat(niceOf("bg-test-yield")).isEqualTo(base + 3);
        assertThat(niceOf("bg-test-lower")).as("not raised back").isEqualTo(base + 6);
        assertThat(niceOf("bg-test-keep")).isEqualTo(base);
        assertThat(BackgroundThreads.of(0).lowerNew()).as("0 turns it off").isZero();
    }

    private void start(String name) throws InterruptedException {
        CountDownLatch running = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            running.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, name);
        t.setDaemon(true);
        t.start();
        started.add(t);
        running.await();
    }

    /** The nice value of this JVM's one thread named {@code name}, as the kernel reports it. */
    private static int niceOf(String name) throws IOException {
        Integer found = null;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                if (Files.readString(task.resolve("comm"), StandardCharsets.UTF_8).strip().equals(name)) {
                    assertThat(found).as("one thread named " + name).isNull();
                    found = BackgroundThreads.niceOf(Files.readString(task.resolve("stat"), StandardCharsets.UTF_8));
                }
            }
        }
        assertThat(found).as("a thread named " + name).isNotNull();
        return found;
    }
}
