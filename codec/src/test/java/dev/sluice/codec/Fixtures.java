package dev.sluice.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Test fixtures copied byte for byte from PROVIDERS.md, and buffers that do not start at index 0. */
final class Fixtures {
    private Fixtures() {
    }

    static byte[] bytes(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A heap buffer whose readable bytes are {@code data[from, to)} but whose reader index is not 0, so tests
     * catch relative-vs-absolute index mistakes. The caller releases it.
     */
    static ByteBuf offsetBuffer(byte[] data, int from, int to, int pad) {
        ByteBuf buf = Unpooled.buffer(pad + (to - from) + pad);
        for (int i = 0; i < pad; i++) {
            buf.writeByte('#');
        }
        buf.writeBytes(data, from, to - from);
        buf.readerIndex(pad);
        return buf;
    }
}
