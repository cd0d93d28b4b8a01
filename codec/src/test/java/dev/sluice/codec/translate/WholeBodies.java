package dev.sluice.codec.translate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.codec.Dialect;
import dev.sluice.codec.Usage;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Runs the whole-body translators on JSON text and returns the parsed result, checking on the way that the input
 * buffer was neither moved nor released and releasing every buffer.
 */
final class WholeBodies {
    static final ObjectMapper JSON = new ObjectMapper();
    static final ByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;
    private static final int PAD = 3;

    private WholeBodies() {
    }

    static JsonNode request(String json, Dialect from, Dialect to, String model, boolean stream,
            long defaultMaxTokens, TranslationWarnings warnings) throws TranslationException {
        ByteBuf in = padded(json);
        try {
            ByteBuf out = RequestTranslator.translate(ALLOC, in, from, to, model, stream, defaultMaxTokens, warnings);
            return parseAndRelease(out);
        } finally {
            assertUntouched(in);
            in.release();
        }
    }

    static JsonNode openAiToAnthropic(String json, TranslationWarnings warnings) throws TranslationException {
        return request(json, Dialect.OPENAI, Dialect.ANTHROPIC, "claude-test", false, 4096, warnings);
    }

    static JsonNode anthropicToOpenAi(String json, TranslationWarnings warnings) throws TranslationException {
        return request(json, Dialect.ANTHROPIC, Dialect.OPENAI, "gpt-test", false, 4096, warnings);
    }

    static JsonNode response(String json, Dialect from, Dialect to, Usage usage, TranslationWarnings warnings)
            throws TranslationException {
        ByteBuf in = padded(json);
        try {
            return parseAndRelease(ResponseTranslator.translate(ALLOC, in, from, to, usage, warnings));
        } finally {
            assertUntouched(in);
            in.release();
        }
    }

    static JsonNode error(int status, String body, Dialect from, Dialect to) {
        ByteBuf in = padded(body);
        try {
            return parseAndRelease(ResponseTranslator.translateError(ALLOC, status, in, from, to));
        } finally {
            assertUntouched(in);
            in.release();
        }
    }

    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A buffer whose readable bytes are the UTF-8 of {@code text} but whose reader index is not 0. */
    private static ByteBuf padded(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        ByteBuf buf = Unpooled.buffer(PAD + bytes.length);
        buf.writeBytes(new byte[] {'#', '#', '#'});
        buf.writeBytes(bytes);
        buf.readerIndex(PAD);
        return buf;
    }

    private static void assertUntouched(ByteBuf in) {
        assertThat(in.refCnt()).isEqualTo(1);
        assertThat(in.readerIndex()).isEqualTo(PAD);
    }

    private static JsonNode parseAndRelease(ByteBuf out) {
        try {
            String text = out.toString(StandardCharsets.UTF_8);
            // Compact output: no whitespace between tokens outside strings.
            assertThat(text).doesNotContain("\n").doesNotStartWith(" ");
            return parse(text);
        } finally {
            out.release();
        }
    }
}
