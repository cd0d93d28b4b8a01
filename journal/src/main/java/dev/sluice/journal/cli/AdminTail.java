package dev.sluice.journal.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.journal.AdminRecord;
import dev.sluice.journal.JournalReader;
import dev.sluice.journal.RecordVisitor;

/**
 * {@code journal tail --admin}: the last admin records (key, team and configuration changes, refused admin
 * calls), one aligned line or one JSON object each, and with follow the new ones as they are written.
 * <p>
 * Confined to the command-line thread.
 */
final class AdminTail {
    private static final DateTimeFormatter HUMAN_TIME =
        DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final String HUMAN_LINE = "%-24s  %-20s  %-14s  %-28s  %-9s  %s";
    private static final int POLL_BATCH = 1024;

    private final JsonFactory jsonFactory = new JsonFactory();
    private final boolean json;
    private final PrintWriter out;

    AdminTail(boolean json, PrintWriter out) {
        this.json = json;
        this.out = out;
    }

    /** Prints the last {@code n} admin records at or after {@code sinceMicros}, then follows while asked to. */
    void run(JournalReader reader, int n, long sinceMicros, boolean follow, BooleanSupplier keepGoing) {
        ArrayDeque<AdminRecord> window = new ArrayDeque<>();
        RecordVisitor collect = new RecordVisitor() {
            @Override
            public void onAdmin(AdminRecord admin) {
                if (admin.wallTimeMicros() >= sinceMicros) {
                    window.addLast(admin);
                    if (window.size() > n) {
                        window.removeFirst();
                    }
                }
            }
        };
        while (reader.poll(collect, POLL_BATCH) > 0) {
            // read to the end
        }
        if (!json && (follow || !window.isEmpty())) {
            out.println(header());
        }
        for (AdminRecord r : window) {
            out.println(format(r));
        }
        out.flush();
        if (!follow) {
            return;
        }
        RecordVisitor print = new RecordVisitor() {
            @Override
            public void onAdmin(AdminRecord admin) {
                out.println(format(admin));
                out.flush();
            }
        };
        while (keepGoing.getAsBoolean() && !Thread.currentThread().isInterrupted()) {
            if (reader.poll(print, POLL_BATCH) == 0) {
                try {
                    Thread.sleep(JournalReader.FOLLOW_IDLE_SLEEP_MS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    static String header() {
        return String.format(Locale.ROOT, HUMAN_LINE, "TIME", "ACTOR", "ACTION", "TARGET", "OUTCOME", "DETAIL");
    }

    String format(AdminRecord r) {
        if (!json) {
            return String.format(Locale.ROOT, HUMAN_LINE, HUMAN_TIME.format(toInstant(r.wallTimeMicros())),
                orAbsent(r.actor()), orAbsent(r.action()), orAbsent(r.target()), r.outcome().wireName(),
                orAbsent(r.detail()));
        }
        StringWriter sw = new StringWriter(256);
        try (JsonGenerator g = jsonFactory.createGenerator(sw)) {
            g.writeStartObject();
            g.writeStringField("type", "admin");
            g.writeStringField("time", toInstant(r.wallTimeMicros()).toString());
            g.writeStringField("actor", r.actor());
            g.writeStringField("action", r.action());
            g.writeStringField("target", r.target());
            g.writeStringField("outcome", r.outcome().wireName());
            g.writeStringField("detail", r.detail());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sw.toString();
    }

    private static String orAbsent(String s) {
        return s.isEmpty() ? "-" : s;
    }

    private static Instant toInstant(long epochMicros) {
        return Instant.ofEpochSecond(Math.floorDiv(epochMicros, 1_000_000L),
            Math.floorMod(epochMicros, 1_000_000L) * 1000L);
    }
}
