package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.proxy.internal.BackgroundThreads;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code server.background_nice}: {@code sluice serve} runs the JVM's compiler threads and its own housekeeping
 * threads at that nice value, and the event loops at the one they started with, so a core they share goes to an event
 * loop first. Read from the running child's {@code /proc/<pid>/task}.
 */
@Timeout(120)
class BackgroundThreadsSystemTest {
    private ChildGateway child;

    @AfterEach
    void stop() {
        if (child != null) {
            child.close();
        }
    }

    @Test
    void shouldRunCompilersAndHousekeepingAtTheBackgroundNiceAndEventLoopsAsStarted(@TempDir Path dir)
            throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "Linux only");
        int base = startedAt();
        int background = Math.max(base, 10);
        child = ChildGateway.start(TestGateway.defaultConfig(), dir.resolve("data"));
        Map<String, List<Integer>> nice = niceByThread(child.process().pid());

        assertThat(nice.get("C2 CompilerThre")).as("the C2 compiler threads").isNotEmpty().containsOnly(background);
        assertThat(nice.get("C1 CompilerThre")).as("the C1 compiler threads").isNotEmpty().containsOnly(background);
        assertThat(nice.get("sluice-telemetr")).as("metrics and alerts").containsOnly(background);
        assertThat(nice.get("sluice-sealer")).as("the journal's sealer").containsOnly(background);
        assertThat(nice.get("sluice-memory-g")).as("the memory guard").containsOnly(base);
        List<Integer> loops = new ArrayList<>();
        nice.forEach((name, values) -> {
            if (name.startsWith("sluice-io-")) {
                loops.addAll(values);
            }
        });
        assertThat(loops).as("the event loops").isNotEmpty().containsOnly(base);
        System.out.println("background_nice 10 (the gateway started at nice " + base + "): " + nice);
    }

    @Test
    void shouldLeaveEveryThreadAsStartedWithZero(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "Linux only");
        int base = startedAt();
        Path conf = dir.resolve("sluice.yaml");
        Files.writeString(conf, Files.readString(TestGateway.defaultConfig())
                .replaceFirst("\nserver:\n", "\nserver:\n  background_nice: 0\n"));
        assertThat(Files.readString(conf)).contains("  background_nice: 0\n");
        child = ChildGateway.start(conf, dir.resolve("data"));
        // The rescan runs every 10 s: past it, still nothing lowered.
        long pid = child.process().pid();
        await().pollDelay(11, TimeUnit.SECONDS).atMost(30, TimeUnit.SECONDS)
                .until(() -> niceByThread(pid).containsKey("sluice-telemetr"));
        Map<String, List<Integer>> nice = niceByThread(pid);
        assertThat(nice.get("C2 CompilerThre")).isNotEmpty().containsOnly(base);
        assertThat(nice.get("sluice-telemetr")).containsOnly(base);
    }

    /** The nice value the child starts its threads at: this test thread's (raised when the build runs under nice). */
    private static int startedAt() throws IOException {
        return BackgroundThreads.niceOf(Files.readString(Path.of("/proc/thread-self/stat"), StandardCharsets.UTF_8));
    }

    /** Thread name (as the kernel keeps it) to the nice values of the threads of that name. */
    private static Map<String, List<Integer>> niceByThread(long pid) throws IOException {
        Map<String, List<Integer>> out = new TreeMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                try {
                    String comm = Files.readString(task.resolve("comm"), StandardCharsets.UTF_8).strip();
                    int nice = BackgroundThreads.niceOf(Files.readString(task.resolve("stat"), StandardCharsets.UTF_8));
                    out.computeIfAbsent(comm, k -> new ArrayList<>()).add(nice);
                } catch (IOException gone) {
                    // The thread ended between the listing and the read.
                }
            }
        }
        return out;
    }
}
