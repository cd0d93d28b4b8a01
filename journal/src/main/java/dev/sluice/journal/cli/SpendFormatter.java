package dev.sluice.journal.cli;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.journal.SpendReport;
import dev.sluice.journal.SpendRow;

/**
 * Renders a {@link SpendReport}: an aligned table for people (costs with 6 decimals, a TOTAL row), one JSON
 * object, or CSV (RFC 4180; the last row is the total, with an empty key: groups never have one, a missing tag
 * is {@value SpendReport#ABSENT}). Costs are in currency units; JSON and CSV also carry the exact
 * {@code cost_micros}.
 * <p>
 * Confined to the command-line thread.
 */
public final class SpendFormatter {
    private static final String[] COLUMNS = {"REQUESTS", "COST", "UNPRICED", "TOKENS_IN", "TOKENS_OUT",
        "TOKENS_CACHED", "ESTIMATED"};
    private static final String CSV_COLUMNS =
        "requests,cost,cost_micros,unpriced_requests,tokens_in,tokens_out,tokens_cached,estimated_requests";
    private static final String TOTAL = "TOTAL";

    private SpendFormatter() {
    }

    static String table(SpendReport report) {
        List<String[]> cells = new ArrayList<>();
        String[] header = new String[COLUMNS.length + 1];
        header[0] = report.dimension().cliName().toUpperCase(Locale.ROOT);
        System.arraycopy(COLUMNS, 0, header, 1, COLUMNS.length);
        cells.add(header);
        for (SpendRow row : report.rows()) {
            cells.add(tableCells(row.key(), row));
        }
        cells.add(tableCells(TOTAL, report.total()));
        int[] widths = new int[header.length];
        for (String[] line : cells) {
            for (int i = 0; i < line.length; i++) {
                widths[i] = Math.max(widths[i], line[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append("spend by ").append(report.dimension().cliName()).append(" since ")
            .append(Instant.ofEpochMilli(report.sinceMs())).append(" (days in ").append(report.zone())
            .append(")\n");
        for (String[] line : cells) {
            for (int i = 0; i < line.length; i++) {
                if (i == 0) {
                    sb.append(line[i]).append(" ".repeat(widths[i] - line[i].length()));
                } else {
                    // Numbers right-aligned under their header.
                    sb.append("  ").append(" ".repeat(widths[i] - line[i].length())).append(line[i]);
                }
            }
            sb.append('\n');
        }
        if (report.unfinishedRequests() > 0) {
            sb.append(report.unfinishedRequests()).append(" request(s) without an end record not counted\n");
        }
        return sb.toString();
    }

    private static String[] tableCells(String key, SpendRow row) {
        return new String[] {key, Long.toString(row.requests()), cost(row.costMicros()).toPlainString(),
            Long.toString(row.unpricedRequests()), Long.toString(row.tokensIn()), Long.toString(row.tokensOut()),
            Long.toString(row.tokensCached()), Long.toString(row.estimatedRequests())};
    }

    private static final SortedMap<String, Long> EMPTY_DAYS = Collections.emptySortedMap();

    static String json(SpendReport report) {
        return json(report, false);
    }

    /**
     * The report as {@code sluice spend --json} prints it; with {@code days}, each group also carries
     * {@code "days": {"2026-12-01": cost, ...}} (what the console's chart draws).
     */
    public static String json(SpendReport report, boolean days) {
        StringWriter out = new StringWriter(1024);
        try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("by", report.dimension().cliName());
            g.writeStringField("since", Instant.ofEpochMilli(report.sinceMs()).toString());
            g.writeStringField("zone", report.zone().getId());
            g.writeArrayFieldStart("groups");
            for (SpendRow row : report.rows()) {
                g.writeStartObject();
                g.writeStringField("key", row.key());
                writeSums(g, row);
                if (days) {
                    g.writeObjectFieldStart("days");
                    for (Map.Entry<String, Long> d : report.daily().getOrDefault(row.key(), EMPTY_DAYS).entrySet()) {
                        g.writeNumberField(d.getKey(), cost(d.getValue()));
                    }
                    g.writeEndObject();
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeObjectFieldStart("total");
            writeSums(g, report.total());
            g.writeEndObject();
            g.writeNumberField("unfinished_requests", report.unfinishedRequests());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.append('\n').toString();
    }

    private static void writeSums(JsonGenerator g, SpendRow row) throws IOException {
        g.writeNumberField("requests", row.requests());
        g.writeNumberField("cost", cost(row.costMicros()));
        g.writeNumberField("cost_micros", row.costMicros());
        g.writeNumberField("unpriced_requests", row.unpricedRequests());
        g.writeNumberField("tokens_in", row.tokensIn());
        g.writeNumberField("tokens_out", row.tokensOut());
        g.writeNumberField("tokens_cached", row.tokensCached());
        g.writeNumberField("estimated_requests", row.estimatedRequests());
    }

    static String csv(SpendReport report) {
        StringBuilder sb = new StringBuilder();
        sb.append(report.dimension().cliName()).append(',').append(CSV_COLUMNS).append("\r\n");
        for (SpendRow row : report.rows()) {
            csvLine(sb, csvField(row.key()), row);
        }
        csvLine(sb, "", report.total());
        return sb.toString();
    }

    private static void csvLine(StringBuilder sb, String key, SpendRow row) {
        sb.append(key).append(',').append(row.requests()).append(',').append(cost(row.costMicros()).toPlainString())
            .append(',').append(row.costMicros()).append(',').append(row.unpricedRequests()).append(',')
            .append(row.tokensIn()).append(',').append(row.tokensOut()).append(',').append(row.tokensCached())
            .append(',').append(row.estimatedRequests()).append("\r\n");
    }

    /** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
    static String csvField(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    private static BigDecimal cost(long costMicros) {
        return BigDecimal.valueOf(costMicros, 6);
    }
}
