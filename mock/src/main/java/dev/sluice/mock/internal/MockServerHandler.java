package dev.sluice.mock.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * Answers mock provider requests, one at a time per connection (pipelined requests wait their turn).
 *
 * <pre>
 *   HttpServerCodec -> HttpObjectAggregator(32 MiB) -> MockServerHandler
 * </pre>
 *
 * Each {@link FullHttpRequest} is copied into a record, counted for the model its body names, released, given its
 * {@link Behaviour} (the model's programme under the request's directive and headers), routed to its
 * {@link Responder}, and answered through an {@link Exchange} by a {@link JsonSender} or a {@link StreamDriver}
 * after {@code head_delay_ms}. {@code /mock/behaviours} and {@code /_mock/records} are the admin paths. A
 * connection closed by the peer while an answer is under way marks that record cancelled.
 *
 * <p>Confined to the channel's event loop; one instance per connection.
 */
public final class MockServerHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(MockServerHandler.class);
    private static final Map<String, Responder> POST_ROUTES = Map.of(
        "/v1/chat/completions", new OpenAiChatResponder(),
        "/v1/completions", new CompletionsResponder(),
        "/v1/embeddings", new EmbeddingsResponder(),
        "/v1/responses", new ResponsesResponder(),
        "/v1/messages", new AnthropicResponder(),
        "/v1/messages/count_tokens", CountTokensResponder.INSTANCE);
    private static final Responder MODELS = new ModelsResponder();

    private final MockRecorder recorder;
    private final ModelBehaviours behaviours;
    private final MockCounters counters;
    private final ArrayDeque<FullHttpRequest> pending = new ArrayDeque<>();
    private Exchange current;
    private ChannelHandlerContext ctx;

    /**
     * A handler with no model programmes and private counters.
     *
     * @param recorder where requests are recorded
     */
    public MockServerHandler(final MockRecorder recorder) {
        this(recorder, new ModelBehaviours(), new MockCounters());
    }

    /**
     * @param recorder   where requests are recorded
     * @param behaviours the per-model behaviour programmes shared by every connection
     * @param counters   where received requests are counted per model
     */
    public MockServerHandler(final MockRecorder recorder, final ModelBehaviours behaviours,
        final MockCounters counters) {
        this.recorder = requireNonNull(recorder, "recorder");
        this.behaviours = requireNonNull(behaviours, "behaviours");
        this.counters = requireNonNull(counters, "counters");
    }

    @Override
    public void handlerAdded(final ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg) {
        if (!(msg instanceof FullHttpRequest)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (current != null) {
            pending.addLast((FullHttpRequest) msg);
            return;
        }
        final FullHttpRequest req = (FullHttpRequest) msg;
        try {
            handle(req);
        } finally {
            req.release();
        }
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx) throws Exception {
        if (current != null) {
            current.peerClosed(MockTime.nanoTime());
            current = null;
        }
        releasePending();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(final ChannelHandlerContext ctx) {
        releasePending();
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
        // A peer that resets the connection is an expected event for a fault-injecting server.
        if (!(cause instanceof IOException)) {
            LOG.debug("mock provider connection failed", cause);
        }
        ctx.close();
    }

    private void releasePending() {
        FullHttpRequest r;
        while ((r = pending.pollFirst()) != null) {
            r.release();
        }
    }

    /** Called by the finished exchange when the connection stays open: serves the next pipelined request. */
    private void exchangeDone() {
        current = null;
        final FullHttpRequest next = pending.pollFirst();
        if (next != null) {
            try {
                handle(next);
            } finally {
                next.release();
            }
        }
    }

    private void handle(final FullHttpRequest req) {
        final long receivedAtNs = MockTime.nanoTime();
        final boolean keepAlive = HttpUtil.isKeepAlive(req);
        final String path = new QueryStringDecoder(req.uri()).path();
        final HttpMethod method = req.method();
        final HttpHeaders headers = req.headers().copy();
        final byte[] body = ByteBufUtil.getBytes(req.content());
        final Dialect dialect = path.startsWith("/v1/messages") ? Dialect.ANTHROPIC : Dialect.OPENAI;
        final String requestId = Ids.next("req_");
        if (!req.decoderResult().isSuccess()) {
            current = new Exchange(ctx, null, dialect, requestId, false, this::exchangeDone);
            current.sendError(400, "The request could not be decoded as HTTP/1.1.", null, -1);
            return;
        }
        if (path.startsWith("/_mock/") || path.startsWith("/mock/")) {
            current = new Exchange(ctx, null, dialect, requestId, keepAlive, this::exchangeDone);
            admin(current, method, path, body);
            return;
        }
        final MockRecorder.Entry entry = recorder.begin(headers.get("x-test-req-id"), method.name(), path,
            lowerCased(headers), body, receivedAtNs);
        final Exchange exchange = new Exchange(ctx, entry, dialect, requestId, keepAlive, this::exchangeDone);
        current = exchange;
        try {
            final Responder responder = route(method, path);
            final JsonNode json = method.equals(HttpMethod.POST) ? parse(body) : Json.object();
            final JsonNode model = json.get("model");
            final String modelName = model != null && model.isTextual() ? model.asText() : null;
            counters.requestReceived(modelName);
            final Behaviour behaviour;
            try {
                behaviour = Behaviour.parse(headers, LastUserText.of(path, json), behaviours.take(modelName));
            } catch (final IllegalArgumentException e) {
                throw new MockException(400, e.getMessage(), "invalid_value");
            }
            exchange.behaviour(behaviour);
            final String fixedText = behaviour.answers() != null
                ? behaviour.answers().get(behaviours.drawAnswer(behaviour))
                : behaviour.judge() ? Judgement.of(LastUserText.of(path, json)) : null;
            final MockRequest request = new MockRequest(path, headers, body.length, json, behaviour, requestId,
                fixedText);
            if (behaviour.headDelayMs() < 0) {
                // A stall before the response head: nothing is sent until the peer gives up.
                return;
            }
            if (behaviour.headDelayMs() == 0) {
                answer(exchange, responder, request);
            } else {
                exchange.schedule(() -> answer(exchange, responder, request), behaviour.headDelayMs());
            }
        } catch (final MockException e) {
            exchange.sendError(e.status(), e.getMessage(), e.code(), -1);
        } catch (final RuntimeException e) {
            LOG.debug("mock provider failed on {}", path, e);
            exchange.sendError(500, ErrorBodies.defaultMessage(dialect, 500), null, -1);
        }
    }

    /** Answers a parsed request once its head delay has passed. */
    private static void answer(final Exchange exchange, final Responder responder, final MockRequest request) {
        final Behaviour behaviour = request.behaviour();
        final Dialect dialect = exchange.dialect();
        try {
            if (behaviour.resetBeforeHead()) {
                exchange.abort(true);
            } else if (behaviour.isRedirect()) {
                exchange.sendEmpty(behaviour.status());
            } else if (behaviour.isError()) {
                exchange.sendError(behaviour.status(), behaviour.errorMessage() != null ? behaviour.errorMessage()
                    : ErrorBodies.defaultMessage(dialect, behaviour.status()), null,
                    behaviour.retryAfterSec());
            } else {
                final MockResponse rsp = responder.respond(request);
                if (rsp.isStream()) {
                    new StreamDriver(exchange, rsp, behaviour).start();
                } else {
                    JsonSender.send(exchange, rsp.jsonBody(), behaviour);
                }
            }
        } catch (final MockException e) {
            exchange.sendError(e.status(), e.getMessage(), e.code(), -1);
        } catch (final RuntimeException e) {
            LOG.debug("mock provider failed on {}", request.path(), e);
            exchange.sendError(500, ErrorBodies.defaultMessage(dialect, 500), null, -1);
        }
    }

    private static Responder route(final HttpMethod method, final String path) {
        final Responder post = POST_ROUTES.get(path);
        if (post != null) {
            if (!method.equals(HttpMethod.POST)) {
                throw new MockException(405, "Method " + method + " is not allowed on " + path + " (expected: POST)",
                    "method_not_allowed");
            }
            return post;
        }
        if (path.equals("/v1/models") || path.startsWith("/v1/models/")) {
            if (!method.equals(HttpMethod.GET)) {
                throw new MockException(405, "Method " + method + " is not allowed on " + path + " (expected: GET)",
                    "method_not_allowed");
            }
            return MODELS;
        }
        throw new MockException(404, "Unknown request URL: " + method + ' ' + path + ".", "unknown_url");
    }

    private static JsonNode parse(final byte[] body) {
        final JsonNode json;
        try {
            json = Json.MAPPER.readTree(body);
        } catch (final IOException e) {
            throw new MockException(400, "We could not parse the JSON body of your request.", "invalid_json");
        }
        if (json == null || !json.isObject()) {
            throw new MockException(400, "The request body must be a JSON object.", "invalid_json");
        }
        return json;
    }

    private void admin(final Exchange exchange, final HttpMethod method, final String path, final byte[] body) {
        if (path.equals("/mock/behaviours") || path.equals("/_mock/behaviours")) {
            BehavioursEndpoint.handle(exchange, method, path, body, behaviours);
        } else if (!path.equals("/_mock/records")) {
            exchange.sendError(404, "Unknown request URL: " + method + ' ' + path + ".", "unknown_url", -1);
        } else if (method.equals(HttpMethod.GET)) {
            exchange.sendFull(200, exchange.headers(HttpHeaderValues.APPLICATION_JSON),
                RecordsEndpoint.json(recorder.snapshot()));
        } else if (method.equals(HttpMethod.DELETE)) {
            recorder.clear();
            exchange.sendFull(200, exchange.headers(HttpHeaderValues.APPLICATION_JSON), "{\"cleared\":true}"
                .getBytes(StandardCharsets.UTF_8));
        } else {
            exchange.sendError(405, "Method " + method + " is not allowed on " + path + " (expected: GET or DELETE)",
                "method_not_allowed", -1);
        }
    }

    private static Map<String, String> lowerCased(final HttpHeaders headers) {
        final Map<String, String> out = new HashMap<>();
        for (final Map.Entry<String, String> h : headers) {
            out.merge(h.getKey().toLowerCase(Locale.ROOT), h.getValue(), (a, b) -> a + ", " + b);
        }
        return out;
    }
}
