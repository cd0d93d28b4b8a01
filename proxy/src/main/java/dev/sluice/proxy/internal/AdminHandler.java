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
 * The admin API on its own loopback port: {@code GET /healthz} (with the configuration version) and
 * {@code GET /metrics} (Prometheus text). Sits after {@code HttpServerCodec -> HttpObjectAggregator}.
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
        FullHttpResponse r;
        if (!req.method().equals(HttpMethod.GET)) {
            r = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "application/json",
                    "{\"error\":{\"code\":\"method_not_allowed\",\"message\":\"only GET is served here\"}}");
        } else if (path.equals("/healthz")) {
            r = text(HttpResponseStatus.OK, "application/json", "{\"status\":\"ok\",\"config_version\":\""
                    + context.config().version() + "\"}");
        } else if (path.equals("/metrics")) {
            r = text(HttpResponseStatus.OK, "text/plain; version=0.0.4", context.metrics().render());
        } else {
            r = text(HttpResponseStatus.NOT_FOUND, "application/json",
                    "{\"error\":{\"code\":\"not_found\",\"message\":\"no such admin endpoint\"}}");
        }
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        HttpUtil.setKeepAlive(r, keepAlive);
        if (keepAlive) {
            ctx.writeAndFlush(r, ctx.voidPromise());
        } else {
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        }
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
