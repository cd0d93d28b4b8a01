package dev.sluice.codec.translate;

import static java.util.Objects.requireNonNull;

import dev.sluice.codec.Clock;
import dev.sluice.codec.JacksonWarmUp;
import dev.sluice.codec.Usage;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What both stream directions share: SSE framing of the upstream bytes, one Jackson tree per upstream event, the
 * result codes, the end and error flags, the content counters and the output buffer. A subclass translates one
 * parsed event at a time. Confined to one thread (the client connection's event loop).
 */
abstract class AbstractStreamTranslator implements StreamTranslator, StreamEventReader.Listener {
    private static final ObjectMapper JSON = JacksonWarmUp.warmed(new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS));
    // Returned by onEvent once the stream has ended: stops the reader; onBytes drops what follows.
    private static final int ENDED = -1;
    private static final String ID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    final String model;
    final Usage usage;
    final TranslationWarnings warnings;
    /** Scratch for one output event at a time; written to the output buffer as UTF-8. */
    final StringBuilder sb = new StringBuilder(256);

    private final StreamEventReader reader;
    private final Set<String> warned = new HashSet<>(4);
    private int failure = OK;
    private boolean terminal;
    private boolean upstreamError;
    private boolean contentInEvent;
    private int contentEvents;
    private long firstContentNs;
    private final Clock clock;

    AbstractStreamTranslator(String model, int maxEventBytes, Usage usage, TranslationWarnings warnings,
                             Clock clock) {
        this.clock = requireNonNull(clock, "clock");
        this.model = requireNonNull(model, "model");
        this.usage = requireNonNull(usage, "usage");
        this.warnings = requireNonNull(warnings, "warnings");
        this.reader = new StreamEventReader(maxEventBytes);
    }

    @Override
    public final int onBytes(ByteBuf in, ByteBuf out) {
        requireNonNull(in, "in");
        requireNonNull(out, "out");
        if (failure != OK || terminal) {
            in.skipBytes(in.readableBytes());
            return failure;
        }
        int result = reader.read(in, out, this);
        if (result == ENDED) {
            result = OK;
        } else if (result != OK) {
            failure = result;
        }
        // After the end (or a failure) nothing more is translated; the rest is consumed unread.
        in.skipBytes(in.readableBytes());
        return result;
    }

    @Override
    public final int onEvent(String eventName, byte[] data, int dataLength, boolean commentOnly, ByteBuf out) {
        if (commentOnly) {
            onKeepAlive(out);
            return OK;
        }
        contentInEvent = false;
        int result = onData(eventName, data, dataLength, out);
        if (contentInEvent) {
            if (contentEvents++ == 0) {
                firstContentNs = clock.nanoTime();
            }
        }
        if (result == OK && terminal) {
            return ENDED;
        }
        return result;
    }

    /** Translates one upstream event's data; returns OK or MALFORMED. */
    abstract int onData(String eventName, byte[] data, int dataLength, ByteBuf out);

    /** An upstream event with only comments: the client gets its dialect's keep-alive. */
    abstract void onKeepAlive(ByteBuf out);

    /** Parses one event's data as a JSON object, or returns {@code null} when it is not one. */
    static JsonNode parseObject(byte[] data, int dataLength) {
        try {
            JsonNode node = JSON.readTree(data, 0, dataLength);
            return node != null && node.isObject() ? node : null;
        } catch (IOException e) {
            // Jackson's parse errors are IOExceptions; nothing else is thrown when reading from an array.
            return null;
        }
    }

    /** Marks the current upstream event as one that carried generated content. */
    final void content() {
        contentInEvent = true;
    }

    /** Marks the stream ended: its client terminal event has been appended. */
    final void ended() {
        terminal = true;
    }

    /** Marks the stream ended by an upstream error, translated into the client's error event. */
    final void failed() {
        upstreamError = true;
        terminal = true;
    }

    /** Records {@code field} in the warnings the first time this stream drops it. */
    final void dropped(String field) {
        if (warned.add(field)) {
            warnings.dropped(field);
        }
    }

    /** Appends the scratch builder to {@code out} as UTF-8. */
    final void flush(ByteBuf out) {
        out.writeCharSequence(sb, StandardCharsets.UTF_8);
        sb.setLength(0);
    }

    /** Text of a string member, or {@code null} when absent or not a string. */
    static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() ? value.textValue() : null;
    }

    /** A non-negative integer member, or -1 when absent or not a number. */
    static long count(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isIntegralNumber() && value.longValue() >= 0 ? value.longValue() : -1;
    }

    static boolean isEmpty(String s) {
        return s == null || s.isEmpty();
    }

    /**
     * An id for the client's dialect: {@code prefix} and the upstream id without its own {@code upstreamPrefix},
     * kept to {@code [a-zA-Z0-9_-]}, so the client's id can be matched to the upstream's in the journal; a random
     * one when the upstream sent none.
     */
    static String clientId(String prefix, String upstreamId, String upstreamPrefix) {
        if (isEmpty(upstreamId)) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            StringBuilder id = new StringBuilder(prefix.length() + 24).append(prefix);
            for (int i = 0; i < 24; i++) {
                id.append(ID_ALPHABET.charAt(random.nextInt(ID_ALPHABET.length())));
            }
            return id.toString();
        }
        String core = upstreamId.startsWith(upstreamPrefix) && upstreamId.length() > upstreamPrefix.length()
                ? upstreamId.substring(upstreamPrefix.length()) : upstreamId;
        return prefix + ToolIds.sanitize(core);
    }

    @Override
    public final boolean terminal() {
        return terminal;
    }

    @Override
    public final boolean upstreamError() {
        return upstreamError;
    }

    @Override
    public final int contentEvents() {
        return contentEvents;
    }

    @Override
    public final long firstContentNs() {
        return firstContentNs;
    }
}
