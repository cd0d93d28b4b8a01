package dev.sluice.proxy.internal;

import static java.util.Objects.requireNonNull;

import dev.sluice.journal.ContentScan;
import dev.sluice.journal.JournalEntry;
import dev.sluice.journal.RequestHistory;
import dev.sluice.journal.RequestIds;
import dev.sluice.journal.RequestRecord;
import dev.sluice.journal.SpendDimension;
import dev.sluice.journal.SpendReport;
import dev.sluice.journal.cli.RequestJson;
import dev.sluice.journal.cli.SinceParser;
import dev.sluice.journal.cli.SpendFormatter;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
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
 * searched with which filters. Spend and recent requests come from the {@link JournalIndexer}'s index; what it
 * cannot answer is read from the journal files on a thread of their own, never on an event loop, one at a time, a
 * few queued.
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
    private final JournalIndexer indexer;

    public AdminRequests(Path journalDir, AdminAudit audit, JournalIndexer indexer) {
        this.journalDir = requireNonNull(journalDir, "journalDir");
        this.audit = requireNonNull(audit, "audit");
        this.indexer = requireNonNull(indexer, "indexer");
        this.executor = new OffLoopExecutor("sluice-admin-journal", MAX_QUEUED);
    }

    /** Everything about request {@code idText}, for {@code who}. */
    CompletableFuture<AdminKeys.Reply> read(AdminPrincipal who, String idText) {
        long id;
        try {
            id = RequestIds.parse(idText);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.supplyAsync(() -> {
                audit.record(who.actor(), "requests.read", null, "invalid", "malformed request id");
                return new AdminKeys.Reply(400, AdminHandler.error("invalid_request_id",
                        "a request id is req_ and 16 hex digits"));
            }, executor);
        }
        // The index says from which time to read (a gateway's ids count from its start, which may be a month ago).
        return indexer.ask(index -> index.requestTimeHint(id)).thenApplyAsync(notBefore -> {
            RequestHistory h = RequestHistory.find(List.of(journalDir), id, notBefore);
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

    /**
     * {@code GET /admin/spend?by=team&since=7d}: {@code sluice spend --json} with each group's cost per day, over this
     * gateway's journal; a team admin's of its own team only. From the journal index when the period starts at the
     * start of a day (or is everything), else read from the files.
     */
    CompletableFuture<AdminKeys.Reply> spend(AdminPrincipal who, String uri, ZoneId zone, long nowMs) {
        Map<String, List<String>> q = new QueryStringDecoder(uri).parameters();
        SpendDimension by;
        long sinceMs;
        try {
            by = SpendDimension.fromName(first(q, "by") == null ? "team" : first(q, "by"));
            sinceMs = first(q, "since") == null ? 0
                    : SinceParser.parseMicros(first(q, "since"), Clock.fixed(Instant.ofEpochMilli(nowMs), zone),
                            zone) / 1000;
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(new AdminKeys.Reply(400, AdminHandler.error("invalid_query",
                    e.getMessage())));
        }
        String team = who.isAdmin() ? null : who.team();
        return indexer.ask(index -> {
            audit.record(who.actor(), "spend.read", null, "ok", "by=" + by.cliName() + " since=" + sinceMs);
            return index.spend(by, sinceMs, zone, team);
        }).thenCompose(report -> report != null ? CompletableFuture.completedFuture(report)
                : CompletableFuture.supplyAsync(() -> SpendReport.read(List.of(journalDir), by, sinceMs, zone, team),
                        executor))
                .thenApply(report -> new AdminKeys.Reply(200, SpendFormatter.json(report, true)));
    }

    /**
     * The requests matching the query's filters, for {@code who} (a team admin: its team's only): from the journal
     * index's window of recent requests when it holds the whole answer and no text is searched, else read from the
     * files.
     */
    CompletableFuture<AdminKeys.Reply> search(AdminPrincipal who, String uri) {
        Query q;
        try {
            q = Query.parse(who, uri);
        } catch (NumberFormatException e) {
            return CompletableFuture.supplyAsync(() -> {
                audit.record(who.actor(), "requests.search", null, "invalid", "bad since or limit");
                return Query.invalid();
            }, executor);
        }
        CompletableFuture<List<JournalEntry>> recent = q.text != null
                ? CompletableFuture.completedFuture(null)
                : indexer.ask(index -> {
                    audit.record(who.actor(), "requests.search", null, "ok", q.detail());
                    return index.recent(q.tags(), q.sinceMicros, q.limit);
                });
        return recent.thenCompose(found -> found != null ? CompletableFuture.completedFuture(found)
                : CompletableFuture.supplyAsync(() -> {
                    if (q.text != null) {
                        audit.record(who.actor(), "requests.search", null, "ok", q.detail());
                    }
                    return scan(q.sinceMicros, q.key, q.team, q.model, q.outcome, q.text, q.limit);
                }, executor))
                .thenApply(found -> {
                    StringBuilder sb = new StringBuilder("{\"requests\":[");
                    boolean firstOne = true;
                    for (JournalEntry e : found) {
                        sb.append(firstOne ? "" : ",").append(RequestJson.entry(e));
                        firstOne = false;
                    }
                    return new AdminKeys.Reply(200, sb.append("]}").toString());
                });
    }

    /**
     * {@code GET /admin/requests?follow=1&key=&team=&model=&outcome=&since=&limit=}: the matching requests as
     * server-sent events ({@code event: request}, the data as a search lists it), the latest {@code limit} first
     * (those the journal index's window of recent requests still holds), then each one as it finishes, and a comment
     * line every {@value JournalIndexer#HEARTBEAT_MS} ms while nothing happens. A client that reads too slowly is
     * cut off. One ADMIN record for the whole stream.
     *
     * @return null once the stream has started on {@code ctx}, else the reply to send instead
     */
    CompletableFuture<AdminKeys.Reply> follow(ChannelHandlerContext ctx, AdminPrincipal who, String uri) {
        Query q;
        try {
            q = Query.parse(who, uri);
        } catch (NumberFormatException e) {
            return CompletableFuture.completedFuture(Query.invalid());
        }
        if (q.text != null) {
            return CompletableFuture.completedFuture(new AdminKeys.Reply(400, AdminHandler.error("invalid_query",
                    "text is searched over the journal's files; a followed stream takes key, team, model, outcome,"
                            + " since and limit")));
        }
        Predicate<JournalEntry> tags = q.tags();
        Predicate<JournalEntry> keep = e -> e.request().wallTimeMicros() >= q.sinceMicros && tags.test(e);
        SseStream stream = new SseStream(ctx, keep);
        return indexer.follow(stream, index -> {
            audit.record(who.actor(), "requests.follow", null, "ok", q.detail());
            List<JournalEntry> latest = index.finishedAfter(0, keep);
            return latest.subList(Math.max(0, latest.size() - q.limit), latest.size());
        }).thenApply(started -> started ? null : new AdminKeys.Reply(503, AdminHandler.error("admin_busy",
                JournalIndexer.MAX_FOLLOWERS + " streams follow the journal already")));
    }

    /** The last {@code max} matching requests, read from the journal files. */
    private List<JournalEntry> scan(long fromMicros, String key, String team, String model, String outcome,
                                    String text, int max) {
        Predicate<RequestRecord> keep = r -> r.wallTimeMicros() >= fromMicros
                && (key == null || key.equals(r.keyId())) && (team == null || team.equals(r.team()));
        String needle = text == null ? null : text.toLowerCase(Locale.ROOT);
        ArrayDeque<JournalEntry> found = new ArrayDeque<>();
        new ContentScan().scan(List.of(journalDir), keep, needle != null, h -> {
            if (h.matches(model, outcome, needle)) {
                found.addLast(h.entry());
                if (found.size() > max) {
                    found.removeFirst();
                }
            }
        });
        return List.copyOf(found);
    }

    /** The filters of a search or a followed stream. */
    private record Query(String key, String team, String model, String outcome, String text, long sinceMicros,
                         int limit) {
        /** The query of {@code uri}, for {@code who} (a team admin: its team only). */
        static Query parse(AdminPrincipal who, String uri) {
            Map<String, List<String>> q = new QueryStringDecoder(uri).parameters();
            long sinceMicros = Long.MIN_VALUE;
            int limit = 100;
            if (first(q, "since") != null) {
                sinceMicros = Long.parseLong(first(q, "since")) * 1000L;
            }
            if (first(q, "limit") != null) {
                limit = Math.max(0, Math.min(MAX_LIMIT, Integer.parseInt(first(q, "limit"))));
            }
            return new Query(first(q, "key"), who.isAdmin() ? first(q, "team") : who.team(), first(q, "model"),
                    first(q, "outcome"), first(q, "text"), sinceMicros, limit);
        }

        static AdminKeys.Reply invalid() {
            return new AdminKeys.Reply(400, AdminHandler.error("invalid_query",
                    "since is epoch milliseconds, limit a number up to " + MAX_LIMIT));
        }

        /** Whether an entry has the tags and end asked for (the time and text apart). */
        Predicate<JournalEntry> tags() {
            return e -> (key == null || key.equals(e.request().keyId()))
                    && (team == null || team.equals(e.request().team())) && RequestHistory.matches(e, model, outcome);
        }

        /** The filters as the ADMIN record notes them. */
        String detail() {
            return "key=" + key + " team=" + team + " model=" + model + " outcome=" + outcome + " text="
                    + (text == null ? "no" : "yes");
        }
    }

    /** A followed stream of finished requests on an admin connection, as server-sent events. */
    private static final class SseStream implements JournalIndexer.Follower {
        private final ChannelHandlerContext ctx;
        private final Predicate<JournalEntry> keep;

        SseStream(ChannelHandlerContext ctx, Predicate<JournalEntry> keep) {
            this.ctx = ctx;
            this.keep = keep;
        }

        @Override
        public boolean keep(JournalEntry entry) {
            return keep.test(entry);
        }

        @Override
        public boolean start(List<JournalEntry> backlog) {
            String events = events(backlog);
            ctx.executor().execute(() -> {
                HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                        .set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
                HttpUtil.setTransferEncodingChunked(head, true);
                ctx.write(head, ctx.voidPromise());
                // A first comment, so that the client sees the stream open before any request finishes.
                ctx.writeAndFlush(new DefaultHttpContent(ByteBufUtil.writeUtf8(ctx.alloc(), ": following\n\n"
                        + events)), ctx.voidPromise());
            });
            return ctx.channel().isActive();
        }

        @Override
        public boolean send(List<JournalEntry> entries) {
            return write(events(entries));
        }

        @Override
        public boolean heartbeat() {
            return write(": keep-alive\n\n");
        }

        private boolean write(String text) {
            if (!ctx.channel().isActive()) {
                return false;
            }
            if (!ctx.channel().isWritable()) {
                ctx.close(); // a reader this slow would hold the gateway's memory
                return false;
            }
            ctx.executor().execute(() -> ctx.writeAndFlush(new DefaultHttpContent(ByteBufUtil.writeUtf8(ctx.alloc(),
                    text)), ctx.voidPromise()));
            return true;
        }

        private static String events(List<JournalEntry> entries) {
            StringBuilder sb = new StringBuilder();
            for (JournalEntry e : entries) {
                sb.append("event: request\ndata: ").append(RequestJson.entry(e)).append("\n\n");
            }
            return sb.toString();
        }
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
