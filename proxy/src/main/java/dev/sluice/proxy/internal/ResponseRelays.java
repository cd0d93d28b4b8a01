package dev.sluice.proxy.internal;

import dev.sluice.codec.Usage;
import dev.sluice.codec.UsageScanner;
import dev.sluice.codec.translate.StreamTranslators;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * Chooses, once per answered attempt, how the provider's body reaches the client ({@link ResponseRelay}) and
 * sets the client head's framing headers to match: an SSE stream is chunked and not cached, a body translated
 * whole gets its length at the end, a body passed through keeps the provider's length or is chunked.
 * <p>
 * Thread-safe (stateless).
 */
final class ResponseRelays {
    private ResponseRelays() {
    }

    /**
     * The relay for the answer of {@code a} with provider status {@code status} and content type
     * {@code contentType}; usage read from the body goes into {@code usage}.
     *
     * @param sse whether the answer is an SSE stream the client asked for
     * @param upstreamHeaders the provider's response headers
     * @param clientHeaders the headers of the response head the client will get, completed here
     */
    static ResponseRelay open(LoopResources res, int maxEventBytes, ClientOut out, RequestInfo info, Attempt a,
                              boolean sse, int status, String contentType, HttpHeaders upstreamHeaders,
                              HttpHeaders clientHeaders, Usage usage) {
        HttpHeaders h = clientHeaders;
        if (sse) {
            h.set(HttpHeaderNames.CONTENT_TYPE, contentType);
            chunkedUnlessHttp10(h, info);
            h.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
            if (a.translated()) {
                return new TranslatedStreamRelay(out, StreamTranslators.create(a.upstreamDialect(),
                        info.endpoint.dialect(), a.deployment().upstreamModel(), info.includeUsage, maxEventBytes,
                        usage, a.warnings(), res.clock));
            }
            return res.takeRelay(maxEventBytes).reset(out, info.endpoint, usage, a.hideUsage());
        }
        if (a.translated()) {
            // A translated body is rewritten whole: its length is known only at the end.
            h.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
            return new TranslatedJsonRelay(out, status, a.upstreamDialect(), info.endpoint.dialect(), usage,
                    a.warnings(), res.clock);
        }
        h.set(HttpHeaderNames.CONTENT_TYPE, contentType != null ? contentType : HttpHeaderValues.APPLICATION_JSON);
        String len = upstreamHeaders.get(HttpHeaderNames.CONTENT_LENGTH);
        if (len != null) {
            h.set(HttpHeaderNames.CONTENT_LENGTH, len);
        } else {
            chunkedUnlessHttp10(h, info);
        }
        UsageScanner scanner = null;
        if (status == 200) {
            scanner = res.takeUsageScanner();
            scanner.reset(info.endpoint, usage);
        }
        return new JsonRelay(out, scanner);
    }

    /** A body of unknown length is chunked, or for an HTTP/1.0 client delimited by the close that follows it. */
    private static void chunkedUnlessHttp10(HttpHeaders h, RequestInfo info) {
        if (!info.http10) {
            h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
    }
}
