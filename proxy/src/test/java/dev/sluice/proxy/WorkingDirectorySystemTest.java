package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.journal.JournalEntry;
import dev.sluice.journal.JournalReader;
import dev.sluice.journal.RequestIds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code sluice serve} and the journal verbs mean the same files wherever they are run from: without
 * {@code --config} they use the installation's {@code conf/sluice.yaml} (the launcher names the installation with
 * {@code -Dsluice.home}), and a relative {@code data_dir} is relative to the configuration file, not to the working
 * directory. Each command runs in a child JVM whose working directory is elsewhere.
 */
@Timeout(180)
class WorkingDirectorySystemTest {
    private static final long COMMAND_TIMEOUT_S = 120;

    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private ChildGateway child;
    private final List<Process> commands = new ArrayList<>();

    @AfterEach
    void stop() {
        try {
            if (child != null) {
                child.close();
            }
        } finally {
            commands.forEach(ChildProcesses::kill);
        }
    }

    @Test
    void shouldServeAndReadTheInstallationsJournalFromAnotherDirectory() throws Exception {
        Path install = Files.createDirectories(tmp.resolve("install"));
        copyShippedConfiguration(install.resolve("conf"));
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        String home = "-Dsluice.home=" + install;

        child = ChildGateway.start(builder(elsewhere, List.of(home), "serve", "--port", "0", "--admin-port", "0"));
        assertThat(child.output()).contains("config " + install.resolve("conf/sluice.yaml"));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(child.output()).contains("journal: " + install.resolve("data/journal")));
        String requestId = chat();
        child.close();

        Path journal = install.resolve("data/journal");
        assertThat(requestIds(journal)).contains(RequestIds.parse(requestId));
        assertThat(list(elsewhere)).as("nothing written in the working directory").isEmpty();

        // A reading verb finds the same journal with no --data-dir, from the same other directory.
        JsonNode shown = new ObjectMapper().readTree(run(elsewhere, List.of(home), "journal", "show", requestId,
                "--json"));
        assertThat(shown.get("request_id").asText()).isEqualTo(requestId);
        assertThat(list(elsewhere)).isEmpty();
    }

    @Test
    void shouldKeepARelativeDataDirectoryBesideAConfigurationNamedFromAnotherDirectory() throws Exception {
        Path work = Files.createDirectories(tmp.resolve("work"));
        Path site = Files.createDirectories(work.resolve("site"));
        String shipped = Files.readString(TestGateway.defaultConfig());
        assertThat(shipped).contains("data_dir: ${SLUICE_DATA_DIR:-../data}");
        Files.writeString(site.resolve("gateway.yaml"),
                shipped.replace("data_dir: ${SLUICE_DATA_DIR:-../data}", "data_dir: state"));

        // The configuration is named relative to the working directory, as a command-line path is.
        child = ChildGateway.start(builder(work, List.of(), "serve", "--config", "site/gateway.yaml", "--port", "0",
                "--admin-port", "0"));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(child.output()).contains("journal: " + site.resolve("state/journal")));
        String requestId = chat();
        child.close();

        assertThat(requestIds(site.resolve("state/journal"))).contains(RequestIds.parse(requestId));
        assertThat(list(work)).containsExactly(site);
        assertThat(list(site)).containsExactlyInAnyOrder(site.resolve("gateway.yaml"), site.resolve("state"));
    }

    /** The shipped {@code conf/} directory (configuration and price table), copied to {@code conf}. */
    private static void copyShippedConfiguration(Path conf) throws IOException {
        Path shipped = TestGateway.defaultConfig().getParent();
        Files.createDirectories(conf);
        for (Path f : list(shipped)) {
            Files.copy(f, conf.resolve(f.getFileName().toString()));
        }
    }

    /** The {@code sluice} command line with {@code args}, run in {@code workDir}, with no data directory variable. */
    private static ProcessBuilder builder(Path workDir, List<String> jvmArgs, String... args) {
        List<String> cmd = ChildGateway.sluiceCommand(jvmArgs);
        cmd.addAll(List.of(args));
        ProcessBuilder b = new ProcessBuilder(cmd).directory(workDir.toFile());
        b.environment().remove("SLUICE_DATA_DIR");
        return b;
    }

    /** Runs a command to its end; returns what it printed on stdout, having checked that it exited 0. */
    private String run(Path workDir, List<String> jvmArgs, String... args) throws Exception {
        Path out = tmp.resolve("command-" + commands.size() + ".out");
        Path err = tmp.resolve("command-" + commands.size() + ".err");
        Process p = builder(workDir, jvmArgs, args).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        commands.add(p);
        assertThat(p.waitFor(COMMAND_TIMEOUT_S, TimeUnit.SECONDS)).as("sluice %s ended", String.join(" ", args))
                .isTrue();
        String printed = Files.readString(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("%s%n%s", printed, Files.readString(err, StandardCharsets.UTF_8)).isZero();
        return printed;
    }

    /** Sends one chat request with the demo key; returns its request id, having checked the answer is 200. */
    private String chat() throws Exception {
        HttpResponse<String> r = child.chat(http);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return TestGateway.requestId(r);
    }

    private static List<Long> requestIds(Path journal) {
        assertThat(JournalReader.isJournal(journal)).as("a journal in %s", journal).isTrue();
        try (JournalReader reader = JournalReader.open(journal)) {
            return reader.last(Integer.MAX_VALUE, 0).stream().map(JournalEntry::requestId).toList();
        }
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().toList();
        }
    }
}
