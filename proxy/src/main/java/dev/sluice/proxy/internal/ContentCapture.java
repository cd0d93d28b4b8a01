package dev.sluice.proxy.internal;

import dev.sluice.codec.redact.RedactionCounts;
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
 * answer together are cut at {@link JournalPolicy#maxCaptureBytes()}; the END record says so.
 * <p>
 * Confined to the client channel's event loop.
 */
final class ContentCapture {
    private final LoopResources res;
    private final CaptureLevel level;
    private final long requestId;
    private final int maxBytes;
    private final RedactionCounts counts = new RedactionCounts();
    private StreamRedaction stream;
    private int requestBytes;
    private long responseBytes;
    private long pendingBytes;
    private int sequence;
    private boolean cut;
    private boolean failed;

    private ContentCapture(LoopResources res, JournalPolicy policy, CaptureLevel level, long requestId) {
        this.res = res;
        this.level = level;
        this.requestId = requestId;
        this.maxBytes = Math.min(policy.maxCaptureBytes(), res.journal.maxRecordBytes() - 4096);
        if (level == CaptureLevel.FULL) {
            this.stream = res.takeStreamRedaction(policy.redactor());
        }
    }

    /** The capture of a request at {@code level}, or null for {@link CaptureLevel#OFF}. */
    static ContentCapture of(LoopResources res, JournalPolicy policy, CaptureLevel level, long requestId) {
        return level == CaptureLevel.OFF ? null : new ContentCapture(res, policy, level, requestId);
    }

    /**
     * Puts the request body into {@code r}: redacted under full capture, its digest only under metadata. The bytes
     * live in this loop's scratch until the record is appended, which the caller does next.
     */
    void captureRequest(RequestRecord r, RequestBody body, JournalPolicy policy) {
        if (body == null || body.size() == 0) {
            return;
        }
        int n = level == CaptureLevel.FULL ? Math.min(body.size(), maxBytes) : body.size();
        byte[] raw = res.captureScratch(n);
        body.bytes().getBytes(body.bytes().readerIndex(), raw, 0, n);
        if (level == CaptureLevel.METADATA) {
            requestBytes = n;
            r.body(raw, 0, n, true);
            return;
        }
        cut |= n < body.size();
        int length = res.jsonRedaction(policy.redactor()).redact(raw, 0, n, counts);
        requestBytes = length;
        r.body(res.jsonRedaction(policy.redactor()).out(), 0, length, false);
    }

    /** Reads the bytes about to be relayed to the client (full capture); {@code buf} is not changed. */
    void onRelayed(ByteBuf buf) {
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
        byte[] scratch = res.captureScratch(n);
        buf.getBytes(buf.readerIndex(), scratch, 0, n);
        stream.accept(scratch, 0, n);
        pendingBytes += n;
    }

    /** Appends what the redaction lets go of as one RESPONSE_PART (called once per provider read). */
    void flushPart() {
        if (stream != null && pendingBytes > 0) {
            append(stream.drain(counts));
        }
    }

    /** The answer ended: appends what is left. */
    void finish() {
        if (stream != null) {
            append(stream.finish(counts));
            res.giveBack(stream);
            stream = null;
        }
    }

    private void append(int length) {
        pendingBytes = 0;
        if (length <= 0 || failed) {
            return;
        }
        long position = res.journal.append(res.responsePart.set(requestId, res.clock.wallMicros(), sequence++,
                stream.out(), 0, length));
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
