package dev.sluice.proxy.internal;

import dev.sluice.codec.redact.RedactionCounts;
import dev.sluice.codec.redact.Redactor;
import dev.sluice.codec.redact.StreamRedaction;
import dev.sluice.journal.Capture;
import dev.sluice.journal.EndRecord;
import dev.sluice.journal.JournalProducer;
import dev.sluice.journal.RequestRecord;
import dev.sluice.routing.config.CaptureLevel;
import dev.sluice.routing.config.JournalPolicy;

import io.netty.buffer.ByteBuf;

/**
 * What the journal keeps of one request's content, under its capture level ({@link JournalPolicy#captureFor}):
 * the request body (redacted) in the REQUEST record, and the answer as relayed to the client, redacted and appended
 * as RESPONSE_PART records, at most one per provider read. Redaction changes what is stored, never what the client
 * receives: the relayed bytes are read, not touched. A stream's redaction holds back what could still be the start
 * of a value continuing in the next event, so a value split across events is caught. The request body and the
 * answer together are cut at {@link JournalPolicy#maxCaptureBytes()}; the END record says so. Captures are pooled
 * per event loop ({@link CaptureScratch}).
 * <p>
 * Confined to the client channel's event loop.
 */
public final class ContentCapture {
    private final CaptureScratch res;
    private final RedactionCounts counts = new RedactionCounts();
    private CaptureLevel level;
    private Redactor redactor;
    private long requestId;
    /** The request's start on both clocks: a part's wall time is derived without reading the wall clock. */
    private long startWallMicros;
    private long startNs;
    private int maxBytes;
    private StreamRedaction stream;
    private int requestBytes;
    private long responseBytes;
    private long pendingBytes;
    private int sequence;
    private boolean cut;
    private boolean failed;

    ContentCapture(CaptureScratch res) {
        this.res = res;
    }

    /**
     * Starts capturing request {@code requestId} at {@code level} (not {@link CaptureLevel#OFF}), which started at
     * {@code startWallMicros} on the wall clock and {@code startNs} on the monotonic one.
     */
    void start(JournalPolicy policy, CaptureLevel level, long requestId, long startWallMicros, long startNs) {
        this.level = level;
        this.requestId = requestId;
        this.startWallMicros = startWallMicros;
        this.startNs = startNs;
        this.redactor = policy.redactor();
        this.maxBytes = (int) Math.min(policy.maxCaptureBytes(), res.journal.maxRecordBytes() - 4096L);
        this.stream = level == CaptureLevel.FULL ? res.takeStreamRedaction(redactor) : null;
        counts.clear();
        requestBytes = 0;
        responseBytes = 0;
        pendingBytes = 0;
        sequence = 0;
        cut = false;
        failed = false;
    }

    /**
     * Puts the request body into {@code r}: redacted under full capture, its digest only under metadata. The bytes
     * live in this loop's scratch until the record is appended, which the caller does next.
     */
    void captureRequest(RequestRecord r, RequestBody body) {
        if (body == null || body.size() == 0) {
            return;
        }
        // Cut at the cap under metadata too: the body travels to the journal to be digested, and a record larger
        // than the producer takes would refuse the request.
        int n = Math.min(body.size(), maxBytes);
        cut |= n < body.size();
        byte[] raw = res.copyScratch(n);
        body.bytes().getBytes(body.bytes().readerIndex(), raw, 0, n);
        if (level == CaptureLevel.METADATA) {
            requestBytes = n;
            r.body(raw, 0, n, true);
            return;
        }
        int length = res.jsonRedaction(redactor).redact(raw, 0, n, counts);
        requestBytes = length;
        r.body(res.jsonRedaction(redactor).out(), 0, length, false);
    }

    /** Reads the bytes about to be relayed to the client (full capture); {@code buf} is not changed. */
    public void onRelayed(ByteBuf buf) {
        if (stream == null || cut) {
            return;
        }
        int n = buf.readableBytes();
        long room = maxBytes - requestBytes - pendingBytes - responseBytes;
        if (n > room) {
            n = (int) Math.max(0, room);
            cut = true;
        }
        if (n == 0) {
            return;
        }
        byte[] scratch = res.copyScratch(n);
        buf.getBytes(buf.readerIndex(), scratch, 0, n);
        stream.accept(scratch, 0, n);
        pendingBytes += n;
    }

    /** Appends what the redaction lets go of as one RESPONSE_PART (called once per provider read). */
    public void flushPart() {
        if (stream != null && pendingBytes > 0) {
            append(stream.drain(counts));
        }
    }

    /** The answer ended: appends what is left. Nothing is captured after it. */
    public void finish() {
        if (stream != null) {
            append(stream.finish(counts));
            res.giveBack(stream, redactor);
            stream = null;
        }
    }

    private void append(int length) {
        pendingBytes = 0;
        if (length <= 0 || failed) {
            return;
        }
        // The wall clock's Instant would be allocated once per read; the start plus the elapsed time is not.
        long wallMicros = startWallMicros + (res.clock.nanoTime() - startNs) / 1000;
        long position = res.journal.append(res.responsePart.set(requestId, wallMicros, sequence++, stream.out(), 0,
                length));
        if (position == JournalProducer.FULL) {
            // The answer is already on its way to the client: keep serving, record that the capture is incomplete.
            failed = true;
            cut = true;
            return;
        }
        responseBytes += length;
    }

    /** Writes what was captured, and the redaction counts, into the END record. */
    void fillEnd(EndRecord e) {
        e.capture(level == CaptureLevel.FULL ? Capture.FULL : Capture.METADATA, requestBytes, responseBytes, cut);
        for (int i = 0, n = counts.size(); i < n; i++) {
            e.addRedactions(counts.label(i), counts.count(i));
        }
    }
}
