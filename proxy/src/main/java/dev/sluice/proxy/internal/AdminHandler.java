package dev.sluice.proxy.internal;

import static java.util.Objects.requireNonNull;

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

import java.nio.charset.StandardCharsets;

/**
 * The admin API on its own loopback port: {@code GET /healthz} (with the configuration version),
 * {@code GET /metrics} (Prometheus text), {@code GET /admin/config} (the version in use and the last reload
 * error) and {@code POST /admin/reload} (re-read the configuration file). Sits after {@code HttpServerCodec -> HttpObjectAggregator}.
 * Confined to the channel's event loop.
 */
public final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final GatewayContext context;

    public AdminHandler(GatewayContext context) {
        this.context = requireNonNull(context, "context");
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        String path = req.uri();
        int q = path.indexOf('?');
        if (q >= 0) {
            path = path.substring(0, q);
        }
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        if (path.equals("/admin/reload") && req.method().equals(HttpMethod.POST)) {
            ConfigReloads reloads = context.reloads();
            if (reloads == null) {
                send(ctx, text(HttpResponseStatus.NOT_FOUND, "application/json",
                        "{\"error\":{\"code\":\"no_config_file\",\"message\":\"this gateway was not started"
                                + " from a configuration file\"}}"), keepAlive);
                return;
            }
            reloads.reload().whenComplete((o, e) -> {
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
            return;
        }
        FullHttpResponse r;
        if (path.equals("/admin/config") && req.method().equals(HttpMethod.GET)) {
            ConfigReloads reloads = context.reloads();
            r = text(HttpResponseStatus.OK, "application/json", "{\"config_version\":\"" + context.config().version()
                    + "\",\"source\":" + quote(context.config().source()) + ",\"last_reload_error\":"
                    + quote(reloads == null ? null : reloads.lastError()) + "}");
        } else if (!req.method().equals(HttpMethod.GET)) {
            r = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "application/json",
                    "{\"error\":{\"code\":\"method_not_allowed\",\"message\":\"only GET is served here\"}}");
        } else if (path.equals("/healthz")) {
            r = text(HttpResponseStatus.OK, "application/json", "{\"status\":\"ok\",\"config_version\":\""
                    + context.config().version() + "\"}");
        } else if (path.equals("/metrics")) {
            StringBuilder m = new StringBuilder(context.metrics().render());
            RoutesReport.metrics(context.config(), System.nanoTime(), m);
            r = text(HttpResponseStatus.OK, "text/plain; version=0.0.4", m.toString());
        } else if (path.equals("/admin/routes")) {
            r = text(HttpResponseStatus.OK, "application/json", RoutesReport.json(context.config(), System.nanoTime()));
        } else {
            r = text(HttpResponseStatus.NOT_FOUND, "application/json",
                    "{\"error\":{\"code\":\"not_found\",\"message\":\"no such admin endpoint\"}}");
        }
        send(ctx, r, keepAlive);
    }

    private static void send(ChannelHandlerContext ctx, FullHttpResponse r, boolean keepAlive) {
        HttpUtil.setKeepAlive(r, keepAlive);
        if (keepAlive) {
            ctx.writeAndFlush(r, ctx.voidPromise());
        } else {
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static String error(String code, String message) {
        return "{\"error\":{\"code\":\"" + code + "\",\"message\":" + quote(message) + "}}";
    }

    /** A JSON string literal (or null); configuration errors name files and fields, never secrets. */
    private static String quote(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
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
