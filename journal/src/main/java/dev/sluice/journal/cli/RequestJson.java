package dev.sluice.journal.cli;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.journal.JournalEntry;
import dev.sluice.journal.RequestHistory;

/**
 * The JSON of a request as every reader of the journal of record gives it: {@code journal show --json},
 * {@code journal export --bodies} and the admin API's {@code /admin/requests}.
 * <p>
 * Thread-safe (stateless).
 */
public final class RequestJson {
    private static final JsonFactory JSON = new JsonFactory();

    private RequestJson() {
    }

    /** Everything about one request: its fields, capture, the request (redacted), the answer, the redactions. */
    public static String of(RequestHistory history) {
        return ShowCommand.json(history);
    }

    /** A request's fields without content, as {@code journal tail --json} prints them. */
    public static String entry(JournalEntry entry) {
        StringWriter out = new StringWriter(512);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            EntryFormatter.writeFields(g, entry);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
