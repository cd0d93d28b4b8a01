package dev.sluice.journal.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.journal.Attempt;
import dev.sluice.journal.EndRecord;
import dev.sluice.journal.JournalEntry;
import dev.sluice.journal.RequestIds;
import dev.sluice.journal.RequestRecord;

/**
 * Renders journal entries as aligned lines for people or as one JSON object per line. A human line ends with
 * the upstream attempts when there was more than one ({@code attempts a/m:connect_refused,b/m:200}); JSON always
 * has an {@code attempts} array and an {@code attempt_count}. Records hold key ids
 * only, never key secrets, so nothing here needs masking.
 * <p>
 * Confined to the command-line thread.
 */
final class EntryFormatter {
    private static final DateTimeFormatter HUMAN_TIME =
        DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final String HUMAN_LINE = "%-24s  %-20s  %-14s  %-12s  %-44s  %6s  %-20s  %9s  %10s  %15s  %10s";
    private static final String ABSENT = "-";

    private final JsonFactory json = new JsonFactory();
    private final boolean jsonOutput;

    EntryFormatter(boolean jsonOutput) {
        this.jsonOutput = jsonOutput;
    }

    /** The header line of the human format, or null for JSON. */
    String header() {
        if (jsonOutput) {
            return null;
        }
        return String.format(Locale.ROOT, HUMAN_LINE, "TIME", "REQUEST", "KEY", "TEAM", "MODEL -> PROVIDER/SERVED",
            "STATUS", "OUTCOME", "TTFT_MS", "TOTAL_MS", "TOKENS_IN/OUT", "COST");
    }

    String format(JournalEntry entry) {
        return jsonOutput ? json(entry) : human(entry);
    }

    private String human(JournalEntry entry) {
        RequestRecord r = entry.request();
        EndRecord e = entry.end();
        String route = orAbsent(r.requestedModel()) + (r.agentVersion() == null ? "" : " [" + r.agentVersion() + "]")
            + " -> "
            + (e == null ? ABSENT : orAbsent(e.provider()) + "/" + orAbsent(e.servedModel()));
        String line = String.format(Locale.ROOT, HUMAN_LINE,
            HUMAN_TIME.format(toInstant(r.wallTimeMicros())),
            RequestIds.format(r.requestId()),
            orAbsent(r.keyId()),
            orAbsent(r.team()),
            route,
            e == null ? ABSENT : Integer.toString(e.status()),
            entry.outcome(),
            e == null ? ABSENT : millis(e.ttftMicros()),
            e == null ? ABSENT : millis(e.totalMicros()),
            e == null ? ABSENT : count(e.tokensIn()) + "/" + count(e.tokensOut()),
            e == null || e.costMicros() < 0 ? ABSENT : cost(e.costMicros()).toPlainString());
        return e == null || e.attemptCount() < 2 ? line : line + "  " + attempts(e);
    }

    /** {@code attempts a:x,b:200}, with {@code ,+N more} for attempts counted but not listed. */
    private static String attempts(EndRecord e) {
        StringBuilder sb = new StringBuilder("attempts ");
        List<Attempt> listed = e.attempts();
        for (int i = 0; i < listed.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(listed.get(i).summary());
        }
        int unlisted = e.attemptCount() - listed.size();
        if (unlisted > 0) {
            sb.append(",+").append(unlisted).append(" more");
        }
        return sb.toString();
    }

    private String json(JournalEntry entry) {
        StringWriter out = new StringWriter(512);
        try (JsonGenerator g = json.createGenerator(out)) {
            g.writeStartObject();
            writeFields(g, entry);
            g.writeEndObject();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return out.toString();
    }

    /** Writes the fields of an entry's JSON object (the object's start and end are the caller's). */
    static void writeFields(JsonGenerator g, JournalEntry entry) throws IOException {
        RequestRecord r = entry.request();
        EndRecord e = entry.end();
        g.writeStringField("request_id", RequestIds.format(r.requestId()));
        g.writeStringField("time", toInstant(r.wallTimeMicros()).toString());
        g.writeStringField("key_id", r.keyId());
        g.writeStringField("user", r.user());
        g.writeStringField("team", r.team());
        g.writeStringField("project", r.project());
        g.writeStringField("use_case", r.useCase());
        g.writeStringField("endpoint", RequestRecord.endpointName(r.endpoint()));
        g.writeStringField("model", r.requestedModel());
        g.writeBooleanField("stream", r.stream());
        g.writeStringField("client_address", r.clientAddress());
        g.writeStringField("agent", r.agent());
        g.writeStringField("agent_version", r.agentVersion());
        g.writeStringField("agent_label", r.agentLabel());
        if (r.shadowOf() != 0) {
            g.writeStringField("shadow_of", RequestIds.format(r.shadowOf()));
            g.writeStringField("shadow_source", r.shadowSource());
        }
        g.writeStringField("served_model", e == null ? null : e.servedModel());
        g.writeStringField("provider", e == null ? null : e.provider());
        g.writeStringField("deployment", e == null ? null : e.deployment());
        g.writeStringField("config_version", e == null ? null : e.configVersion());
        if (e == null) {
            g.writeNullField("status");
        } else {
            g.writeNumberField("status", e.status());
        }
        g.writeStringField("outcome", entry.outcome());
        g.writeStringField("end_time", e == null ? null : toInstant(e.wallTimeMicros()).toString());
        writeMs(g, "ttft_ms", e == null ? -1 : e.ttftMicros());
        writeMs(g, "total_ms", e == null ? -1 : e.totalMicros());
        writeCount(g, "tokens_in", e == null ? -1 : e.tokensIn());
        writeCount(g, "tokens_out", e == null ? -1 : e.tokensOut());
        writeCount(g, "tokens_cached", e == null ? -1 : e.tokensCached());
        if (e == null || e.costMicros() < 0) {
            g.writeNullField("cost");
        } else {
            g.writeNumberField("cost", cost(e.costMicros()));
        }
        g.writeBooleanField("truncated", e != null && e.truncated());
        g.writeBooleanField("tokens_estimated", e != null && e.tokensEstimated());
        g.writeNumberField("attempt_count", e == null ? 0 : e.attemptCount());
        g.writeArrayFieldStart("attempts");
        if (e != null) {
            for (Attempt a : e.attempts()) {
                writeAttempt(g, a);
            }
        }
        g.writeEndArray();
    }

    void print(PrintWriter out, JournalEntry entry) {
        out.println(format(entry));
        out.flush();
    }

    private static void writeAttempt(JsonGenerator g, Attempt a) throws IOException {
        g.writeStartObject();
        g.writeStringField("deployment", a.deployment());
        g.writeStringField("outcome", a.outcome().wireName());
        if (a.status() > 0) {
            g.writeNumberField("status", a.status());
        } else {
            g.writeNullField("status");
        }
        writeMs(g, "duration_ms", a.durationMicros());
        g.writeBooleanField("uncertain_billed", a.uncertainBilled());
        g.writeEndObject();
    }

    private static void writeMs(JsonGenerator g, String name, long micros) throws IOException {
        if (micros < 0) {
            g.writeNullField(name);
        } else {
            g.writeNumberField(name, BigDecimal.valueOf(micros, 3));
        }
    }

    private static void writeCount(JsonGenerator g, String name, long value) throws IOException {
        if (value < 0) {
            g.writeNullField(name);
        } else {
            g.writeNumberField(name, value);
        }
    }

    static BigDecimal cost(long costMicros) {
        return BigDecimal.valueOf(costMicros, 6);
    }

    static String millis(long micros) {
        return micros < 0 ? ABSENT : BigDecimal.valueOf(micros, 3).setScale(1, RoundingMode.HALF_UP)
            .toPlainString();
    }

    private static String count(long value) {
        return value < 0 ? "?" : Long.toString(value);
    }

    private static String orAbsent(String s) {
        return s == null ? ABSENT : s;
    }

    static Instant toInstant(long epochMicros) {
        return Instant.ofEpochSecond(Math.floorDiv(epochMicros, 1_000_000L),
            Math.floorMod(epochMicros, 1_000_000L) * 1000L);
    }
}
