package dev.sluice.proxy.internal;

import static dev.sluice.codec.JsonText.quote;
import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.CookieHeaderNames;
import io.netty.handler.codec.http.cookie.DefaultCookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.handler.codec.http.cookie.ServerCookieEncoder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The web console at {@code /console} on the admin listener: its pages and scripts, served from the jar (loaded once,
 * at start, so an event loop never reads a file), and the sign-in that turns an admin or team admin token into a
 * session: an HttpOnly, {@code SameSite=Strict} cookie and a CSRF token the pages send back in
 * {@value ConsoleSessions#CSRF_HEADER} on every change. The pages read and change everything through the admin API
 * with that cookie ({@link #session}), so a team admin sees only its team in the console as through the API.
 * Sign-in, refused sign-in and sign-out are ADMIN records. Thread-safe.
 */
public final class Console {
    static final String PREFIX = "/console";
    private static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The console's files: path under {@code /console} to type and bytes. */
    private static final Map<String, Asset> ASSETS = Map.of(
            "", asset("dev/sluice/proxy/console/index.html", "text/html; charset=utf-8"),
            "/", asset("dev/sluice/proxy/console/index.html", "text/html; charset=utf-8"),
            "/assets/app.js", asset("dev/sluice/proxy/console/app.js", "text/javascript; charset=utf-8"),
            "/assets/app.css", asset("dev/sluice/proxy/console/app.css", "text/css; charset=utf-8"),
            "/assets/uPlot.iife.min.js", asset("META-INF/resources/webjars/uplot/1.6.30/dist/uPlot.iife.min.js",
                    "text/javascript; charset=utf-8"),
            "/assets/uPlot.min.css", asset("META-INF/resources/webjars/uplot/1.6.30/dist/uPlot.min.css",
                    "text/css; charset=utf-8"),
            "/assets/uPlot.LICENSE", asset("META-INF/resources/webjars/uplot/1.6.30/LICENSE",
                    "text/plain; charset=utf-8"));

    private final ConsoleSessions sessions;
    private final AdminKeys keys;
    private final GatewayContext context;
    private final Function<String, AdminPrincipal> tokens;

    /**
     * @param tokens the principal a token proves, {@code null} for none (the admin API's own check)
     */
    Console(ConsoleSessions sessions, AdminKeys keys, GatewayContext context, Function<String, AdminPrincipal> tokens) {
        this.sessions = requireNonNull(sessions, "sessions");
        this.keys = requireNonNull(keys, "keys");
        this.context = requireNonNull(context, "context");
        this.tokens = requireNonNull(tokens, "tokens");
    }

    /** Loads the console's files (call once at start, off the event loops). */
    public static int preload() {
        return ASSETS.size();
    }

    /** The live console session a request to the admin API carries (its cookie), or {@code null}. */
    ConsoleSessions.Session session(FullHttpRequest req) {
        return sessions.find(cookie(req), context.clock().wallMs());
    }

    /** Answers a request under {@code /console}: a file, or the session endpoints. */
    CompletableFuture<FullHttpResponse> handle(FullHttpRequest req, String path) {
        String rest = path.substring(PREFIX.length());
        HttpMethod m = req.method();
        if (rest.equals("/session")) {
            return CompletableFuture.completedFuture(m.equals(HttpMethod.GET) ? whoAmI(req)
                    : json(HttpResponseStatus.METHOD_NOT_ALLOWED, AdminHandler.error("method_not_allowed",
                    "GET shows the session")));
        }
        if (rest.equals("/login")) {
            return m.equals(HttpMethod.POST) ? login(req) : CompletableFuture.completedFuture(json(
                    HttpResponseStatus.METHOD_NOT_ALLOWED, AdminHandler.error("method_not_allowed", "POST signs in")));
        }
        if (rest.equals("/logout")) {
            return CompletableFuture.completedFuture(m.equals(HttpMethod.POST) ? logout(req)
                    : json(HttpResponseStatus.METHOD_NOT_ALLOWED, AdminHandler.error("method_not_allowed",
                    "POST signs out")));
        }
        Asset a = ASSETS.get(rest);
        if (a == null || !m.equals(HttpMethod.GET)) {
            return CompletableFuture.completedFuture(json(HttpResponseStatus.NOT_FOUND, AdminHandler.error(
                    "not_found", "no such page")));
        }
        // A view of the file's direct buffer: nothing is allocated or copied to send it.
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                a.content.duplicate());
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, a.type).setInt(HttpHeaderNames.CONTENT_LENGTH,
                a.content.readableBytes()).set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        secure(r);
        return CompletableFuture.completedFuture(r);
    }

    /** {@code GET /console/session}: who is signed in, and the CSRF token; 401 when nobody is. */
    private FullHttpResponse whoAmI(FullHttpRequest req) {
        ConsoleSessions.Session s = sessions.find(cookie(req), context.clock().wallMs());
        if (s == null) {
            return json(HttpResponseStatus.UNAUTHORIZED, AdminHandler.error("unauthorized", "sign in with an admin "
                    + "or team admin token"));
        }
        return json(HttpResponseStatus.OK, describe(s.who, s.csrf));
    }

    /** {@code POST /console/login} with {@code {"token": "..."}}: a session for an admin or team admin token. */
    private CompletableFuture<FullHttpResponse> login(FullHttpRequest req) {
        String token = null;
        try {
            JsonNode body = JSON.readTree(ByteBufUtil.getBytes(req.content()));
            token = body == null ? null : body.path("token").asText(null);
        } catch (IOException e) {
            // Answered below as a refused sign-in.
        }
        AdminPrincipal who = token == null || token.isEmpty() ? null : tokens.apply(token);
        long now = context.clock().wallMs();
        if (who == null || who.isOwner()) {
            keys.denied("anonymous", "console.login", null, who == null ? "invalid-token" : "owner-token");
            return CompletableFuture.completedFuture(json(HttpResponseStatus.UNAUTHORIZED, AdminHandler.error(
                    "unauthorized", who == null ? "that token is not an admin or team admin token of this gateway"
                    : "an agent owner's token moves its agents' labels through the API; the console takes an admin "
                    + "or team admin token")));
        }
        // The session's random id comes from the admin thread (a SecureRandom may read the system's entropy).
        return keys.onAdminThread(() -> {
            String id = sessions.open(who, now);
            keys.recorded(who.actor(), "console.login", "ok", null);
            ConsoleSessions.Session s = sessions.find(id, now);
            FullHttpResponse r = json(HttpResponseStatus.OK, describe(who, s.csrf));
            DefaultCookie c = new DefaultCookie(ConsoleSessions.COOKIE, id);
            c.setHttpOnly(true);
            c.setSameSite(CookieHeaderNames.SameSite.Strict);
            c.setPath("/");
            c.setMaxAge(ConsoleSessions.MAX_MS / 1000);
            r.headers().set(HttpHeaderNames.SET_COOKIE, ServerCookieEncoder.STRICT.encode(c));
            return r;
        });
    }

    /** {@code POST /console/logout}, with the session's CSRF token: the session ends, the cookie is cleared. */
    private FullHttpResponse logout(FullHttpRequest req) {
        String id = cookie(req);
        ConsoleSessions.Session s = sessions.find(id, context.clock().wallMs());
        if (s == null) {
            return json(HttpResponseStatus.UNAUTHORIZED, AdminHandler.error("unauthorized", "not signed in"));
        }
        if (!s.csrfMatches(req.headers().get(ConsoleSessions.CSRF_HEADER))) {
            keys.denied(s.who.actor(), "console.logout", null, "csrf");
            return json(HttpResponseStatus.FORBIDDEN, AdminHandler.error("csrf", "the request lacks the session's "
                    + ConsoleSessions.CSRF_HEADER + " header"));
        }
        sessions.close(id);
        keys.recorded(s.who.actor(), "console.logout", "ok", null);
        FullHttpResponse r = json(HttpResponseStatus.OK, "{\"signed_out\":true}");
        DefaultCookie c = new DefaultCookie(ConsoleSessions.COOKIE, "");
        c.setHttpOnly(true);
        c.setSameSite(CookieHeaderNames.SameSite.Strict);
        c.setPath("/");
        c.setMaxAge(0);
        r.headers().set(HttpHeaderNames.SET_COOKIE, ServerCookieEncoder.STRICT.encode(c));
        return r;
    }

    /**
     * The session as the pages read it: who, the CSRF token, and the gateway's time zone and today's date in it (the
     * spend page asks for whole days, so that its totals are those of {@code sluice spend --since <date>}).
     */
    private String describe(AdminPrincipal who, String csrf) {
        ZoneId zone = context.config().governance().zone();
        LocalDate today = LocalDate.ofInstant(Instant.ofEpochMilli(context.clock().wallMs()), zone);
        return "{\"actor\":" + quote(who.actor()) + ",\"admin\":" + who.isAdmin() + ",\"team\":" + quote(who.team())
                + ",\"csrf\":" + quote(csrf) + ",\"zone\":" + quote(zone.getId()) + ",\"today\":"
                + quote(today.toString()) + "}";
    }

    private static String cookie(FullHttpRequest req) {
        String header = req.headers().get(HttpHeaderNames.COOKIE);
        if (header == null) {
            return null;
        }
        for (Cookie c : ServerCookieDecoder.STRICT.decodeAll(header)) {
            if (c.name().equals(ConsoleSessions.COOKIE)) {
                return c.value();
            }
        }
        return null;
    }

    private static FullHttpResponse json(HttpResponseStatus status, String body) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(b));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json").setInt(HttpHeaderNames.CONTENT_LENGTH,
                b.length).set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        secure(r);
        return r;
    }

    /** The headers every console answer carries: no framing, no sniffing, scripts from here only. */
    private static void secure(FullHttpResponse r) {
        r.headers().set("content-security-policy", CSP).set("x-frame-options", "DENY")
                .set("x-content-type-options", "nosniff").set("referrer-policy", "no-referrer");
    }

    /**
     * One file of the console, in a direct buffer of its own that is never released: sent as a view, it needs no
     * allocation and no copy on the event loop (a heap buffer would be copied into a direct one at each write).
     */
    private record Asset(String type, ByteBuf content) {
    }

    private static Asset asset(String resource, String type) {
        try (InputStream in = Console.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the console's " + resource + " is not in the jar");
            }
            byte[] bytes = in.readAllBytes();
            return new Asset(type, Unpooled.unreleasableBuffer(Unpooled.directBuffer(bytes.length).writeBytes(bytes)
                    .asReadOnly()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
