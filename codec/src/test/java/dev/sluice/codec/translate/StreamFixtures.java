package dev.sluice.codec.translate;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Stream fixtures from {@code translate/stream/} and ways of feeding bytes to a translator. */
final class StreamFixtures {
    /** The {@code created} time the fixtures' OpenAI chunks carry. */
    static final long CREATED = 1741569952L;

    private StreamFixtures() {
    }

    static byte[] bytes(String name) {
        try (InputStream in = StreamFixtures.class.getResourceAsStream("/translate/stream/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(String name) {
        return new String(bytes(name), StandardCharsets.UTF_8);
    }

    /** Cut points for feeding {@code length} bytes: whole, one byte at a time, or random pieces. */
    static List<Integer> pieces(String mode, int length) {
        List<Integer> sizes = new ArrayList<>();
        if (mode.equals("whole")) {
            sizes.add(length);
        } else if (mode.equals("bytewise")) {
            for (int i = 0; i < length; i++) {
                sizes.add(1);
            }
        } else {
            Random random = new Random(Long.parseLong(mode.substring("seed".length())));
            int left = length;
            while (left > 0) {
                // Mostly small pieces, sometimes a large one, so boundaries land everywhere.
                int size = random.nextInt(8) == 0 ? 1 + random.nextInt(400) : 1 + random.nextInt(12);
                size = Math.min(size, left);
                sizes.add(size);
                left -= size;
            }
        }
        return sizes;
    }

    /** Result of feeding a whole input. */
    static final class Fed {
        final String output;
        final int result;

        Fed(String output, int result) {
            this.output = output;
            this.result = result;
        }
    }

    /**
     * Feeds {@code input} in the pieces {@code mode} says, each in its own buffer whose reader index is not 0,
     * and returns the concatenated output and the first non-OK result (or OK). Every buffer is released.
     */
    static Fed feed(StreamTranslator translator, byte[] input, String mode) {
        ByteBuf out = Unpooled.buffer();
        try {
            int result = StreamTranslator.OK;
            int at = 0;
            for (int size : pieces(mode, input.length)) {
                ByteBuf in = Unpooled.buffer(size + 6);
                try {
                    in.writeBytes(new byte[] {'#', '#', '#'});
                    in.writeBytes(input, at, size);
                    in.writeBytes(new byte[] {'#', '#', '#'});
                    in.readerIndex(3);
                    in.writerIndex(3 + size);
                    int r = translator.onBytes(in, out);
                    if (in.isReadable()) {
                        throw new AssertionError("onBytes left " + in.readableBytes() + " bytes unread");
                    }
                    if (result == StreamTranslator.OK) {
                        result = r;
                    }
                } finally {
                    in.release();
                }
                at += size;
            }
            return new Fed(out.toString(StandardCharsets.UTF_8), result);
        } finally {
            out.release();
        }
    }

    /** The input with every line end (CRLF or LF) replaced by {@code lineEnd}. */
    static byte[] withLineEnds(byte[] input, String lineEnd) {
        String s = new String(input, StandardCharsets.UTF_8).replace("\r\n", "\n").replace("\n", lineEnd);
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
