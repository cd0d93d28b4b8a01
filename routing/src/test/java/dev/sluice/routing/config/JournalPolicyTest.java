package dev.sluice.routing.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The {@code journal:} section: capture per team, key and alias, redaction patterns, signing key, retention. */
class JournalPolicyTest {
    private static final String HASH = KeyDigester.sha256Hex("sk-journal-policy-test");

    private static String config(String journal, String teamCapture, String keyCapture, String aliasCapture) {
        return "providers:\n  mock: {kind: openai, base_url: mock}\n"
                + "models:\n  open: {provider: mock, model: m}\n"
                + "  audited: {provider: mock, model: m" + (aliasCapture == null ? "" : ", capture: " + aliasCapture)
                + "}\n"
                + "teams:\n  red: {" + (teamCapture == null ? "" : "capture: " + teamCapture) + "}\n  blue: {}\n"
                + "keys:\n"
                + "  - {id: red-key, hash: \"sha256:" + HASH + "\", team: red"
                + (keyCapture == null ? "" : ", capture: " + keyCapture) + "}\n"
                + journal;
    }

    private static JournalPolicy policy(String yaml) throws ConfigException {
        return ConfigLoader.parse("t.yaml", yaml, Map.of()).journal();
    }

    @Test
    void shouldDefaultToMetadataWithRedactionAndTheKeyBesideTheJournal() throws Exception {
        JournalPolicy p = policy(config("", null, null, null));
        assertThat(p.capture()).isEqualTo(CaptureLevel.METADATA);
        assertThat(p.redact()).isTrue();
        assertThat(p.redactor().isEnabled()).isTrue();
        assertThat(p.maxCaptureBytes()).isEqualTo(JournalPolicy.DEFAULT_MAX_CAPTURE_BYTES);
        assertThat(p.signingKeyFile(Path.of("data"))).isEqualTo(Path.of("data", "journal-signing.key"));
        assertThat(p.bodyRetentionDays()).isEqualTo(30);
        assertThat(p.recordRetentionDays()).isEqualTo(400);
    }

    @Test
    void shouldLetTheMostSpecificWinButNeverLoosenATeamsSetting() throws Exception {
        String global = "journal: {capture: full}\n";
        assertThat(policy(config(global, null, null, null)).captureFor("red-key", "red", "open"))
                .isEqualTo(CaptureLevel.FULL);
        // A team's stricter setting holds for its keys and for aliases...
        JournalPolicy strictTeam = policy(config(global, "metadata", "full", "full"));
        assertThat(strictTeam.captureFor("red-key", "red", "open")).isEqualTo(CaptureLevel.METADATA);
        assertThat(strictTeam.captureFor("red-key", "red", "audited")).isEqualTo(CaptureLevel.METADATA);
        assertThat(strictTeam.captureFor("blue-key", "blue", "audited")).isEqualTo(CaptureLevel.FULL);
        // ...while a key or an alias may be stricter than its team.
        JournalPolicy strictKey = policy(config(global, "full", "off", null));
        assertThat(strictKey.captureFor("red-key", "red", "open")).isEqualTo(CaptureLevel.OFF);
        JournalPolicy strictAlias = policy(config(global, null, "full", "off"));
        assertThat(strictAlias.captureFor("red-key", "red", "audited")).isEqualTo(CaptureLevel.OFF);
        assertThat(strictAlias.captureFor("red-key", "red", "open")).isEqualTo(CaptureLevel.FULL);
        // An agent's setting is the most specific, under its team's ceiling.
        assertThat(strictAlias.captureFor("red-key", "red", "audited", CaptureLevel.METADATA))
                .isEqualTo(CaptureLevel.METADATA);
        assertThat(strictAlias.captureFor("red-key", "red", "open", CaptureLevel.OFF)).isEqualTo(CaptureLevel.OFF);
        assertThat(strictTeam.captureFor("red-key", "red", "open", CaptureLevel.FULL))
                .isEqualTo(CaptureLevel.METADATA);
        // Before routing (no alias) and without a key: the team's, else the global setting.
        assertThat(strictTeam.captureFor(null, null, null)).isEqualTo(CaptureLevel.FULL);
    }

    @Test
    void shouldReadPatternsRetentionAndKeyFile() throws Exception {
        JournalPolicy p = policy(config("journal:\n  capture: off\n  max_capture_bytes: 4096\n"
                + "  signing_key_file: /etc/sluice/k.key\n"
                + "  redaction: {enabled: true, patterns: {employee_id: \"EMP-[0-9]{6}\"}}\n"
                + "  retention: {bodies: 7d, records: 90}\n", null, null, null));
        assertThat(p.capture()).isEqualTo(CaptureLevel.OFF);
        assertThat(p.maxCaptureBytes()).isEqualTo(4096);
        assertThat(p.signingKeyFile(Path.of("data"))).isEqualTo(Path.of("/etc/sluice/k.key"));
        assertThat(p.redactionPatterns()).containsEntry("employee_id", "EMP-[0-9]{6}");
        assertThat(p.bodyRetentionDays()).isEqualTo(7);
        assertThat(p.recordRetentionDays()).isEqualTo(90);
    }

    @Test
    void shouldNameTheFieldOfEveryBadValue() {
        assertThatThrownBy(() -> policy(config("journal: {capture: everything}\n", null, null, null)))
                .hasMessageContaining("journal.capture: 'everything' (expected: off, metadata or full)");
        assertThatThrownBy(() -> policy(config("", "verbose", null, null)))
                .hasMessageContaining("teams.red.capture: 'verbose'");
        assertThatThrownBy(() -> policy(config("", null, null, "all")))
                .hasMessageContaining("models.audited.capture: 'all'");
        assertThatThrownBy(() -> policy(config("journal: {redaction: {patterns: {bad: \"[unclosed\"}}}\n", null, null,
                null))).hasMessageContaining("journal.redaction.patterns.bad: not a regular expression");
        assertThatThrownBy(() -> policy(config("journal: {redaction: {patterns: {empty: \"x*\"}}}\n", null, null,
                null))).hasMessageContaining("journal.redaction.patterns");
        assertThatThrownBy(() -> policy(config("journal: {retention: {bodies: 30d, records: 7d}}\n", null, null,
                null))).hasMessageContaining("journal.retention.records: 7d (expected: at least retention.bodies");
        assertThatThrownBy(() -> policy(config("journal: {cature: full}\n", null, null, null)))
                .hasMessageContaining("journal.cature: unknown setting");
    }
}
