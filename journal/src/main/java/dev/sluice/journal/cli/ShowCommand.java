package dev.sluice.journal.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.journal.Attempt;
import dev.sluice.journal.CapturedAnswer;
import dev.sluice.journal.EndRecord;
import dev.sluice.journal.EvalRecord;
import dev.sluice.journal.JournalEntry;
import dev.sluice.journal.RequestHistory;
import dev.sluice.journal.RequestIds;
import dev.sluice.journal.RequestRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code journal show <request-id>}: everything the journal holds about one request: principal and tags, route and
 * attempts, timings, usage and cost, the captured request (redacted), the answer as the client received it (joined
 * from its parts), and the redaction counts. {@code --json}: one object. Exit code 0, or 1 when no journal holds the
 * request.
 * <p>
 * Confined to the command-line thread.
 */
@Command(name = "show", description = "Print everything about one request.", mixinStandardHelpOptions = true)
public final class ShowCommand implements Callable<Integer> {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "REQUEST_ID", description = "The request id, req_ and 16 hex digits.")
    String requestId;

    @Option(names = "--json", description = "One JSON object.")
    boolean json;

    /** Left null for the command line's factory to make: the {@code sluice} command's reads its configuration. */
    @Mixin
    DataDirs data;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long id;
        try {
            id = RequestIds.parse(requestId);
        } catch (IllegalArgumentException e) {
            err.println("request id: " + requestId + " (expected: req_ and 16 hex digits)");
            err.flush();
            return 1;
        }
        List<Path> journals = data.journals(spec);
        if (journals == null) {
            return 1;
        }
        RequestHistory history = RequestHistory.find(journals, id);
        if (history == null) {
            err.println("no request " + requestId + " in " + journals);
            err.flush();
            return 1;
        }
        out.println(json ? json(history) : human(history));
        out.flush();
        return 0;
    }

    static String json(RequestHistory history) {
        StringWriter text = new StringWriter(4096);
        try (JsonGenerator g = new JsonFactory().createGenerator(text)) {
            g.setCodec(MAPPER);
            g.writeStartObject();
            JournalEntry entry = history.entry();
            EntryFormatter.writeFields(g, entry);
            EndRecord e = entry.end();
            g.writeStringField("capture", e == null ? null : e.capture().wireName());
            g.writeBooleanField("capture_cut", e != null && e.captureCut());
            g.writeFieldName("request");
            byte[] body = history.requestBody();
            if (body == null) {
                g.writeNull();
            } else {
                JsonNode tree = tree(body);
                if (tree != null) {
                    g.writeTree(tree);
                } else {
                    g.writeString(new String(body, StandardCharsets.UTF_8));
                }
            }
            CapturedAnswer answer = history.assembledAnswer();
            g.writeObjectFieldStart("response");
            g.writeStringField("text", history.parts() == 0 ? null : answer.text());
            g.writeArrayFieldStart("tool_calls");
            for (CapturedAnswer.ToolCall call : answer.toolCalls()) {
                g.writeStartObject();
                g.writeStringField("id", call.id());
                g.writeStringField("name", call.name());
                g.writeStringField("arguments", call.arguments());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeStringField("thinking", answer.thinking());
            g.writeStringField("finish_reason", answer.finishReason());
            g.writeStringField("error", answer.error());
            g.writeNumberField("parts", history.parts());
            g.writeNumberField("bytes", history.answer().length);
            g.writeEndObject();
            g.writeArrayFieldStart("eval_runs");
            for (EvalRecord run : history.evalRuns()) {
                g.writeStartObject();
                g.writeStringField("time", EntryFormatter.toInstant(run.wallTimeMicros()).toString());
                g.writeStringField("set", run.set());
                g.writeStringField("set_version", run.setVersion());
                g.writeStringField("target", run.target());
                g.writeStringField("agent_version", run.agentVersion());
                g.writeNumberField("samples", run.samples());
                g.writeNumberField("passes", run.passes());
                g.writeStringField("recorded_by", run.actor());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeObjectFieldStart("redactions");
            if (e != null) {
                for (int i = 0; i < e.redactionTypes(); i++) {
                    g.writeNumberField(e.redactionLabel(i), e.redactionCount(i));
                }
            }
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return text.toString();
    }

    private static JsonNode tree(byte[] body) {
        try {
            return MAPPER.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    static String human(RequestHistory history) {
        JournalEntry entry = history.entry();
        RequestRecord r = entry.request();
        EndRecord e = entry.end();
        StringBuilder sb = new StringBuilder(1024);
        line(sb, "request", RequestIds.format(r.requestId()));
        line(sb, "time", EntryFormatter.toInstant(r.wallTimeMicros()).toString());
        line(sb, "key", r.keyId());
        line(sb, "user / team", orDash(r.user()) + " / " + orDash(r.team()));
        line(sb, "project / use", orDash(r.project()) + " / " + orDash(r.useCase()));
        line(sb, "endpoint", RequestRecord.endpointName(r.endpoint()) + (r.stream() ? " (stream)" : ""));
        line(sb, "model", orDash(r.requestedModel()) + (e == null ? "" : " -> " + orDash(e.provider()) + "/"
            + orDash(e.servedModel())));
        line(sb, "outcome", entry.outcome() + (e == null ? "" : ", status " + e.status()));
        if (r.shadowOf() != 0) {
            line(sb, "shadow of", RequestIds.format(r.shadowOf()) + " (declared by " + orDash(r.shadowSource())
                + ")");
        }
        for (EvalRecord run : history.evalRuns()) {
            line(sb, "eval run", run.set() + "@" + run.setVersion() + " on " + run.target() + ", "
                + run.passes() + "/" + run.samples() + " passed, recorded "
                + EntryFormatter.toInstant(run.wallTimeMicros()) + " by " + run.actor());
        }
        if (e != null) {
            line(sb, "timings", "ttft " + EntryFormatter.millis(e.ttftMicros()) + " ms, total "
                + EntryFormatter.millis(e.totalMicros()) + " ms");
            line(sb, "tokens", "in " + count(e.tokensIn()) + ", out " + count(e.tokensOut()) + ", cached "
                + count(e.tokensCached()) + (e.tokensEstimated() ? " (estimated)" : ""));
            line(sb, "cost", e.costMicros() < 0 ? "-" : EntryFormatter.cost(e.costMicros()).toPlainString());
            StringBuilder attempts = new StringBuilder();
            for (Attempt a : e.attempts()) {
                attempts.append(attempts.length() == 0 ? "" : ", ").append(a.summary()).append(' ')
                    .append(EntryFormatter.millis(a.durationMicros())).append(" ms");
            }
            line(sb, "attempts", attempts.length() == 0 ? "-" : attempts.toString());
            line(sb, "capture", e.capture().wireName() + (e.captureCut() ? " (cut at the cap)" : ""));
            StringBuilder red = new StringBuilder();
            for (int i = 0; i < e.redactionTypes(); i++) {
                red.append(i == 0 ? "" : ", ").append(e.redactionLabel(i)).append(' ').append(e.redactionCount(i));
            }
            line(sb, "redactions", red.length() == 0 ? "none" : red.toString());
        }
        byte[] body = history.requestBody();
        sb.append("\n--- request ---\n").append(body == null ? (history.requestBodyDigestOnly()
            ? "(not captured: size and digest only)" : "(not captured)") : new String(body, StandardCharsets.UTF_8));
        CapturedAnswer answer = history.assembledAnswer();
        sb.append("\n--- answer ---\n");
        if (history.parts() == 0) {
            sb.append("(not captured)");
        } else {
            sb.append(answer.text());
            for (CapturedAnswer.ToolCall call : answer.toolCalls()) {
                sb.append("\n[tool call ").append(call.name()).append(' ').append(call.arguments()).append(']');
            }
            sb.append("\n[finish: ").append(orDash(answer.finishReason())).append(']');
            if (answer.error() != null) {
                sb.append("\n[error: ").append(answer.error()).append(']');
            }
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, String name, String value) {
        sb.append(String.format("%-14s %s%n", name, value));
    }

    private static String orDash(String s) {
        return s == null ? "-" : s;
    }

    private static String count(long n) {
        return n < 0 ? "?" : Long.toString(n);
    }
}
