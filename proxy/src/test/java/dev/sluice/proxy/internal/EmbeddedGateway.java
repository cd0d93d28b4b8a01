package dev.sluice.proxy.internal;

import dev.sluice.codec.ManualClock;
import dev.sluice.journal.Journal;
import dev.sluice.journal.JournalEntry;
import dev.sluice.journal.JournalMode;
import dev.sluice.journal.JournalReader;
import dev.sluice.journal.JournalSettings;
import dev.sluice.routing.admission.LocalAdmission;
import dev.sluice.routing.config.ConfigLoader;
import dev.sluice.routing.config.GatewayConfig;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.ReferenceCountUtil;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A gateway's request path on {@link EmbeddedChannel}s, for tests of one handler or one exchange phase without a
 * socket: a client channel with the real {@link ClientHandler}, real journal files (direct mode: a record is
 * durable once appended), real local admission, and idle "provider connections" seeded in the pool, each an
 * embedded channel ending in the real {@link UpstreamHandler}, on which the test reads the request the exchange
 * sent and writes the provider's answer as HTTP objects. Time is a {@link ManualClock} moved together with the
 * client channel's scheduler ({@link #advance}).
 * <p>
 * Not thread-safe: one test thread drives it.
 */
final class EmbeddedGateway implements AutoCloseable {
    /** The key every request of these tests sends (its hash is in {@link #config}). */
    static final String KEY = "sk-sluice-demo";
    private static final String KEY_HASH = "sha256:1c590839af894cf25f9a5fe06929af05b377f60efbe55508ef93d251887b9213";

    final ManualClock clock = new ManualClock(1_780_000_000_000_000L);
    final GatewayConfig config;
    final Journal journal;
    final GatewayContext context;
    final EmbeddedChannel client;
    final LoopResources res;
    private final Path journalDir;
    private final List<EmbeddedChannel> upstreams = new ArrayList<>();

    /**
     * A gateway on {@code models} (the YAML of the {@code models:} section) with providers {@code openai}
     * (OpenAI dialect) and {@code anthropic}, and one key {@link #KEY} whose extra YAML lines are {@code keyExtra}.
     */
    EmbeddedGateway(Path dir, String models, String keyExtra) throws Exception {
        String yaml = "server:\n  host: 127.0.0.1\n  port: 8080\n  admin_port: 8081\n  max_body_bytes: 2048\n"
                + "upstream:\n  connect_timeout_ms: 500\n  first_byte_timeout_ms: 1500\n  idle_timeout_ms: 1500\n"
                + "  backoff_ms: 5\n  max_backoff_ms: 20\n"
                + "providers:\n  openai: {kind: openai, base_url: \"http://127.0.0.1:9/v1\"}\n"
                + "  anthropic: {kind: anthropic, base_url: \"http://127.0.0.1:9\"}\n"
                + "models:\n" + models
                + "keys:\n  - id: test\n    hash: " + KEY_HASH + "\n    team: test\n    user: test\n"
                + "    models: \"*\"\n" + keyExtra;
        config = ConfigLoader.parse("sluice.yaml", yaml, Map.of()).withDataDir(dir);
        journalDir = dir.resolve("journal");
        journal = Journal.open(JournalSettings.builder(journalDir).mode(JournalMode.DIRECT).build());
        context = new GatewayContext(config, clock);
        context.admission(new LocalAdmission(clock::wallMs), false);
        client = new EmbeddedChannel();
        res = new LoopResources(client.eventLoop(), journal.newProducer(client.eventLoop()),
                new UpstreamPool(client.eventLoop(), NioSocketChannel.class, SslContextBuilder.forClient().build(), clock),
                clock);
        client.pipeline().addLast(new ClientHandler(context, res));
    }

    /** Seeds an idle connection to {@code provider} in the pool; the next attempt on it uses this channel. */
    EmbeddedChannel pooledUpstream(String provider) {
        EmbeddedChannel up = new EmbeddedChannel(new UpstreamHandler());
        upstreams.add(up);
        res.upstreams.release(config.providers().get(provider), up);
        return up;
    }

    /** A POST of {@code json} to {@code path} with the test key, as the decoder hands it to the client handler. */
    static FullHttpRequest post(String path, String json) {
        ByteBuf body = Unpooled.copiedBuffer(json, StandardCharsets.UTF_8);
        FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path, body);
        r.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + KEY);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        return r;
    }

    /** A chat completion request for {@code model}. */
    static FullHttpRequest chat(String model, boolean stream) {
        return post("/v1/chat/completions", "{\"model\":\"" + model + "\"," + (stream ? "\"stream\":true," : "")
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
    }

    /** The provider's response head. */
    static HttpResponse head(int status, String contentType) {
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        return r;
    }

    static HttpContent chunk(String text) {
        return new DefaultHttpContent(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
    }

    static LastHttpContent last(String text) {
        return new DefaultLastHttpContent(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
    }

    /** Reads (and releases) the request the exchange sent on {@code up}, returning it as text: "path\nbody". */
    static String sentRequest(EmbeddedChannel up) {
        FullHttpRequest r = up.readOutbound();
        if (r == null) {
            return null;
        }
        try {
            return r.uri() + "\n" + r.content().toString(StandardCharsets.UTF_8);
        } finally {
            r.release();
        }
    }

    /**
     * Reads (and releases) everything the gateway wrote to the client so far: the status line of a head, then the
     * body bytes, "|END" for the end of a body.
     */
    String clientOutput() {
        StringBuilder b = new StringBuilder();
        Object m;
        while ((m = client.readOutbound()) != null) {
            try {
                if (m instanceof HttpResponse) {
                    b.append(((HttpResponse) m).status().code()).append('\n');
                }
                if (m instanceof HttpContent) {
                    b.append(((HttpContent) m).content().toString(StandardCharsets.UTF_8));
                    if (m instanceof LastHttpContent) {
                        b.append("|END");
                    }
                } else if (m instanceof ByteBuf) {
                    b.append(((ByteBuf) m).toString(StandardCharsets.UTF_8));
                }
            } finally {
                ReferenceCountUtil.release(m);
            }
        }
        return b.toString();
    }

    /** Moves time by {@code ms}: the clock the exchange reads and the client channel's scheduled tasks. */
    void advance(long ms) {
        clock.advance(ms, TimeUnit.MILLISECONDS);
        client.advanceTimeBy(ms, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();
        client.runPendingTasks();
    }

    /** Every request in the journal, oldest first. */
    List<JournalEntry> journal() {
        try (JournalReader r = JournalReader.open(journalDir)) {
            return r.last(Integer.MAX_VALUE, 0);
        }
    }

    /** The only request in the journal, which must have ended. */
    JournalEntry onlyEntry() {
        List<JournalEntry> all = journal();
        if (all.size() != 1 || !all.get(0).isFinished()) {
            throw new AssertionError("expected one finished request in the journal, found " + all);
        }
        return all.get(0);
    }

    /**
     * Closes the channels and the journal. Returns whether anything was left unread on a channel (then released):
     * a test that read everything expects false.
     */
    boolean finish() {
        boolean left = client.finishAndReleaseAll();
        for (EmbeddedChannel up : upstreams) {
            left |= up.finishAndReleaseAll();
        }
        return left;
    }

    @Override
    public void close() {
        try {
            finish();
        } finally {
            journal.close();
        }
    }
}
