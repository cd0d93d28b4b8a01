package dev.sluice.bench.compare.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;

/**
 * Every response the comparison's upstream sends, encoded once at start as HTTP/1.1 bytes in direct buffers:
 * per {@link BenchModel} an OpenAI {@code chat.completion} with {@code Content-Length}, a whole chunked SSE
 * stream, and the same stream cut into one chunked piece per event for pacing. Buffers are sent as
 * {@code retainedDuplicate()}s and released by {@link #release()}. Thread-safe after construction.
 */
public final class UpstreamResponses {
    static final String[] WORDS = {"Hello", " there", "!", " This", " is", " a", " mock", " token", " stream",
        " from", " the", " fake", " upstream", " used", " for", " gateway", " latency", " tests", ".", " Done"};
    private static final String CREATED = "1764000000";

    private final Map<BenchModel, ByteBuf> json = new EnumMap<>(BenchModel.class);
    private final Map<BenchModel, ByteBuf> stream = new EnumMap<>(BenchModel.class);
    private final Map<BenchModel, ByteBuf[]> pieces = new EnumMap<>(BenchModel.class);
    private final ByteBuf streamHead;
    private final ByteBuf health;
    private final ByteBuf notFound;
    private final ByteBuf unknownModel;
    private final ByteBuf notImplemented;

    public UpstreamResponses() {
        streamHead = buffer("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\n"
                + "cache-control: no-cache\r\ntransfer-encoding: chunked\r\n\r\n");
        for (BenchModel m : BenchModel.values()) {
            String body = jsonBody(m);
            json.put(m, buffer("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
                    + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body));
            String[] events = events(m);
            ByteBuf[] p = new ByteBuf[events.length];
            StringBuilder whole = new StringBuilder(8192);
            for (int i = 0; i < events.length; i++) {
                String piece = chunk(events[i]) + (i == events.length - 1 ? "0\r\n\r\n" : "");
                p[i] = buffer(piece);
                whole.append(piece);
            }
            pieces.put(m, p);
            stream.put(m, buffer("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\n"
                    + "cache-control: no-cache\r\ntransfer-encoding: chunked\r\n\r\n" + whole));
        }
        health = buffer("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok");
        notFound = error(404, "Not Found", "not_found");
        unknownModel = error(400, "Bad Request", "unknown_model (expected: mock, mock-lat50, mock-ttft20-itl10, mock-n40)");
        notImplemented = buffer("HTTP/1.1 501 Not Implemented\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    }

    private static ByteBuf error(int status, String reason, String message) {
        String body = "{\"error\":{\"message\":\"" + message + "\",\"type\":\"invalid_request_error\"}}";
        return buffer("HTTP/1.1 " + status + " " + reason + "\r\ncontent-type: application/json\r\ncontent-length: "
                + body.length() + "\r\n\r\n" + body);
    }

    private static ByteBuf buffer(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return Unpooled.directBuffer(b.length).writeBytes(b);
    }

    private static String chunk(String data) {
        int n = data.getBytes(StandardCharsets.UTF_8).length;
        return Integer.toHexString(n) + "\r\n" + data + "\r\n";
    }

    static String content(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(WORDS[i % WORDS.length]);
        }
        return sb.toString();
    }

    static String jsonBody(BenchModel m) {
        int n = m.contentChunks();
        return "{\"id\":\"chatcmpl-bench0001\",\"object\":\"chat.completion\",\"created\":" + CREATED
                + ",\"model\":\"" + m.id() + "\",\"system_fingerprint\":\"fp_bench\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":\"" + content(n) + "\",\"refusal\":null},"
                + "\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":25,"
                + "\"completion_tokens\":" + n + ",\"total_tokens\":" + (25 + n) + "}}";
    }

    /** The SSE events of a stream, each {@code data: ...\n\n}: content chunks, finish with usage, [DONE]. */
    static String[] events(BenchModel m) {
        int n = m.contentChunks();
        String base = "{\"id\":\"chatcmpl-bench0001\",\"object\":\"chat.completion.chunk\",\"created\":" + CREATED
                + ",\"model\":\"" + m.id() + "\",\"system_fingerprint\":\"fp_bench\",\"choices\":[{\"index\":0,";
        String[] out = new String[n + 2];
        for (int i = 0; i < n; i++) {
            String delta = i == 0 ? "{\"role\":\"assistant\",\"content\":\"" + WORDS[0] + "\"}"
                    : "{\"content\":\"" + WORDS[i % WORDS.length] + "\"}";
            out[i] = "data: " + base + "\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":null}]}\n\n";
        }
        out[n] = "data: " + base + "\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":"
                + "{\"prompt_tokens\":25,\"completion_tokens\":" + n + ",\"total_tokens\":" + (25 + n) + "}}\n\n";
        out[n + 1] = "data: [DONE]\n\n";
        return out;
    }

    /** The whole JSON response of {@code m}. */
    public ByteBuf json(BenchModel m) {
        return json.get(m);
    }

    /** The whole chunked SSE response of {@code m}, headers included. */
    public ByteBuf stream(BenchModel m) {
        return stream.get(m);
    }

    /** The SSE response headers alone, for paced streams. */
    public ByteBuf streamHead() {
        return streamHead;
    }

    /** The stream of {@code m} as one chunked piece per event; the last also ends the chunked body. */
    public ByteBuf[] pieces(BenchModel m) {
        return pieces.get(m);
    }

    public ByteBuf health() {
        return health;
    }

    public ByteBuf notFound() {
        return notFound;
    }

    public ByteBuf unknownModel() {
        return unknownModel;
    }

    /** 501 and close: chunked request bodies are not read. */
    public ByteBuf notImplemented() {
        return notImplemented;
    }

    /** Releases every buffer; call once, after the server's channels are closed. */
    public void release() {
        json.values().forEach(ByteBuf::release);
        stream.values().forEach(ByteBuf::release);
        pieces.values().forEach(p -> {
            for (ByteBuf b : p) {
                b.release();
            }
        });
        streamHead.release();
        health.release();
        notFound.release();
        unknownModel.release();
        notImplemented.release();
    }
}
