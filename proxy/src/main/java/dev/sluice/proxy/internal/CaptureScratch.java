package dev.sluice.proxy.internal;

import static java.util.Objects.requireNonNull;

import dev.sluice.codec.Clock;
import dev.sluice.codec.redact.JsonRedaction;
import dev.sluice.codec.redact.Redactor;
import dev.sluice.codec.redact.StreamRedaction;
import dev.sluice.journal.JournalProducer;
import dev.sluice.journal.ResponsePartRecord;
import dev.sluice.routing.config.CaptureLevel;
import dev.sluice.routing.config.JournalPolicy;

import java.util.ArrayDeque;

/**
 * What one event loop's content captures share, so that capturing allocates nothing per event and, once warm,
 * nothing per request: the journal producer, the copy and redaction scratch, and idle captures and stream
 * redactions for reuse. A reload with other redaction settings replaces the redaction scratch.
 * <p>
 * Confined to the event loop it was made for.
 */
public final class CaptureScratch {
    /** Idle captures and stream redactions kept for reuse at most. */
    static final int MAX_POOLED = 1024;

    final JournalProducer journal;
    final Clock clock;
    final ResponsePartRecord responsePart = new ResponsePartRecord();
    /** Captured bytes on their way to redaction and the journal; grows to the largest read or body seen. */
    private byte[] copy = new byte[16 * 1024];
    private Redactor redactor;
    private JsonRedaction jsonRedaction;
    private final ArrayDeque<StreamRedaction> streams = new ArrayDeque<>();
    private final ArrayDeque<ContentCapture> captures = new ArrayDeque<>();

    public CaptureScratch(JournalProducer journal, Clock clock) {
        this.journal = requireNonNull(journal, "journal");
        this.clock = requireNonNull(clock, "clock");
    }

    /**
     * The capture of a request at {@code level} (an idle one reused), or null for {@link CaptureLevel#OFF}; give it
     * back with {@link #giveBack(ContentCapture)} once its END record is written. The request started at
     * {@code startWallMicros} (wall clock) and {@code startNs} ({@link Clock#nanoTime()}).
     */
    public ContentCapture capture(JournalPolicy policy, CaptureLevel level, long requestId, long startWallMicros,
                                  long startNs) {
        if (level == CaptureLevel.OFF) {
            return null;
        }
        ContentCapture c = captures.pollLast();
        if (c == null) {
            c = new ContentCapture(this);
        }
        c.start(policy, level, requestId, startWallMicros, startNs);
        return c;
    }

    /** Takes back a capture whose request has ended. */
    public void giveBack(ContentCapture c) {
        if (captures.size() < MAX_POOLED) {
            captures.addLast(c);
        }
    }

    /** Records this loop's journal producer appended (its captures' parts among them). */
    public long journalAppends() {
        return journal.appendedRecords();
    }

    /** A scratch array of at least {@code bytes}, reused by every capture of this loop. */
    byte[] copyScratch(int bytes) {
        if (copy.length < bytes) {
            copy = new byte[Math.max(bytes, copy.length * 2)];
        }
        return copy;
    }

    /** This loop's JSON body redaction for {@code r}. */
    JsonRedaction jsonRedaction(Redactor r) {
        use(r);
        if (jsonRedaction == null) {
            jsonRedaction = r.newJsonRedaction();
        }
        return jsonRedaction;
    }

    /** An idle stream redaction of {@code r}, or a new one. */
    StreamRedaction takeStreamRedaction(Redactor r) {
        use(r);
        StreamRedaction s = streams.pollLast();
        return s != null ? s : r.newStreamRedaction();
    }

    /** Takes back a stream redaction whose stream has ended. */
    void giveBack(StreamRedaction s, Redactor of) {
        s.reset();
        if (of == redactor && streams.size() < MAX_POOLED) {
            streams.addLast(s);
        }
    }

    private void use(Redactor r) {
        if (r != redactor) {
            redactor = r;
            jsonRedaction = null;
            streams.clear();
        }
    }
}
