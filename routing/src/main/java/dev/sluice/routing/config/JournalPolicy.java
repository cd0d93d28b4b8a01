package dev.sluice.routing.config;

import static java.util.Objects.requireNonNull;

import dev.sluice.codec.redact.Redactor;

import java.nio.file.Path;
import java.util.Map;

/**
 * The {@code journal:} settings of a snapshot: what is captured of each request's content, the cap on captured
 * bytes, redaction, the key that signs the journal, and how long bodies and records are kept by compaction.
 * <p>
 * Capture is decided per request: the alias's setting, else the key's, else the team's, else the global one; a
 * team's setting is also a ceiling that neither its keys nor an alias can loosen.
 * <p>
 * Thread-safe (immutable).
 */
public final class JournalPolicy {
    /** Default {@code journal.capture} when the section is absent: metadata only. */
    public static final CaptureLevel DEFAULT_CAPTURE = CaptureLevel.METADATA;
    /** Default {@code journal.max_capture_bytes}: request body and answer together, per request. */
    public static final int DEFAULT_MAX_CAPTURE_BYTES = 1024 * 1024;
    /** Default {@code journal.signing_key_file}, relative to the data directory. */
    public static final String DEFAULT_SIGNING_KEY_FILE = "journal-signing.key";
    /** Default {@code journal.retention.bodies}, in days. */
    public static final int DEFAULT_BODY_RETENTION_DAYS = 30;
    /** Default {@code journal.retention.records}, in days. */
    public static final int DEFAULT_RECORD_RETENTION_DAYS = 400;

    /** Default {@code journal.roll_cycle}: one file per partition and UTC day. */
    public static final String DEFAULT_ROLL_CYCLE = "DAILY";

    /** The policy of a configuration without a {@code journal:} section. */
    public static final JournalPolicy DEFAULTS = new JournalPolicy(DEFAULT_CAPTURE, Map.of(), Map.of(), Map.of(),
        DEFAULT_MAX_CAPTURE_BYTES, true, Map.of(), null, DEFAULT_BODY_RETENTION_DAYS, DEFAULT_RECORD_RETENTION_DAYS,
        DEFAULT_ROLL_CYCLE);

    private final CaptureLevel capture;
    private final Map<String, CaptureLevel> teamCapture;
    private final Map<String, CaptureLevel> keyCapture;
    private final Map<String, CaptureLevel> aliasCapture;
    private final int maxCaptureBytes;
    private final boolean redact;
    private final Map<String, String> redactionPatterns;
    private final Path signingKeyFile;
    private final int bodyRetentionDays;
    private final int recordRetentionDays;
    private final Redactor redactor;
    private final String rollCycle;

    JournalPolicy(CaptureLevel capture, Map<String, CaptureLevel> teamCapture, Map<String, CaptureLevel> keyCapture,
                  Map<String, CaptureLevel> aliasCapture, int maxCaptureBytes, boolean redact,
                  Map<String, String> redactionPatterns, Path signingKeyFile, int bodyRetentionDays,
                  int recordRetentionDays, String rollCycle) {
        this.capture = requireNonNull(capture, "capture");
        this.teamCapture = Map.copyOf(teamCapture);
        this.keyCapture = Map.copyOf(keyCapture);
        this.aliasCapture = Map.copyOf(aliasCapture);
        this.maxCaptureBytes = maxCaptureBytes;
        this.redact = redact;
        this.redactionPatterns = Map.copyOf(redactionPatterns);
        this.signingKeyFile = signingKeyFile;
        this.bodyRetentionDays = bodyRetentionDays;
        this.recordRetentionDays = recordRetentionDays;
        this.redactor = redact ? Redactor.builtIn().withPatterns(this.redactionPatterns) : Redactor.none();
        this.rollCycle = requireNonNull(rollCycle, "rollCycle");
    }

    /**
     * How often each partition starts a new file ({@code journal.roll_cycle}): compaction rewrites closed cycles
     * only, so a shorter cycle lets it reach recent records sooner. A restart applies a change.
     */
    public String rollCycle() {
        return rollCycle;
    }

    /** What redacts captured content before it is written: the built-in detectors and the configured patterns. */
    public Redactor redactor() {
        return redactor;
    }

    /**
     * What to capture of a request by key {@code keyId} of team {@code team} (either may be null) to alias
     * {@code alias} (null before routing).
     */
    public CaptureLevel captureFor(String keyId, String team, String alias) {
        return captureFor(keyId, team, alias, null);
    }

    /**
     * What to capture of a request by key {@code keyId} of team {@code team} (either may be null) to alias
     * {@code alias} (null before routing) through an agent whose {@code agent.yaml} says {@code agentLevel} (null:
     * no agent, or it says nothing). The agent's setting is the most specific; the team's is still its ceiling.
     */
    public CaptureLevel captureFor(String keyId, String team, String alias, CaptureLevel agentLevel) {
        CaptureLevel teamLevel = team == null ? null : teamCapture.get(team);
        CaptureLevel level = agentLevel;
        if (level == null && alias != null) {
            level = aliasCapture.get(alias);
        }
        if (level == null && keyId != null) {
            level = keyCapture.get(keyId);
        }
        if (level == null) {
            level = teamLevel != null ? teamLevel : capture;
        }
        return teamLevel == null ? level : level.atMost(teamLevel);
    }

    /** The global {@code journal.capture}. */
    public CaptureLevel capture() {
        return capture;
    }

    /** Bytes of content captured per request at most (request body and answer together); the rest is cut. */
    public int maxCaptureBytes() {
        return maxCaptureBytes;
    }

    /** Whether captured content is redacted before it is written ({@code journal.redaction.enabled}). */
    public boolean redact() {
        return redact;
    }

    /** Redaction patterns of the configuration: label to regular expression. */
    public Map<String, String> redactionPatterns() {
        return redactionPatterns;
    }

    /** The signing key file, or null for the default ({@value #DEFAULT_SIGNING_KEY_FILE} in the data directory). */
    public Path signingKeyFile() {
        return signingKeyFile;
    }

    /** The signing key file of a gateway whose data directory is {@code dataDir}. */
    public Path signingKeyFile(Path dataDir) {
        return signingKeyFile != null ? signingKeyFile : dataDir.resolve(DEFAULT_SIGNING_KEY_FILE);
    }

    /** Days a captured body is kept before compaction drops it (its digest stays). */
    public int bodyRetentionDays() {
        return bodyRetentionDays;
    }

    /** Days a record is kept before compaction removes its whole cycle. */
    public int recordRetentionDays() {
        return recordRetentionDays;
    }
}
