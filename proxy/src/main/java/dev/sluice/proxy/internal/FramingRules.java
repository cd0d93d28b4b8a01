package dev.sluice.proxy.internal;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Rejects requests whose framing two HTTP parsers could read differently (request smuggling, RELIABILITY.md A1,
 * A2, A4): the gateway refuses them with 400 and closes, it never normalises them. Stateless.
 */
final class FramingRules {
    private FramingRules() {
    }

    /** Returns why {@code req} is ambiguous, or {@code null} when its framing is unambiguous. */
    static String violation(HttpRequest req) {
        String target = req.uri();
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            // RFC 9112 3.2: a request target is visible ASCII; anything else is read differently by different
            // parsers (the decoder reads ISO-8859-1, an encoder may write UTF-8). Found by HttpFramingFuzzTest.
            if (c <= 0x20 || c >= 0x7f) {
                return "invalid character in the request target";
            }
        }
        HttpHeaders h = req.headers();
        List<String> te = h.contains(HttpHeaderNames.TRANSFER_ENCODING)
                ? h.getAll(HttpHeaderNames.TRANSFER_ENCODING) : List.of();
        List<String> cl = h.getAll(HttpHeaderNames.CONTENT_LENGTH);
        if (!te.isEmpty()) {
            if (!cl.isEmpty()) {
                return "both Content-Length and Transfer-Encoding";
            }
            if (te.size() > 1) {
                return "more than one Transfer-Encoding header";
            }
            // RFC 9112 6.1: chunked must be the final coding; the gateway accepts exactly "chunked" and nothing
            // that a lenient parser might read as chunked ("CHUNKED", " chunked", "identity, chunked").
            if (!"chunked".equals(te.get(0))) {
                return "Transfer-Encoding other than chunked";
            }
            if (req.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
                return "Transfer-Encoding on HTTP/1.0";
            }
        }
        // A body on HTTP/1.0 is framed by its one Content-Length (nginx's proxy_pass sends HTTP/1.0 by default);
        // repeated or malformed lengths are refused on the raw head by ClientRequestDecoder, before Netty's decoder
        // folds them.
        if (cl.size() > 1) {
            return "more than one Content-Length header";
        }
        if (cl.size() == 1) {
            String v = cl.get(0);
            if (v.isEmpty() || v.length() > 18) {
                return "invalid Content-Length";
            }
            for (int i = 0; i < v.length(); i++) {
                char c = v.charAt(i);
                if (c < '0' || c > '9') {
                    return "invalid Content-Length";
                }
            }
        }
        // As the decoder stored them: the String view of the map would make a String of every name.
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iteratorCharSequence(); it.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            CharSequence name = e.getKey();
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                // Underscores: some proxies map "x_api_key" onto "x-api-key" (Envoy REJECT_REQUEST policy).
                if (c == '_' || c <= 0x20 || c >= 0x7f) {
                    return "invalid character in a header name";
                }
            }
            CharSequence value = e.getValue();
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if ((c < 0x20 && c != '\t') || c == 0x7f) {
                    return "control character in a header value";
                }
            }
        }
        return null;
    }
}
