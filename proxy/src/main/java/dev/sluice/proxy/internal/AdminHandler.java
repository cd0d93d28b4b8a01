package dev.sluice.proxy.internal;

import static dev.sluice.codec.JsonText.quote;
import static java.util.Objects.requireNonNull;

import dev.sluice.routing.config.GatewayConfig;
import dev.sluice.routing.config.Team;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The admin API on its own loopback port: {@code GET /healthz} (with the configuration version),
 * {@code GET /metrics} (Prometheus text), {@code GET /admin/config} (the version in use and the last reload
 * error), {@code POST /admin/reload} (re-read the configuration file), {@code GET /admin/routes}, and the keys:
 * {@code GET|POST /admin/keys}, {@code POST /admin/keys/{id}/revoke|rotate|disable|enable} (see {@link AdminKeys}),
 * and the journal of record: {@code GET /admin/requests/<id>} and {@code GET /admin/requests?...} (see
 * {@link AdminRequests}; admin tokens only, a team's for its own requests).
 * Sits after {@code HttpServerCodec -> HttpObjectAggregator}.
 *
 * <p>Authentication: {@code Authorization: Bearer <token>}, whose SHA-256 is compared in constant time with the
 * configuration's admin token or mapped to a team admin token or to an agent owner's token ({@code admin.owners},
 * which reaches {@code /admin/agents} and {@code /admin/evals} only). When an admin token is configured, every
 * {@code /admin/*} path needs a valid token (401 with one uniform body otherwise) and only the gateway admin may
 * read the configuration, reload it or read the routes; {@code /healthz} and {@code /metrics} stay open. When none
 * is configured, the configuration endpoints stay open on loopback and the key endpoints answer 403
 * {@code admin_token_not_configured} unless a team admin token is presented. Confined to the channel's event loop.
 */
public final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final String KEYS = "/admin/keys";
    private static final String METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final String UNAUTHORIZED = error("unauthorized",
            "a valid admin token is required (Authorization: Bearer <token>)");

    private static final String REQUESTS = "/admin/requests";
    private static final String SPEND = "/admin/spend";
    private static final String AGENTS = "/admin/agents";
    private static final String EVALS = "/admin/evals";
    /** Under {@link #AGENTS}: the waiting promotions ({@code POST .../_approvals/ID}); no agent's name starts so. */
    private static final String APPROVALS = "_approvals";

    private final GatewayContext context;
    private final AdminKeys keys;
    private final AdminRequests requests;
    private final AgentAdmin agents;
    private final EvalAdmin evals;
    private final Console console;
    /**
     * Whether this connection carries a followed stream (or is about to): a request pipelined behind it would
     * write its answer into the stream, so it closes the connection instead. On the channel's event loop only.
     */
    private boolean streaming;

    public AdminHandler(GatewayContext context, AdminKeys keys, AdminRequests requests, AgentAdmin agents,
                        EvalAdmin evals) {
        this.agents = requireNonNull(agents, "agents");
        this.evals = requireNonNull(evals, "evals");
        this.context = requireNonNull(context, "context");
        this.keys = requireNonNull(keys, "keys");
        this.requests = requireNonNull(requests, "requests");
        this.console = new Console(context.consoleSessions(), keys, context,
                t -> authenticate(context.config(), context.config().adminTokenDigest(), t));
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (streaming) {
            ctx.close();
            return;
        }
        String path = req.uri();
        int q = path.indexOf('?');
        if (q >= 0) {
            path = path.substring(0, q);
        }
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        if (path.equals(Console.PREFIX) || path.startsWith(Console.PREFIX + "/")) {
            console.handle(req, path).whenComplete((r, e) -> ctx.executor().execute(() -> send(ctx, r != null ? r
                    : text(HttpResponseStatus.SERVICE_UNAVAILABLE, "application/json", error("admin_busy",
                    "the admin thread is busy; retry shortly")), keepAlive)));
            return;
        }
        if (path.equals("/admin") || path.startsWith("/admin/")) {
            admin(ctx, req, path, keepAlive);
            return;
        }
        FullHttpResponse r;
        if (!req.method().equals(HttpMethod.GET)) {
            r = methodNotAllowed("only GET is served here");
        } else if (path.equals("/healthz")) {
            // Degraded (still 200: the process is alive) when admission cannot reach its shared counters.
            String admission = context.admission().health();
            r = text(HttpResponseStatus.OK, "application/json", "{\"status\":\"" + ("ok".equals(admission) ? "ok"
                    : "degraded") + "\",\"config_version\":\"" + context.config().version() + "\",\"admission\":"
                    + quote(admission) + "}");
        } else if (path.equals("/metrics")) {
            Executor renderer = context.telemetry();
            if (renderer == null) {
                r = text(HttpResponseStatus.OK, METRICS_TYPE, Scrape.text(context));
            } else {
                // Rendered off the event loop: it reads /proc and adds up every series.
                try {
                    renderer.execute(() -> {
                        String body = Scrape.text(context);
                        ctx.executor().execute(() -> send(ctx, text(HttpResponseStatus.OK, METRICS_TYPE, body),
                                keepAlive));
                    });
                    return;
                } catch (RejectedExecutionException e) {
                    r = text(HttpResponseStatus.SERVICE_UNAVAILABLE, "application/json", error("overloaded",
                            "too many scrapes at once; retry shortly"));
                }
            }
        } else {
            r = notFound();
        }
        send(ctx, r, keepAlive);
    }

    private void admin(ChannelHandlerContext ctx, FullHttpRequest req, String path, boolean keepAlive) {
        GatewayConfig config = context.config();
        byte[] adminDigest = config.adminTokenDigest();
        String token = bearer(req);
        AdminPrincipal who = authenticate(config, adminDigest, token);
        String action = action(req.method(), path);
        ConsoleSessions.Session session = token == null ? console.session(req) : null;
        if (session != null) {
            // A console page: the session's principal, and for a change its CSRF token (a page of this origin
            // has it; another site's form or script does not).
            boolean changes = !req.method().equals(HttpMethod.GET) && !req.method().equals(HttpMethod.HEAD);
            if (changes && !session.csrfMatches(req.headers().get(ConsoleSessions.CSRF_HEADER))) {
                keys.denied(session.who.actor(), action, null, "csrf");
                send(ctx, text(HttpResponseStatus.FORBIDDEN, "application/json", error("csrf", "a change from the "
                        + "console must carry the session's " + ConsoleSessions.CSRF_HEADER + " header")), keepAlive);
                return;
            }
            who = session.who;
        }
        if (who == null && (adminDigest != null || token != null)) {
            keys.denied(token == null ? "anonymous" : "invalid-token", action, null, "unauthorized");
            FullHttpResponse r = text(HttpResponseStatus.UNAUTHORIZED, "application/json", UNAUTHORIZED);
            r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"sluice-admin\"");
            send(ctx, r, keepAlive);
            return;
        }
        boolean agentsPath = path.equals(AGENTS) || path.startsWith(AGENTS + "/");
        if (who != null && who.isOwner() && !agentsPath && !path.equals(EVALS)) {
            keys.denied(who.actor(), action, null, "forbidden");
            send(ctx, text(HttpResponseStatus.FORBIDDEN, "application/json",
                    error("forbidden", "an agent owner's token moves the labels of their agents and records "
                            + "their evaluations, nothing else")), keepAlive);
            return;
        }
        if (path.equals(KEYS) || path.startsWith(KEYS + "/")) {
            if (who == null) {
                keys.denied("anonymous", action, null, "admin_token_not_configured");
                send(ctx, text(HttpResponseStatus.FORBIDDEN, "application/json", error("admin_token_not_configured",
                        "the keys API needs an admin token: set admin.token (or admin.token_hash: sha256:<hex>) in"
                                + " the configuration, e.g. token: ${SLUICE_ADMIN_TOKEN}, then send it as"
                                + " Authorization: Bearer <token>")), keepAlive);
                return;
            }
            keys(ctx, req, path, who, keepAlive);
            return;
        }
        if (path.equals(REQUESTS) || path.startsWith(REQUESTS + "/")) {
            journalRequests(ctx, req, path, who, keepAlive);
            return;
        }
        if (path.equals(SPEND)) {
            if (who == null || who.isOwner()) {
                send(ctx, text(HttpResponseStatus.FORBIDDEN, "application/json", error("forbidden", "spend is read "
                        + "with an admin or team admin token")), keepAlive);
                return;
            }
            if (!req.method().equals(HttpMethod.GET)) {
                send(ctx, methodNotAllowed("GET reads the spend"), keepAlive);
                return;
            }
            CompletableFuture<AdminKeys.Reply> reply;
            try {
                reply = requests.spend(who, req.uri(), config.governance().zone(), context.clock().wallMs());
            } catch (RejectedExecutionException e) {
                reply = CompletableFuture.failedFuture(e);
            }
            reply.whenComplete((r, e) -> ctx.executor().execute(() -> send(ctx, replyOrError(r, e), keepAlive)));
            return;
        }
        if (who != null && !who.isAdmin() && !who.isOwner()) {
            keys.denied(who.actor(), action, null, "forbidden");
            send(ctx, text(HttpResponseStatus.FORBIDDEN, "application/json",
                    error("forbidden", "a team admin token manages its team's keys only")), keepAlive);
            return;
        }
        String actor = who == null ? "loopback" : who.actor();
        if (path.equals(EVALS)) {
            if (req.method().equals(HttpMethod.GET)) {
                evals.list(who).whenComplete((r, e) -> ctx.executor().execute(() -> send(ctx, replyOrError(r, e),
                        keepAlive)));
                return;
            }
            if (!req.method().equals(HttpMethod.POST)) {
                send(ctx, methodNotAllowed("GET lists the recorded evaluation runs, POST records one"), keepAlive);
                return;
            }
            evals.record(who, ByteBufUtil.getBytes(req.content())).whenComplete((r, e) ->
                    send(ctx, replyOrError(r, e), keepAlive));
            return;
        }
        if (agentsPath) {
            agents(ctx, req, path, who, keepAlive);
            return;
        }
        if (path.equals("/admin/reload") && req.method().equals(HttpMethod.POST)) {
            reload(ctx, actor, keepAlive);
            return;
        }
        FullHttpResponse r;
        if (!req.method().equals(HttpMethod.GET)) {
            r = methodNotAllowed("only GET is served here");
        } else if (path.equals("/admin/config")) {
            ConfigReloads reloads = context.reloads();
            r = text(HttpResponseStatus.OK, "application/json", "{\"config_version\":\"" + config.version()
                    + "\",\"source\":" + quote(config.source()) + ",\"last_reload_error\":"
                    + quote(reloads == null ? null : reloads.lastError()) + "}");
        } else if (path.equals("/admin/routes")) {
            r = text(HttpResponseStatus.OK, "application/json", RoutesReport.json(config, context.clock().nanoTime(),
                    context.metrics().requestMetrics()));
        } else {
            r = notFound();
        }
        send(ctx, r, keepAlive);
    }

    /**
     * Agents: {@code GET /admin/agents}, {@code GET /admin/agents/NAME}, {@code GET /admin/agents/NAME/versions/V},
     * {@code POST /admin/agents/NAME/render}, {@code .../promote}, {@code .../rollback}, and
     * {@code POST /admin/agents/_approvals/ID} ({@link AgentAdmin}).
     */
    private void agents(ChannelHandlerContext ctx, FullHttpRequest req, String path, AdminPrincipal who,
                        boolean keepAlive) {
        String rest = path.length() > AGENTS.length() ? path.substring(AGENTS.length() + 1) : "";
        int slash = rest.indexOf('/');
        String name = slash < 0 ? rest : rest.substring(0, slash);
        String verb = slash < 0 ? "" : rest.substring(slash + 1);
        boolean get = req.method().equals(HttpMethod.GET);
        boolean post = req.method().equals(HttpMethod.POST);
        CompletableFuture<AdminKeys.Reply> reply;
        if (name.isEmpty() && verb.isEmpty() && rest.isEmpty()) {
            if (!get) {
                send(ctx, methodNotAllowed("GET lists the agents"), keepAlive);
                return;
            }
            reply = agents.list();
        } else if (get && verb.startsWith("versions/") && verb.indexOf('/', "versions/".length()) < 0
                && verb.length() > "versions/".length()) {
            reply = agents.files(name, verb.substring("versions/".length()));
        } else if (name.isEmpty() || verb.indexOf('/') >= 0) {
            send(ctx, notFound(), keepAlive);
            return;
        } else if (verb.isEmpty()) {
            if (!get) {
                send(ctx, methodNotAllowed("GET shows an agent"), keepAlive);
                return;
            }
            reply = agents.show(name);
        } else if (!post) {
            send(ctx, methodNotAllowed("POST " + verb), keepAlive);
            return;
        } else if (name.equals(APPROVALS)) {
            reply = agents.approve(who, verb, ByteBufUtil.getBytes(req.content()));
        } else {
            byte[] body = ByteBufUtil.getBytes(req.content());
            switch (verb) {
                case "render" -> reply = agents.render(name, body);
                case "promote" -> reply = agents.promote(who, name, body);
                case "rollback" -> reply = agents.rollback(who, name, body);
                default -> {
                    send(ctx, notFound(), keepAlive);
                    return;
                }
            }
        }
        reply.whenComplete((r, e) -> send(ctx, replyOrError(r, e), keepAlive));
    }

    /** The journal of record: captured content is for admin tokens only (a team's, for its own requests). */
    private void journalRequests(ChannelHandlerContext ctx, FullHttpRequest req, String path, AdminPrincipal who,
                                 boolean keepAlive) {
        if (who == null) {
            keys.denied("anonymous", "requests.read", null, "admin_token_not_configured");
            send(ctx, text(HttpResponseStatus.FORBIDDEN, "application/json", error("admin_token_not_configured",
                    "the journal's content is readable with an admin token only: set admin.token (or a team's"
                            + " admin_token) in the configuration and send it as Authorization: Bearer <token>")),
                    keepAlive);
            return;
        }
        if (!req.method().equals(HttpMethod.GET)) {
            send(ctx, methodNotAllowed("only GET is served here"), keepAlive);
            return;
        }
        if (path.equals(REQUESTS) && follows(req.uri())) {
            streaming = true;
            requests.follow(ctx, who, req.uri()).whenComplete((r, e) -> {
                if (r != null || e != null) {
                    ctx.executor().execute(() -> {
                        streaming = false; // refused: the connection goes on as any other
                        send(ctx, replyOrError(r, e), keepAlive);
                    });
                }
            });
            return;
        }
        CompletableFuture<AdminKeys.Reply> reply = path.equals(REQUESTS) ? requests.search(who, req.uri())
                : requests.read(who, QueryStringDecoder.decodeComponent(path.substring(REQUESTS.length() + 1)));
        reply.whenComplete((r, e) -> ctx.executor().execute(() -> send(ctx, replyOrError(r, e), keepAlive)));
    }

    /** Whether a search asks to follow ({@code follow=1} or {@code follow=true}). */
    private static boolean follows(String uri) {
        List<String> follow = new QueryStringDecoder(uri).parameters().get("follow");
        return follow != null && !follow.isEmpty() && (follow.get(0).equals("1") || follow.get(0).equals("true"));
    }

    private static FullHttpResponse replyOrError(AdminKeys.Reply r, Throwable e) {
        return e instanceof RejectedExecutionException || e != null && e.getCause() instanceof RejectedExecutionException
                ? text(HttpResponseStatus.SERVICE_UNAVAILABLE, "application/json",
                        error("admin_busy", "too many admin requests at once, or the gateway is stopping"))
                : e != null
                ? text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "application/json",
                        error("admin_failed", "the admin operation failed; see the gateway log"))
                : text(HttpResponseStatus.valueOf(r.status()), "application/json", r.body());
    }

    private void keys(ChannelHandlerContext ctx, FullHttpRequest req, String path, AdminPrincipal who,
                      boolean keepAlive) {
        CompletableFuture<AdminKeys.Reply> reply;
        if (path.equals(KEYS)) {
            if (req.method().equals(HttpMethod.GET)) {
                reply = keys.list(who);
            } else if (req.method().equals(HttpMethod.POST)) {
                reply = keys.create(who, ByteBufUtil.getBytes(req.content()));
            } else {
                send(ctx, methodNotAllowed("GET lists keys, POST creates one"), keepAlive);
                return;
            }
        } else {
            String rest = path.substring(KEYS.length() + 1);
            int slash = rest.indexOf('/');
            if (slash <= 0 || slash == rest.length() - 1 || rest.indexOf('/', slash + 1) >= 0) {
                send(ctx, notFound(), keepAlive);
                return;
            }
            if (!req.method().equals(HttpMethod.POST)) {
                send(ctx, methodNotAllowed("key actions are POST"), keepAlive);
                return;
            }
            String id = QueryStringDecoder.decodeComponent(rest.substring(0, slash));
            reply = keys.change(who, id, rest.substring(slash + 1));
        }
        reply.whenComplete((r, e) -> send(ctx, replyOrError(r, e), keepAlive));
    }

    private void reload(ChannelHandlerContext ctx, String actor, boolean keepAlive) {
        ConfigReloads reloads = context.reloads();
        if (reloads == null) {
            send(ctx, text(HttpResponseStatus.NOT_FOUND, "application/json",
                    "{\"error\":{\"code\":\"no_config_file\",\"message\":\"this gateway was not started"
                            + " from a configuration file\"}}"), keepAlive);
            return;
        }
        reloads.reload().whenComplete((o, e) -> {
            keys.recorded(actor, "config.reload", e != null ? "error" : o.applied() ? "ok" : "unchanged",
                    e != null ? null : "version=" + o.version());
            FullHttpResponse r = e != null
                    ? text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "application/json",
                            error("reload_failed", String.valueOf(e.getMessage())))
                    : o.applied() || "unchanged".equals(o.message())
                    ? text(HttpResponseStatus.OK, "application/json", "{\"status\":\""
                            + (o.applied() ? "applied" : "unchanged") + "\",\"config_version\":\"" + o.version()
                            + "\",\"note\":" + quote(o.applied() ? o.message() : null) + "}")
                    : text(HttpResponseStatus.BAD_REQUEST, "application/json",
                            error("invalid_config", o.message()));
            send(ctx, r, keepAlive);
        });
    }

    /** Returns the principal of a valid token, or {@code null}; compares digests in constant time. */
    private static AdminPrincipal authenticate(GatewayConfig config, byte[] adminDigest, String token) {
        if (token == null) {
            return null;
        }
        byte[] digest = sha256(token);
        if (adminDigest != null && config.isAdminToken(digest)) {
            return AdminPrincipal.ADMIN;
        }
        Team team = config.teamForAdminToken(digest);
        if (team != null) {
            return AdminPrincipal.teamAdmin(team.name());
        }
        String owner = config.ownerForAdminToken(digest);
        return owner == null ? null : AdminPrincipal.owner(owner);
    }

    /** Returns the token of the one {@code Authorization: Bearer} header, or {@code null}. */
    private static String bearer(FullHttpRequest req) {
        List<String> values = req.headers().getAll(HttpHeaderNames.AUTHORIZATION);
        if (values.size() != 1) {
            return null;
        }
        String v = values.get(0);
        if (!v.startsWith("Bearer ") || v.length() == "Bearer ".length()) {
            return null;
        }
        return v.substring("Bearer ".length());
    }

    private static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    private static String action(HttpMethod method, String path) {
        if (path.equals(KEYS)) {
            return method.equals(HttpMethod.POST) ? "keys.create" : "keys.list";
        }
        if (path.startsWith(KEYS + "/")) {
            return "keys." + path.substring(path.lastIndexOf('/') + 1);
        }
        return method.name() + " " + path;
    }

    private static FullHttpResponse notFound() {
        return text(HttpResponseStatus.NOT_FOUND, "application/json", error("not_found", "no such admin endpoint"));
    }

    private static FullHttpResponse methodNotAllowed(String message) {
        return text(HttpResponseStatus.METHOD_NOT_ALLOWED, "application/json", error("method_not_allowed", message));
    }

    private static void send(ChannelHandlerContext ctx, FullHttpResponse r, boolean keepAlive) {
        HttpUtil.setKeepAlive(r, keepAlive);
        if (keepAlive) {
            ctx.writeAndFlush(r, ctx.voidPromise());
        } else {
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        }
    }

    static String error(String code, String message) {
        return "{\"error\":{\"code\":\"" + code + "\",\"message\":" + quote(message) + "}}";
    }

    private static FullHttpResponse text(HttpResponseStatus status, String type, String body) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(b));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, type).setInt(HttpHeaderNames.CONTENT_LENGTH, b.length);
        return r;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
