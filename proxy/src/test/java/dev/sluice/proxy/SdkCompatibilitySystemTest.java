package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import dev.sluice.codec.Endpoint;
import dev.sluice.journal.EndRecord;
import dev.sluice.journal.JournalEntry;
import dev.sluice.journal.JournalReader;
import dev.sluice.journal.RequestIds;
import dev.sluice.journal.RequestRecord;
import dev.sluice.mock.MockRecord;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The official OpenAI and Anthropic Node SDKs ({@code src/test/node/sdk-check.mjs}, versions pinned in its
 * {@code package.json}) against a real gateway on the shipped configuration, with only the base URL and the key
 * changed. Checks the SDKs' view (the script's own assertions), the journal (every request recorded with its
 * outcome and usage) and the provider's view (the client key never goes upstream), over plain HTTP and over TLS.
 * Needs {@code node} and {@code npm} on the PATH; installs the SDKs with {@code npm ci} when {@code node_modules} is
 * missing.
 */
class SdkCompatibilitySystemTest {
    private static final Path NODE_DIR = Path.of("src/test/node");
    /** The mock directive in the script's prompts asks for this many content tokens. */
    private static final int DIRECTIVE_TOKENS = 7;
    private static final long NPM_CI_TIMEOUT_S = 120;
    private static final long SDK_CHECK_TIMEOUT_S = 90;
    private static final Pattern OK_LINE = Pattern.compile("^ok (\\S+)((?: req_[0-9a-f]{16})*)$");

    /** Every check of sdk-check.mjs, in its order; each must report "ok". */
    private static final List<String> CHECKS = List.of(
            "chat.create", "chat.stream", "chat.stream.include_usage", "chat.stream.helper",
            "embeddings.create", "models.list",
            "responses.create", "responses.stream.raw", "responses.stream.helper",
            "messages.create", "messages.stream.helper", "messages.stream.raw",
            "translate.openai_to_anthropic.create", "translate.openai_to_anthropic.tools",
            "translate.openai_to_anthropic.stream", "translate.openai_to_anthropic.stream.tools",
            "translate.anthropic_to_openai.create", "translate.anthropic_to_openai.tools",
            "translate.anthropic_to_openai.stream", "translate.anthropic_to_openai.stream.tools",
            "errors.openai.wrong_key", "errors.anthropic.wrong_key",
            "errors.openai.model_not_allowed", "errors.anthropic.model_not_allowed",
            "errors.openai.unknown_model", "errors.anthropic.unknown_model",
            "agents.openai.create", "agents.openai.stream", "agents.anthropic.create", "agents.anthropic.stream");

    private TestGateway gateway;
    private Process process;
    /** The certificate of the TLS run, or null. */
    private Path certDir;

    @AfterEach
    void tearDown() {
        try {
            if (process != null) {
                ChildProcesses.stop(process, ChildProcesses.GRACE_MS);
            }
        } finally {
            try {
                if (gateway != null) {
                    gateway.close();
                }
            } finally {
                if (certDir != null) {
                    TempDirs.deleteRecursively(certDir);
                }
            }
        }
    }

    /**
     * Plain HTTP, and HTTPS on {@code server.tls} with a certificate the test makes, which Node trusts the way an
     * application trusts an organisation's own certificate authority ({@code NODE_EXTRA_CA_CERTS}).
     */
    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    @Timeout(180)
    void shouldServeOfficialSdksWithOnlyBaseUrlAndKeyChanged(boolean tls) throws Exception {
        requireTool("node");
        requireTool("npm");
        if (!Files.isDirectory(NODE_DIR.resolve("node_modules"))) {
            Run ci = run(List.of("npm", "ci", "--no-audit", "--no-fund"), Map.of(), NPM_CI_TIMEOUT_S);
            assertThat(ci.exitCode()).as("npm ci in %s:%n%s", NODE_DIR.toAbsolutePath(), ci.output()).isZero();
        }
        Map<String, String> env = new HashMap<>();
        if (tls) {
            certDir = Files.createTempDirectory("sluice-sdk-tls");
            Path cert = certDir.resolve("cert.pem");
            Path key = certDir.resolve("key.pem");
            TestCertificate.create(certDir, "sluice-sdk").writeTo(cert, key);
            gateway = TestGateway.startWith(TestGateway.shippedConfigWithServer(
                    "tls: {cert_file: '" + cert + "', key_file: '" + key + "'}"));
            assertThat(gateway.baseUrl()).startsWith("https://");
            env.put("NODE_EXTRA_CA_CERTS", cert.toString());
        } else {
            gateway = TestGateway.start();
        }
        env.put("SLUICE_URL", gateway.baseUrl());
        env.put("SLUICE_KEY", TestGateway.DEMO_KEY);

        Run check = run(List.of("node", "sdk-check.mjs"), env, SDK_CHECK_TIMEOUT_S);

        assertThat(check.exitCode()).as("node sdk-check.mjs exit code; output:%n%s", check.output()).isZero();
        Map<String, List<Long>> ids = okChecks(check.output());
        assertThat(ids.keySet()).as("checks reported ok; output:%n%s", check.output())
                .containsExactlyElementsOf(CHECKS);
        assertThat(check.output()).contains(CHECKS.size() + " passed, 0 failed");

        Map<Long, JournalEntry> journal = awaitJournal(ids);
        assertJournal(ids, journal);
        assertUpstream(gateway.upstreamRecords());
    }

    /** The journal entries of every request id the script reported, once each has its end record. */
    private Map<Long, JournalEntry> awaitJournal(Map<String, List<Long>> ids) {
        List<Long> wanted = new ArrayList<>();
        ids.values().forEach(wanted::addAll);
        Map<Long, JournalEntry> byId = new HashMap<>();
        try (JournalReader reader = JournalReader.open(gateway.gateway().journalDir())) {
            // The END record is appended as the answer completes, so it may land just after the client saw it.
            await().atMost(Duration.ofSeconds(60)).pollInSameThread().pollInterval(Duration.ofMillis(50))
                    .untilAsserted(() -> {
                        byId.clear();
                        for (JournalEntry e : reader.last(10_000, 0)) {
                            byId.put(e.requestId(), e);
                        }
                        for (long id : wanted) {
                            assertThat(byId.get(id)).as("journal entry of %s", RequestIds.format(id)).isNotNull();
                            assertThat(byId.get(id).end()).as("end record of %s", RequestIds.format(id)).isNotNull();
                        }
                    });
        }
        return byId;
    }

    private static void assertJournal(Map<String, List<Long>> ids, Map<Long, JournalEntry> journal) {
        assertServed(journal, one(ids, "chat.create"), Endpoint.CHAT_COMPLETIONS, "demo", false, DIRECTIVE_TOKENS);
        assertServed(journal, one(ids, "chat.stream"), Endpoint.CHAT_COMPLETIONS, "demo", true, DIRECTIVE_TOKENS);
        assertServed(journal, one(ids, "chat.stream.include_usage"), Endpoint.CHAT_COMPLETIONS, "demo", true,
                DIRECTIVE_TOKENS);
        assertServed(journal, one(ids, "embeddings.create"), Endpoint.EMBEDDINGS, "demo-embed", false, -1);
        assertServed(journal, one(ids, "responses.create"), Endpoint.RESPONSES, "demo", false, DIRECTIVE_TOKENS);
        assertServed(journal, one(ids, "responses.stream.raw"), Endpoint.RESPONSES, "demo", true, DIRECTIVE_TOKENS);
        assertServed(journal, one(ids, "messages.create"), Endpoint.MESSAGES, "demo-claude", false,
                DIRECTIVE_TOKENS);
        assertServed(journal, one(ids, "messages.stream.helper"), Endpoint.MESSAGES, "demo-claude", true,
                DIRECTIVE_TOKENS);
        assertServed(journal, one(ids, "messages.stream.raw"), Endpoint.MESSAGES, "demo-claude", true,
                DIRECTIVE_TOKENS);
        // Translated both ways: usage from the provider's own dialect lands in the journal all the same.
        assertServed(journal, one(ids, "translate.openai_to_anthropic.create"), Endpoint.CHAT_COMPLETIONS,
                "demo-claude", false, DIRECTIVE_TOKENS);
        assertServed(journal, one(ids, "translate.openai_to_anthropic.stream"), Endpoint.CHAT_COMPLETIONS,
                "demo-claude", true, DIRECTIVE_TOKENS);
        assertServed(journal, one(ids, "translate.anthropic_to_openai.create"), Endpoint.MESSAGES, "demo", false,
                DIRECTIVE_TOKENS);
        assertServed(journal, one(ids, "translate.anthropic_to_openai.stream"), Endpoint.MESSAGES, "demo", true,
                DIRECTIVE_TOKENS);

        JournalEntry models = journal.get(one(ids, "models.list"));
        assertThat(models.request().endpoint()).isEqualTo(Endpoint.MODELS.id());
        assertThat(models.outcome()).isEqualTo("ok");
        assertThat(models.end().status()).isEqualTo(200);

        assertRejected(journal, one(ids, "errors.openai.wrong_key"), Endpoint.CHAT_COMPLETIONS, 401, null, null);
        assertRejected(journal, one(ids, "errors.anthropic.wrong_key"), Endpoint.MESSAGES, 401, null, null);
        assertRejected(journal, one(ids, "errors.openai.model_not_allowed"), Endpoint.CHAT_COMPLETIONS, 403,
                "demo", "gpt-4o");
        assertRejected(journal, one(ids, "errors.anthropic.model_not_allowed"), Endpoint.MESSAGES, 403, "demo",
                "gpt-4o");
        assertRejected(journal, one(ids, "errors.openai.unknown_model"), Endpoint.CHAT_COMPLETIONS, 404, "demo",
                "no-such-model");
        assertRejected(journal, one(ids, "errors.anthropic.unknown_model"), Endpoint.MESSAGES, 404, "demo",
                "no-such-model");

        // The helper checks report no id: count the served requests instead (one per check of the script, two for
        // translate.openai_to_anthropic.stream), the translated ones included.
        // The agents' calls: the demo agent through each SDK, streamed and not; the journal names agent and version.
        for (String check : List.of("agents.openai.create", "agents.openai.stream", "agents.anthropic.create",
                "agents.anthropic.stream")) {
            JournalEntry e = journal.get(one(ids, check));
            assertThat(e.outcome()).as(check).isEqualTo("ok");
            assertThat(e.request().agent()).as(check).isEqualTo("demo-agent");
            assertThat(e.request().agentLabel()).as(check).isEqualTo("production");
            assertThat(e.request().agentVersion()).as(check).matches("[0-9a-f]{12}");
            assertThat(e.end().servedModel()).as(check).isEqualTo("mock-gpt");
        }
        assertThat(count(journal, Endpoint.CHAT_COMPLETIONS, true, "ok")).as("streamed chat requests").isEqualTo(7);
        assertThat(count(journal, Endpoint.CHAT_COMPLETIONS, false, "ok")).as("chat requests").isEqualTo(4);
        assertThat(count(journal, Endpoint.RESPONSES, true, "ok")).as("streamed responses requests").isEqualTo(2);
        assertThat(count(journal, Endpoint.RESPONSES, false, "ok")).as("responses requests").isEqualTo(1);
        assertThat(count(journal, Endpoint.MESSAGES, true, "ok")).as("streamed messages requests").isEqualTo(5);
        assertThat(count(journal, Endpoint.MESSAGES, false, "ok")).as("messages requests").isEqualTo(4);
        for (JournalEntry e : journal.values()) {
            byte endpoint = e.request().endpoint();
            boolean generates = endpoint == Endpoint.CHAT_COMPLETIONS.id() || endpoint == Endpoint.RESPONSES.id()
                    || endpoint == Endpoint.MESSAGES.id();
            if (generates && e.outcome().equals("ok")) {
                assertThat(e.end().tokensOut()).as("tokens_out of %s", e).isPositive();
            }
        }
    }

    /** A request served by the mock: outcome ok, status 200, the demo key's attribution and exact usage. */
    private static void assertServed(Map<Long, JournalEntry> journal, long id, Endpoint endpoint, String model,
                                     boolean stream, int tokensOut) {
        JournalEntry e = journal.get(id);
        RequestRecord req = e.request();
        EndRecord end = e.end();
        String what = RequestIds.format(id) + " (" + endpoint.wireName() + ", " + model + ")";
        assertThat(req.endpoint()).as("endpoint of %s", what).isEqualTo(endpoint.id());
        assertThat(req.requestedModel()).as("requested model of %s", what).isEqualTo(model);
        assertThat(req.stream()).as("stream flag of %s", what).isEqualTo(stream);
        assertThat(req.keyId()).as("key id of %s", what).isEqualTo("demo");
        assertThat(req.team()).as("team of %s", what).isEqualTo("demo");
        assertThat(e.outcome()).as("outcome of %s", what).isEqualTo("ok");
        assertThat(end.status()).as("status of %s", what).isEqualTo(200);
        assertThat(end.truncated()).as("truncated flag of %s", what).isFalse();
        assertThat(end.deployment()).as("deployment of %s", what).isEqualTo(switch (model) {
            case "demo" -> "mock/mock-gpt";
            case "demo-claude" -> "mock-anthropic/mock-claude";
            default -> "mock/mock-embed";
        });
        assertThat(end.tokensIn()).as("tokens_in of %s", what).isPositive();
        assertThat(end.tokensEstimated()).as("usage of %s is the provider's, not an estimate", what).isFalse();
        if (tokensOut >= 0) {
            assertThat(end.tokensOut()).as("tokens_out of %s", what).isEqualTo(tokensOut);
        }
    }

    /** A request the gateway refused itself: journalled with outcome rejected and the status the SDK saw. */
    private static void assertRejected(Map<Long, JournalEntry> journal, long id, Endpoint endpoint, int status,
                                       String keyId, String model) {
        JournalEntry e = journal.get(id);
        String what = RequestIds.format(id) + " (" + endpoint.wireName() + ", " + status + ")";
        assertThat(e.request().endpoint()).as("endpoint of %s", what).isEqualTo(endpoint.id());
        assertThat(e.request().keyId()).as("key id of %s", what).isEqualTo(keyId);
        assertThat(e.request().requestedModel()).as("requested model of %s", what).isEqualTo(model);
        assertThat(e.outcome()).as("outcome of %s", what).isEqualTo("rejected");
        assertThat(e.end().status()).as("status of %s", what).isEqualTo(status);
    }

    /** What the provider received: exactly the served requests, and never the client's key. */
    private static void assertUpstream(List<MockRecord> records) {
        assertThat(records).as("requests the mock provider received").isNotEmpty();
        Map<String, Integer> byPath = new HashMap<>();
        for (MockRecord r : records) {
            byPath.merge(r.path(), 1, Integer::sum);
            for (Map.Entry<String, String> h : r.headers().entrySet()) {
                assertThat(h.getValue()).as("upstream header %s of %s", h.getKey(), r)
                        .doesNotContain(TestGateway.DEMO_KEY);
            }
            String body = new String(r.body(), StandardCharsets.UTF_8);
            assertThat(body).as("upstream body of %s", r).doesNotContain(TestGateway.DEMO_KEY)
                    .doesNotContain("gpt-4o").doesNotContain("no-such-model");
            assertThat(r.status()).as("mock status of %s", r).isEqualTo(200);
            if (r.path().equals("/v1/embeddings")) {
                // The SDK asks for base64 by default and decodes it; the gateway must pass the choice through.
                assertThat(body).as("embeddings body").contains("\"encoding_format\":\"base64\"");
            }
        }
        // Translated requests arrive in the provider's dialect: 4 Anthropic-format ones as chat completions, 5
        // OpenAI-format ones as messages; the demo agent's 4 calls, on the OpenAI mock, as chat completions, each
        // with the rendered prompt and the context file, and never the variables.
        int agentCalls = 0;
        for (MockRecord r : records) {
            String body = new String(r.body(), StandardCharsets.UTF_8);
            if (body.contains("You are the support desk of Sluice")) {
                agentCalls++;
                assertThat(body).contains("You are talking to Ada.").contains("# Sluice, in brief")
                        .doesNotContain("\"variables\"");
            }
        }
        System.out.printf("SDK agents: %d calls of agent/demo-agent (OpenAI and Anthropic SDKs, create and stream) "
                + "reached the mock with the rendered prompt (\"You are talking to Ada.\") and the context file, "
                + "none with \"variables\"%n", agentCalls);
        assertThat(agentCalls).isEqualTo(4);
        assertThat(byPath).containsOnly(Map.entry("/v1/chat/completions", 12), Map.entry("/v1/embeddings", 1),
                Map.entry("/v1/responses", 3), Map.entry("/v1/messages", 8));
    }

    private static long one(Map<String, List<Long>> ids, String check) {
        List<Long> list = ids.get(check);
        assertThat(list).as("request ids reported by %s", check).hasSize(1);
        return list.get(0);
    }

    private static long count(Map<Long, JournalEntry> journal, Endpoint endpoint, boolean stream, String outcome) {
        return journal.values().stream().filter(e -> e.request().endpoint() == endpoint.id()
                && e.request().stream() == stream && e.outcome().equals(outcome)).count();
    }

    /** Parses "ok name [req_... ...]" lines into check name -> request ids, in output order. */
    private static Map<String, List<Long>> okChecks(String output) {
        Map<String, List<Long>> out = new LinkedHashMap<>();
        for (String line : output.split("\\R")) {
            Matcher m = OK_LINE.matcher(line);
            if (m.matches()) {
                List<Long> ids = new ArrayList<>();
                for (String id : m.group(2).trim().split(" ")) {
                    if (!id.isEmpty()) {
                        ids.add(RequestIds.parse(id));
                    }
                }
                out.put(m.group(1), ids);
            }
        }
        return out;
    }

    private static void requireTool(String tool) {
        try {
            Process p = new ProcessBuilder(tool, "--version").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                ChildProcesses.kill(p);
                fail(tool + " --version did not finish in 30 s");
            }
            if (p.exitValue() != 0) {
                fail(tool + " --version exited with " + p.exitValue());
            }
        } catch (IOException e) {
            fail(tool + " is needed by SdkCompatibilitySystemTest (it runs the official OpenAI and Anthropic Node "
                    + "SDKs) and was not found on the PATH: install Node.js 20+ with npm (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted while checking for " + tool);
        }
    }

    /** Runs a command in the Node project directory, output and errors to a file, within a time limit. */
    private Run run(List<String> command, Map<String, String> env, long timeoutS) throws Exception {
        Path log = Files.createTempFile("sluice-sdk-", ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(NODE_DIR.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            // Only the base URL and the key come from the test; no provider settings leak in from the shell.
            pb.environment().keySet().removeIf(k -> k.startsWith("OPENAI_") || k.startsWith("ANTHROPIC_"));
            // Certificates are checked as in production: none trusted beyond the test's own, checks not turned off.
            pb.environment().keySet().removeIf(k -> k.equals("NODE_EXTRA_CA_CERTS")
                    || k.equals("NODE_TLS_REJECT_UNAUTHORIZED"));
            pb.environment().putAll(env);
            process = pb.start();
            boolean finished = process.waitFor(timeoutS, TimeUnit.SECONDS);
            if (!finished) {
                // npm and node start processes of their own: stop the whole tree.
                ChildProcesses.stop(process, ChildProcesses.GRACE_MS);
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            if (!finished) {
                fail(String.join(" ", command) + " did not finish in " + timeoutS + " s; output:\n" + output);
            }
            return new Run(process.exitValue(), output);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** A finished command: its exit code and its combined output. */
    private record Run(int exitCode, String output) {
    }
}
