package dev.sluice.journal.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;

import dev.sluice.journal.CapturedAnswer;
import dev.sluice.journal.ContentScan;
import dev.sluice.journal.EndRecord;
import dev.sluice.journal.RequestHistory;
import dev.sluice.journal.RequestIds;
import dev.sluice.journal.RequestRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code journal export --format jsonl|csv}: streams every finished request of one or more journals to stdout, in
 * the order of their ends; {@code --bodies} adds the captured request and answer (redacted as stored). Progress on
 * stderr. Exit code 0, or 1 when there is no journal.
 * <p>
 * Confined to the command-line thread.
 */
@Command(name = "export", description = "Stream the journal's requests as JSON lines or CSV.", mixinStandardHelpOptions = true)
public final class ExportCommand implements Callable<Integer> {
    /** Requests between two progress lines on stderr. */
    static final int PROGRESS_EVERY = 10_000;
    private static final String[] CSV_COLUMNS = {"request_id", "time", "key_id", "user", "team", "project",
        "use_case", "endpoint", "model", "stream", "provider", "served_model", "status", "outcome", "ttft_ms",
        "total_ms", "tokens_in", "tokens_out", "tokens_cached", "cost", "capture", "redactions", "request", "answer",
        "agent", "agent_version", "agent_label"};

    @Spec
    CommandSpec spec;

    @Option(names = "--format", paramLabel = "FORMAT", required = true, description = "jsonl or csv.")
    String format;

    @Option(names = "--bodies", description = "Include the captured request body and answer.")
    boolean bodies;

    @Option(names = "--since", paramLabel = "TIME",
        description = "Only requests at or after TIME: ISO-8601 instant or date, or an age like 15m, 2h, 1d.")
    String since;

    /** Left null for the command line's factory to make: the {@code sluice} command's reads its configuration. */
    @Mixin
    DataDirs data;

    // Seam for tests: "now" for relative --since.
    Clock clock = Clock.systemUTC();

    @Override
    public Integer call() {
        boolean csv;
        if ("csv".equals(format)) {
            csv = true;
        } else if ("jsonl".equals(format)) {
            csv = false;
        } else {
            throw new ParameterException(spec.commandLine(), "--format: " + format + " (expected: jsonl or csv)");
        }
        long sinceMicros = Long.MIN_VALUE;
        if (since != null) {
            try {
                sinceMicros = SinceParser.parseMicros(since, clock);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage(), e);
            }
        }
        PrintWriter err = spec.commandLine().getErr();
        List<Path> journals = data.journals(spec);
        if (journals == null) {
            return 1;
        }
        PrintWriter out = spec.commandLine().getOut();
        if (csv) {
            out.println(String.join(",", CSV_COLUMNS));
        }
        long from = sinceMicros;
        long[] exported = new long[1];
        ContentScan scan = new ContentScan();
        scan.scan(journals, r -> r.wallTimeMicros() >= from, bodies, h -> {
            out.println(csv ? csvLine(h) : jsonLine(h));
            if (++exported[0] % PROGRESS_EVERY == 0) {
                out.flush();
                err.println("exported " + exported[0] + " requests (" + scan.records() + " records read)");
                err.flush();
            }
        });
        out.flush();
        err.println("exported " + exported[0] + " requests from " + journals.size() + " journals");
        err.flush();
        return 0;
    }

    private String jsonLine(RequestHistory h) {
        if (!bodies) {
            return new EntryFormatter(true).format(h.entry());
        }
        // The same object as journal show --json: fields, capture, request, response, redactions.
        return ShowCommand.json(h);
    }

    private String csvLine(RequestHistory h) {
        RequestRecord r = h.entry().request();
        EndRecord e = h.entry().end();
        StringBuilder red = new StringBuilder();
        for (int i = 0; e != null && i < e.redactionTypes(); i++) {
            red.append(i == 0 ? "" : ";").append(e.redactionLabel(i)).append('=').append(e.redactionCount(i));
        }
        String request = "";
        String answer = "";
        if (bodies) {
            request = h.requestBody() == null ? "" : new String(h.requestBody(), StandardCharsets.UTF_8);
            CapturedAnswer a = h.assembledAnswer();
            answer = h.parts() == 0 ? "" : a.text();
        }
        String[] values = {RequestIds.format(r.requestId()), EntryFormatter.toInstant(r.wallTimeMicros()).toString(),
            r.keyId(), r.user(), r.team(), r.project(), r.useCase(), RequestRecord.endpointName(r.endpoint()),
            r.requestedModel(), Boolean.toString(r.stream()), e == null ? null : e.provider(),
            e == null ? null : e.servedModel(), e == null ? null : Integer.toString(e.status()), h.entry().outcome(),
            e == null || e.ttftMicros() < 0 ? null : EntryFormatter.millis(e.ttftMicros()),
            e == null || e.totalMicros() < 0 ? null : EntryFormatter.millis(e.totalMicros()),
            e == null || e.tokensIn() < 0 ? null : Long.toString(e.tokensIn()),
            e == null || e.tokensOut() < 0 ? null : Long.toString(e.tokensOut()),
            e == null || e.tokensCached() < 0 ? null : Long.toString(e.tokensCached()),
            e == null || e.costMicros() < 0 ? null : EntryFormatter.cost(e.costMicros()).toPlainString(),
            e == null ? null : e.capture().wireName(), red.toString(), request, answer, r.agent(), r.agentVersion(),
            r.agentLabel()};
        StringBuilder sb = new StringBuilder(256);
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(csvField(values[i]));
        }
        return sb.toString();
    }

    /** RFC 4180: quoted when it holds a comma, quote or line break; a leading formula character is neutralised. */
    static String csvField(String value) {
        if (value == null || value.isEmpty()) {
            return "";
        }
        String v = value;
        char first = v.charAt(0);
        if (first == '=' || first == '+' || first == '-' || first == '@') {
            // Spreadsheets run a cell that starts like a formula: a captured prompt must not.
            v = "'" + v;
        }
        if (v.indexOf(',') >= 0 || v.indexOf('"') >= 0 || v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0) {
            return '"' + v.replace("\"", "\"\"") + '"';
        }
        return v;
    }
}
