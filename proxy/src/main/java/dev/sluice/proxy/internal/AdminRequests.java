package dev.sluice.proxy.internal;

import static java.util.Objects.requireNonNull;

import dev.sluice.journal.ContentScan;
import dev.sluice.journal.RequestHistory;
import dev.sluice.journal.RequestIds;
import dev.sluice.journal.RequestRecord;
import dev.sluice.journal.SpendDimension;
import dev.sluice.journal.SpendReport;
import dev.sluice.journal.cli.RequestJson;
import dev.sluice.journal.cli.SinceParser;
import dev.sluice.journal.cli.SpendFormatter;

import io.netty.handler.codec.http.QueryStringDecoder;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * The admin API's view of the journal of record: {@code GET /admin/requests/<id>} (everything about one request,
 * its captured content included, as {@code sluice journal show --json} prints it) and {@code GET
 * /admin/requests?key=&team=&model=&outcome=&since=&text=&limit=} (the matching requests, without content). Content
 * is for admin tokens: the admin token reads every request, a team admin token its own team's only (another team's
 * request is answered as not found). Every read is itself journaled as an ADMIN record: who read which request, or
 * searched with which filters. Reads scan the journal files, so they run on a thread of their own, never on an event
 * loop, one at a time, a few queued.
 * <p>
 * Thread-safe.
 */
public final class AdminRequests implements AutoCloseable {
    /** Reads waiting for the reader thread at most; more are refused with 503 {@code admin_busy}. */
    static final int MAX_QUEUED = 8;
    /** Requests a search lists at most (the most recent). */
    static final int MAX_LIMIT = 1000;

    private final Path journalDir;
    private final AdminAudit audit;
    private final OffLoopExecutor executor;

    public AdminRequests(Path journalDir, AdminAudit audit) {
        this.journalDir = requireNonNull(journalDir, "journalDir");
        this.audit = requireNonNull(audit, "audit");
        this.executor = new OffLoopExecutor("sluice-admin-journal", MAX_QUEUED);
    }

    /** Everything about request {@code idText}, for {@code who}. */
    CompletableFuture<AdminKeys.Reply> read(AdminPrincipal who, String idText) {
        return CompletableFuture.supplyAsync(() -> {
            long id;
            try {
                id = RequestIds.parse(idText);
            } catch (IllegalArgumentException e) {
                audit.record(who.actor(), "requests.read", null, "invalid", "malformed request id");
                return new AdminKeys.Reply(400, AdminHandler.error("invalid_request_id",
                        "a request id is req_ and 16 hex digits"));
            }
            RequestHistory h = RequestHistory.find(List.of(journalDir), id);
            if (h == null || !who.owns(h.entry().request().team())) {
                audit.record(who.actor(), "requests.read", idText, "not_found", null);
                return new AdminKeys.Reply(404, AdminHandler.error("request_not_found",
                        "no request " + idText + " in this gateway's journal" + (who.isAdmin() ? "" : " for your team")));
            }
            // Journaled before the content leaves: a read that cannot be recorded is not served.
            audit.record(who.actor(), "requests.read", idText, "ok", null);
            return new AdminKeys.Reply(200, RequestJson.of(h));
        }, executor);
    }

    /** The requests matching the query's filters, for {@code who} (a team admin: its team's only). */
    /**
     * {@code GET /admin/spend?by=team&since=7d}: {@code sluice spend --json} with each group's cost per day, over this
     * gateway's journal; a team admin's of its own team only.
     */
    CompletableFuture<AdminKeys.Reply> spend(AdminPrincipal who, String uri, ZoneId zone, long nowMs) {
        return CompletableFuture.supplyAsync(() -> {
            Map<String, List<String>> q = new QueryStringDecoder(uri).parameters();
            SpendDimension by;
            long sinceMs;
            try {
                by = SpendDimension.fromName(first(q, "by") == null ? "team" : first(q, "by"));
                sinceMs = first(q, "since") == null ? 0
                        : SinceParser.parseMicros(first(q, "since"), Clock.fixed(Instant.ofEpochMilli(nowMs), zone),
                                zone) / 1000;
            } catch (IllegalArgumentException e) {
                return new AdminKeys.Reply(400, AdminHandler.error("invalid_query", e.getMessage()));
            }
            audit.record(who.actor(), "spend.read", null, "ok", "by=" + by.cliName() + " since=" + sinceMs);
            SpendReport report = SpendReport.read(List.of(journalDir), by, sinceMs, zone,
                    who.isAdmin() ? null : who.team());
            return new AdminKeys.Reply(200, SpendFormatter.json(report, true));
        }, executor);
    }

    CompletableFuture<AdminKeys.Reply> search(AdminPrincipal who, String uri) {
        return CompletableFuture.supplyAsync(() -> {
            Map<String, List<String>> q = new QueryStringDecoder(uri).parameters();
            String key = first(q, "key");
            String team = who.isAdmin() ? first(q, "team") : who.team();
            String model = first(q, "model");
            String outcome = first(q, "outcome");
            String text = first(q, "text");
            long sinceMicros = Long.MIN_VALUE;
            int limit = 100;
            try {
                if (first(q, "since") != null) {
                    sinceMicros = Long.parseLong(first(q, "since")) * 1000L;
                }
                if (first(q, "limit") != null) {
                    limit = Math.max(0, Math.min(MAX_LIMIT, Integer.parseInt(first(q, "limit"))));
                }
            } catch (NumberFormatException e) {
                audit.record(who.actor(), "requests.search", null, "invalid", "bad since or limit");
                return new AdminKeys.Reply(400, AdminHandler.error("invalid_query",
                        "since is epoch milliseconds, limit a number up to " + MAX_LIMIT));
            }
            audit.record(who.actor(), "requests.search", null, "ok", "key=" + key + " team=" + team + " model="
                    + model + " outcome=" + outcome + " text=" + (text == null ? "no" : "yes"));
            long from = sinceMicros;
            Predicate<RequestRecord> keep = r -> r.wallTimeMicros() >= from
                    && (key == null || key.equals(r.keyId())) && (team == null || team.equals(r.team()));
            String needle = text == null ? null : text.toLowerCase(Locale.ROOT);
            ArrayDeque<RequestHistory> found = new ArrayDeque<>();
            int max = limit;
            new ContentScan().scan(List.of(journalDir), keep, needle != null, h -> {
                if (h.matches(model, outcome, needle)) {
                    found.addLast(h);
                    if (found.size() > max) {
                        found.removeFirst();
                    }
                }
            });
            StringBuilder sb = new StringBuilder("{\"requests\":[");
            boolean firstOne = true;
            for (RequestHistory h : found) {
                sb.append(firstOne ? "" : ",").append(RequestJson.entry(h.entry()));
                firstOne = false;
            }
            return new AdminKeys.Reply(200, sb.append("]}").toString());
        }, executor);
    }

    private static String first(Map<String, List<String>> q, String name) {
        List<String> v = q.get(name);
        return v == null || v.isEmpty() || v.get(0).isEmpty() ? null : v.get(0);
    }

    @Override
    public void close() {
        executor.closeNow();
    }
}
