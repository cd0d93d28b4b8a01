package dev.sluice.codec;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;

/**
 * Splices edits into a scanned request body without copying it: the result is a composite of retained slices
 * of the body and small inserted pieces. Edits: the model name, and forcing
 * {@code stream_options.include_usage:true} so the provider reports usage on streams (DESIGN.md request path 7).
 * Thread-safe (stateless).
 */
public final class BodyRewriter {
    private static final byte[] TRUE = ascii("true");
    private static final byte[] STREAM_OPTIONS_MEMBER = ascii("\"stream_options\":{\"include_usage\":true}");
    private static final byte[] STREAM_OPTIONS_OBJECT = ascii("{\"include_usage\":true}");
    private static final byte[] INCLUDE_USAGE_MEMBER = ascii("\"include_usage\":true");
    // The same members followed by a comma: the common cases, built once rather than per request.
    private static final byte[] STREAM_OPTIONS_MEMBER_COMMA = concat(STREAM_OPTIONS_MEMBER, new byte[] {','});
    private static final byte[] INCLUDE_USAGE_MEMBER_COMMA = concat(INCLUDE_USAGE_MEMBER, new byte[] {','});
    private static final byte[] MODEL_MEMBER_PREFIX = ascii("\"model\":\"");

    private BodyRewriter() {
    }

    /**
     * Returns a NEW buffer, owned by the caller, whose content is {@code body}'s readable bytes with:
     * (a) the model string content replaced by {@code newModelOrNull} (already JSON-escaped; a {@code model}
     * member is added first when the body had none), and (b) when {@code forceIncludeUsage},
     * {@code stream_options.include_usage} made {@code true}: added with its object when absent, added to the
     * object when missing, or its {@code false}/{@code null} literal replaced. {@code body}'s reference count and
     * indices are unchanged; the result holds its own references to body's memory.
     *
     * @param f facts from a successful {@link RequestScanner#scan} of this same {@code body}
     * @throws IllegalArgumentException when {@code f} does not describe a scanned object
     */
    public static ByteBuf rewrite(ByteBufAllocator alloc, ByteBuf body, RequestFacts f, byte[] newModelOrNull,
            boolean forceIncludeUsage) {
        requireNonNull(alloc, "alloc");
        requireNonNull(body, "body");
        requireNonNull(f, "f");
        if (f.objectStart < body.readerIndex() || f.objectEnd > body.writerIndex() || f.objectEnd <= f.objectStart) {
            throw new IllegalArgumentException("f: " + f + " (expected: facts of a scanned object in body)");
        }
        Edits edits = new Edits();
        byte[] modelMember = null;
        if (newModelOrNull != null) {
            if (f.modelStart >= 0) {
                edits.add(f.modelStart, f.modelEnd, newModelOrNull);
            } else {
                modelMember = concat(MODEL_MEMBER_PREFIX, newModelOrNull, new byte[] {'"'});
            }
        }
        byte[] optionsMember = null;
        if (forceIncludeUsage) {
            if (f.streamOptionsNull) {
                edits.add(f.streamOptionsStart, f.streamOptionsEnd, STREAM_OPTIONS_OBJECT);
            } else if (f.streamOptionsStart < 0) {
                optionsMember = STREAM_OPTIONS_MEMBER;
            } else if (f.includeUsage < 0) {
                int at = f.streamOptionsStart + 1;
                edits.add(at, at, f.streamOptionsKeys > 0 ? INCLUDE_USAGE_MEMBER_COMMA : INCLUDE_USAGE_MEMBER);
            } else if (f.includeUsage == 0) {
                edits.add(f.includeUsageValueStart, f.includeUsageValueEnd, TRUE);
            }
        }
        if (modelMember != null || optionsMember != null) {
            byte[] members = modelMember != null && optionsMember != null
                    ? concat(modelMember, new byte[] {','}, optionsMember)
                    : modelMember != null ? modelMember : optionsMember;
            // An empty object {} takes the members without a trailing comma.
            int at = f.objectStart + 1;
            byte[] inserted = members;
            if (f.topLevelKeys > 0) {
                inserted = members == STREAM_OPTIONS_MEMBER ? STREAM_OPTIONS_MEMBER_COMMA : concat(members, new byte[] {','});
            }
            edits.add(at, at, inserted);
        }
        if (edits.count == 0) {
            return body.retainedSlice();
        }
        edits.sort();
        CompositeByteBuf out = alloc.compositeBuffer(2 * edits.count + 1);
        try {
            int cursor = body.readerIndex();
            for (int k = 0; k < edits.count; k++) {
                if (edits.start[k] > cursor) {
                    out.addComponent(true, body.retainedSlice(cursor, edits.start[k] - cursor));
                }
                out.addComponent(true, Unpooled.wrappedBuffer(edits.bytes[k]));
                cursor = edits.end[k];
            }
            if (body.writerIndex() > cursor) {
                out.addComponent(true, body.retainedSlice(cursor, body.writerIndex() - cursor));
            }
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** At most three non-overlapping replacements of [start, end) by bytes. */
    private static final class Edits {
        final int[] start = new int[3];
        final int[] end = new int[3];
        final byte[][] bytes = new byte[3][];
        int count;

        void add(int from, int to, byte[] with) {
            start[count] = from;
            end[count] = to;
            bytes[count] = with;
            count++;
        }

        void sort() {
            for (int a = 1; a < count; a++) {
                for (int b = a; b > 0 && start[b] < start[b - 1]; b--) {
                    swap(b, b - 1);
                }
            }
        }

        private void swap(int a, int b) {
            int s = start[a];
            start[a] = start[b];
            start[b] = s;
            int e = end[a];
            end[a] = end[b];
            end[b] = e;
            byte[] x = bytes[a];
            bytes[a] = bytes[b];
            bytes[b] = x;
        }
    }
}
