package dev.sluice.codec.redact;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Test helpers: run a redaction over strings. */
final class Redact {
    private Redact() {
    }

    /** Redacts a whole body; counts go to {@code counts}. */
    static String body(Redactor r, String body, RedactionCounts counts) {
        JsonRedaction j = r.newJsonRedaction();
        byte[] b = body.getBytes(UTF_8);
        int n = j.redact(b, 0, b.length, counts);
        return new String(j.out(), 0, n, UTF_8);
    }

    static String body(String body, RedactionCounts counts) {
        return body(Redactor.builtIn(), body, counts);
    }

    /** Feeds each piece to a stream redaction, draining after each, then finishes. */
    static String stream(StreamRedaction s, List<byte[]> pieces, RedactionCounts counts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : pieces) {
            s.accept(p, 0, p.length);
            int n = s.drain(counts);
            out.write(s.out(), 0, n);
        }
        int n = s.finish(counts);
        out.write(s.out(), 0, n);
        return out.toString(UTF_8);
    }

    /** {@code all} cut into pieces of 1 to {@code maxPiece} bytes at places {@code rnd} picks. */
    static List<byte[]> pieces(byte[] all, Random rnd, int maxPiece) {
        List<byte[]> pieces = new ArrayList<>();
        for (int i = 0; i < all.length; ) {
            int n = Math.min(all.length - i, 1 + rnd.nextInt(maxPiece));
            pieces.add(Arrays.copyOfRange(all, i, i + n));
            i += n;
        }
        return pieces;
    }

    static String stream(List<String> pieces, RedactionCounts counts) {
        return stream(Redactor.builtIn().newStreamRedaction(),
            pieces.stream().map(p -> p.getBytes(UTF_8)).toList(), counts);
    }
}
