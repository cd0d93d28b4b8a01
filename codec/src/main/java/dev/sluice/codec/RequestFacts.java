package dev.sluice.codec;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * What {@link RequestScanner} found in a request body, as absolute indices into the scanned buffer so the hot
 * path never builds a String. Every {@code *Start} is inclusive and every {@code *End} exclusive; -1 means
 * absent. Only TOP-LEVEL members are recorded. Reusable via {@link #reset()}. Confined to one thread.
 */
public final class RequestFacts {
    private static final JsonFactory JSON = new JsonFactory();

    /** Index of the top-level opening brace. */
    public int objectStart;
    /** Index just past the top-level closing brace. */
    public int objectEnd;
    /** Number of top-level members. */
    public int topLevelKeys;
    /** {@code model} string content, between (not including) the quotes. */
    public int modelStart;
    public int modelEnd;
    /** Whether the model string contains a backslash escape (compare decoded, see {@link #model}). */
    public boolean modelHasEscape;
    /** Whether {@code stream} is present as a boolean, and its value. */
    public boolean hasStream;
    public boolean stream;
    /** {@code stream_options}: from its opening brace to just past its closing brace (or its {@code null} literal). */
    public int streamOptionsStart;
    public int streamOptionsEnd;
    /** Whether {@code stream_options} is the literal {@code null}. */
    public boolean streamOptionsNull;
    /** Number of members of {@code stream_options}. */
    public int streamOptionsKeys;
    /** {@code stream_options.include_usage}: -1 absent, 0 false (or null), 1 true. */
    public int includeUsage;
    /** The include_usage literal ({@code true}, {@code false} or {@code null}). */
    public int includeUsageValueStart;
    public int includeUsageValueEnd;
    /** First present of max_completion_tokens, max_tokens, max_output_tokens; -1 when none. */
    public long maxTokens;
    /** {@code user} string content, between the quotes. */
    public int userStart;
    public int userEnd;
    /** {@code metadata} object, from its opening brace to just past its closing brace. */
    public int metadataStart;
    public int metadataEnd;

    public RequestFacts() {
        reset();
    }

    /** Marks everything absent. */
    public void reset() {
        objectStart = -1;
        objectEnd = -1;
        topLevelKeys = 0;
        modelStart = -1;
        modelEnd = -1;
        modelHasEscape = false;
        hasStream = false;
        stream = false;
        streamOptionsStart = -1;
        streamOptionsEnd = -1;
        streamOptionsNull = false;
        streamOptionsKeys = 0;
        includeUsage = -1;
        includeUsageValueStart = -1;
        includeUsageValueEnd = -1;
        maxTokens = -1;
        userStart = -1;
        userEnd = -1;
        metadataStart = -1;
        metadataEnd = -1;
    }

    public boolean hasModel() {
        return modelStart >= 0;
    }

    /** Whether the request streams ({@code "stream": true}). */
    public boolean streaming() {
        return hasStream && stream;
    }

    /**
     * Returns the decoded model name, or {@code null} when absent. Allocates: for error and cold paths.
     *
     * @param body the buffer that was scanned
     */
    public String model(ByteBuf body) {
        return hasModel() ? decode(body, modelStart, modelEnd, modelHasEscape) : null;
    }

    /** Returns the decoded {@code user} string, or {@code null} when absent. Allocates. */
    public String user(ByteBuf body) {
        return userStart >= 0 ? decode(body, userStart, userEnd, true) : null;
    }

    /**
     * Whether the raw model bytes equal {@code name} (raw JSON string content, as configured). Allocates nothing.
     * An escaped model never matches; compare {@link #model} instead.
     */
    public boolean modelEquals(ByteBuf body, byte[] name) {
        requireNonNull(body, "body");
        requireNonNull(name, "name");
        if (!hasModel() || modelHasEscape || modelEnd - modelStart != name.length) {
            return false;
        }
        for (int i = 0; i < name.length; i++) {
            if (body.getByte(modelStart + i) != name[i]) {
                return false;
            }
        }
        return true;
    }

    private static String decode(ByteBuf body, int start, int end, boolean mayHaveEscape) {
        requireNonNull(body, "body");
        if (!mayHaveEscape) {
            return body.toString(start, end - start, StandardCharsets.UTF_8);
        }
        byte[] quoted = new byte[end - start + 2];
        quoted[0] = '"';
        body.getBytes(start, quoted, 1, end - start);
        quoted[quoted.length - 1] = '"';
        try (JsonParser parser = JSON.createParser(quoted)) {
            if (parser.nextToken() != JsonToken.VALUE_STRING) {
                throw new IllegalStateException("not a JSON string at [" + start + ", " + end + ")");
            }
            return parser.getText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int objectStart() {
        return objectStart;
    }

    public int modelStart() {
        return modelStart;
    }

    public int modelEnd() {
        return modelEnd;
    }

    public boolean modelHasEscape() {
        return modelHasEscape;
    }

    public boolean hasStream() {
        return hasStream;
    }

    public boolean stream() {
        return stream;
    }

    public int streamOptionsStart() {
        return streamOptionsStart;
    }

    public int streamOptionsEnd() {
        return streamOptionsEnd;
    }

    public int includeUsage() {
        return includeUsage;
    }

    public int includeUsageValueStart() {
        return includeUsageValueStart;
    }

    public int includeUsageValueEnd() {
        return includeUsageValueEnd;
    }

    public long maxTokens() {
        return maxTokens;
    }

    public int userStart() {
        return userStart;
    }

    public int userEnd() {
        return userEnd;
    }

    @Override
    public String toString() {
        return "RequestFacts{object=" + objectStart + ".." + objectEnd + ", keys=" + topLevelKeys
                + ", model=" + modelStart + ".." + modelEnd + (modelHasEscape ? " escaped" : "")
                + ", stream=" + (hasStream ? String.valueOf(stream) : "absent")
                + ", streamOptions=" + streamOptionsStart + ".." + streamOptionsEnd
                + (streamOptionsNull ? " null" : "") + ", includeUsage=" + includeUsage
                + ", maxTokens=" + maxTokens + ", user=" + userStart + ".." + userEnd + '}';
    }
}
