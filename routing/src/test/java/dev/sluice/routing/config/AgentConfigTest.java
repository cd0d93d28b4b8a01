package dev.sluice.routing.config;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.routing.agents.AgentCatalog;
import dev.sluice.routing.agents.AgentTemplate;
import dev.sluice.routing.agents.AgentVersion;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;

/**
 * Agents as the configuration reads them ({@code agents/} beside the file) and as the version store keeps them:
 * versions are content hashes of every file; each mistake in an agent's files is named with its file; grants of
 * unknown agents are warnings; the store keeps versions immutably, starts production at the first version, moves
 * labels with their history, and does not serve a stored version whose files were altered.
 */
class AgentConfigTest {
    private static final String CONFIG = "server: {host: 127.0.0.1, port: 8080, admin_port: 8081}\n"
            + "mock_provider: {enabled: true}\n"
            + "providers:\n  mock: {kind: openai, base_url: mock}\n"
            + "models:\n  m: {provider: mock, model: mock-gpt}\n"
            + "keys:\n  - {id: k, hash: \"sha256:" + "ab".repeat(32) + "\", team: t, agents: [helper, gone]}\n";

    @TempDir
    Path dir;

    private GatewayConfig load() throws Exception {
        Path conf = dir.resolve("sluice.yaml");
        Files.writeString(conf, CONFIG);
        return ConfigLoader.load(conf, Map.of());
    }

    private Path agent(String name, String settings, String prompt) throws IOException {
        Path a = Files.createDirectories(dir.resolve("agents").resolve(name));
        Files.writeString(a.resolve("agent.yaml"), settings);
        Files.writeString(a.resolve("prompt.md"), prompt);
        return a;
    }

    @Test
    void aVersionIsTheHashOfEveryFileAndChangesWithAnyOfThem() throws Exception {
        Path a = agent("helper", "owners: [ann]\nmodel: m\ncontext:\n  faq.md: {owner: ann}\n", "Hi {{who}}.\n");
        Files.createDirectories(a.resolve("context"));
        Files.writeString(a.resolve("context/faq.md"), "facts\n");
        Files.writeString(a.resolve("context/.faq.md.swp"), "an editor's file is not context");
        GatewayConfig c1 = load();
        String v1 = c1.agentFiles().get("helper").version();
        assertThat(v1).matches(AgentVersion.VERSION);
        assertThat(load().agentFiles().get("helper").version()).isEqualTo(v1);
        assertThat(c1.agentFiles().get("helper").template().variables()).containsExactly("who");
        assertThat(c1.agentWarnings()).singleElement().asString().contains("'gone' is not an agent");

        Files.writeString(a.resolve("context/faq.md"), "facts, amended\n");
        String v2 = load().agentFiles().get("helper").version();
        Files.writeString(a.resolve("prompt.md"), "Hello {{who}}.\n");
        String v3 = load().agentFiles().get("helper").version();
        Files.writeString(a.resolve("agent.yaml"), "owners: [ann, bo]\nmodel: m\ncontext:\n  faq.md: {owner: ann}\n");
        GatewayConfig c4 = load();
        String v4 = c4.agentFiles().get("helper").version();
        assertThat(Set.of(v1, v2, v3, v4)).hasSize(4);
        assertThat(c4.version()).as("an agent's edit is a new configuration version, which a reload applies")
                .isNotEqualTo(c1.version());
        assertThat(c4.agentFiles().get("helper").systemText(Map.of("who", "Ada")))
                .isEqualTo("Hello Ada.\n\n<context file=\"faq.md\">\nfacts, amended\n</context>");
        assertThatThrownBy(() -> c4.agentFiles().get("helper").systemText(Map.of())).hasMessage("who");
        // Names reach the variables only: no method or field of a value, no section over a value's members.
        assertThat(AgentTemplate.compile("t", "[{{who}}|{{who.class}}|{{who.bytes}}|{{#who.empty}}x{{/who.empty}}]")
                .render(Map.of("who", "Ada"))).isEqualTo("[Ada|||]");
    }

    @Test
    void ownersTokensAreTheirOwnAndNamedInEachMistake() throws Exception {
        Path conf = dir.resolve("sluice.yaml");
        Files.writeString(conf, CONFIG + "admin: {token: t0, owners: {ann: {token: t1}, bo: {token_hash: \"sha256:"
                + "cd".repeat(32) + "\"}}}\n");
        GatewayConfig c = ConfigLoader.load(conf, Map.of());
        assertThat(c.ownerTokensDeclared()).isTrue();
        assertThat(c.ownerForAdminToken(MessageDigest.getInstance("SHA-256").digest("t1".getBytes(UTF_8))))
                .isEqualTo("ann");
        assertThat(c.ownerForAdminToken(HexFormat.of().parseHex("cd".repeat(32)))).isEqualTo("bo");
        assertThat(c.ownerForAdminToken(MessageDigest.getInstance("SHA-256").digest("t0".getBytes(UTF_8))))
                .as("the admin token is no owner's").isNull();
        Files.writeString(conf, CONFIG + "admin: {owners: {ann: {}}}\n");
        assertThatThrownBy(() -> ConfigLoader.load(conf, Map.of())).hasMessageContaining("admin.owners.ann")
                .hasMessageContaining("missing token");
        Files.writeString(conf, CONFIG + "admin: {owners: {ann: {token: same}, bo: {token: same}}}\n");
        assertThatThrownBy(() -> ConfigLoader.load(conf, Map.of())).hasMessageContaining("admin.owners.bo")
                .hasMessageContaining("each owner needs their own");
        Files.writeString(conf, CONFIG + "admin: {owners: {ann: {pasword: x}}}\n");
        assertThatThrownBy(() -> ConfigLoader.load(conf, Map.of())).hasMessageContaining("pasword");
    }

    @Test
    void eachMistakeIsNamedWithItsFile() throws Exception {
        Path a = agent("helper", "model: m\n", "x");
        assertThatThrownBy(this::load).hasMessageContaining("agent.yaml").hasMessageContaining("owners");
        Files.writeString(a.resolve("agent.yaml"), "owners: [ann]\nmodel: nope\n");
        assertThatThrownBy(this::load).hasMessageContaining("'nope' is not a model alias");
        Files.writeString(a.resolve("agent.yaml"), "owners: [ann]\nmodel: m\ntemprature: 1\n");
        assertThatThrownBy(this::load).hasMessageContaining("temprature").hasMessageContaining("unknown setting");
        Files.writeString(a.resolve("agent.yaml"), "owners: [ann]\nmodel: m\nparameters: {temperature: 9}\n");
        assertThatThrownBy(this::load).hasMessageContaining("parameters.temperature");
        Files.writeString(a.resolve("agent.yaml"), "owners: [ann]\nmodel: m\ncapture: everything\n");
        assertThatThrownBy(this::load).hasMessageContaining("capture").hasMessageContaining("off, metadata or full");
        // YAML 1.1 reads a bare off as false: it still means off.
        Files.writeString(a.resolve("agent.yaml"), "owners: [ann]\nmodel: m\ncapture: off\n");
        assertThat(load().agentFiles().get("helper").settings().capture()).isEqualTo(CaptureLevel.OFF);
        Files.writeString(a.resolve("agent.yaml"), "owners: [ann]\nmodel: m\nshadow: {target: nope, sample: 0.5, "
                + "budget: {hard: 1.00}}\n");
        assertThatThrownBy(this::load).hasMessageContaining("shadow.target").hasMessageContaining("'nope'");
        Files.writeString(a.resolve("agent.yaml"), "owners: [ann]\nmodel: m\nshadow: {target: m, sample: 0.5}\n");
        assertThatThrownBy(this::load).hasMessageContaining("shadow.budget").hasMessageContaining("hard cap");
        Files.writeString(a.resolve("agent.yaml"), "owners: [ann]\nmodel: m\nshadow: {target: m, sample: 0.5, "
                + "budget: {hard: 1.00}}\n");
        Shadow sh = load().agentFiles().get("helper").settings().shadow();
        assertThat(sh.source()).isEqualTo("agent/helper");
        assertThat(sh.target()).isEqualTo("m");
        Files.writeString(a.resolve("agent.yaml"), "owners: [ann]\nmodel: m\n");
        Files.createDirectories(a.resolve("context"));
        Files.writeString(a.resolve("context/faq.md"), "facts");
        assertThatThrownBy(this::load).hasMessageContaining("no owner for context/faq.md");
        Files.delete(a.resolve("context/faq.md"));
        Files.writeString(a.resolve("agent.yaml"), "owners: [ann]\nmodel: m\ncontext:\n  gone.md: {owner: ann}\n");
        assertThatThrownBy(this::load).hasMessageContaining("gone.md");
        Files.writeString(a.resolve("agent.yaml"), "owners: [ann]\nmodel: m\n");
        Files.writeString(a.resolve("prompt.md"), "{{> /etc/passwd}}");
        assertThatThrownBy(this::load).hasMessageContaining("prompt.md").hasMessageContaining("partials");
        Files.write(a.resolve("prompt.md"), new byte[] {(byte) 0xC3, (byte) 0x28});
        assertThatThrownBy(this::load).hasMessageContaining("not UTF-8");
        Files.delete(a.resolve("prompt.md"));
        assertThatThrownBy(this::load).hasMessageContaining("prompt.md").hasMessageContaining("missing");
        Files.writeString(a.resolve("prompt.md"), "ok");
        assertThat(load().agentFiles()).containsKey("helper");
        agent("Bad_Name", "owners: [ann]\nmodel: m\n", "x");
        assertThatThrownBy(this::load).hasMessageContaining("'Bad_Name' is not an agent name");
    }

    @Test
    void theStoreKeepsVersionsStartsProductionAndMovesLabelsWithTheirHistory() throws Exception {
        Path a = agent("helper", "owners: [ann]\nmodel: m\n", "one\n");
        Path data = dir.resolve("data");
        AgentStore store = new AgentStore(data);
        GatewayConfig c1 = load();
        String v1 = c1.agentFiles().get("helper").version();
        AgentCatalog cat = store.sync(c1.agentFiles(), 1_000);
        assertThat(cat.agent("helper").labelled(AgentCatalog.PRODUCTION).version()).isEqualTo(v1);
        assertThat(data.resolve("agents/helper/versions").resolve(v1).resolve("prompt.md")).hasContent("one\n");

        Files.writeString(a.resolve("prompt.md"), "two\n");
        GatewayConfig c2 = load();
        String v2 = c2.agentFiles().get("helper").version();
        cat = new AgentStore(data).sync(c2.agentFiles(), 2_000);
        assertThat(cat.agent("helper").labelled(AgentCatalog.PRODUCTION).version()).as("production stays")
                .isEqualTo(v1);
        assertThat(cat.agent("helper").labelled(AgentCatalog.STAGING).version()).isEqualTo(v2);
        assertThat(cat.resolve("helper@" + v1).version().prompt()).isEqualTo("one\n");
        assertThat(cat.resolve("helper@nolabel").version()).isNull();
        assertThat(cat.resolve("nope").agent()).isNull();

        cat = store.move(cat, "helper", AgentCatalog.PRODUCTION, v2, "promote", "ann", 3_000);
        assertThat(cat.resolve("helper").version().version()).isEqualTo(v2);
        assertThat(store.history("helper")).extracting(AgentStore.Move::action).containsExactly("initial", "promote");
        AgentStore.Pending p = store.request("helper", "canary", v1, "ann", 4_000);
        assertThat(store.pending("helper")).containsExactly(p);
        assertThat(store.takePending("helper", p.id())).isEqualTo(p);
        assertThat(store.pending("helper")).isEmpty();

        // A stored version altered on disk is not served; the files' own version still is.
        Files.writeString(data.resolve("agents/helper/versions").resolve(v1).resolve("prompt.md"), "tampered\n");
        AgentCatalog fresh = new AgentStore(data).sync(c2.agentFiles(), 5_000);
        assertThat(fresh.agent("helper").versions()).containsOnlyKeys(v2);
        assertThat(fresh.agent("helper").labelled(AgentCatalog.PRODUCTION).version()).isEqualTo(v2);
    }
}
