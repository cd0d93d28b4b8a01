package dev.sluice.proxy.internal;

import dev.sluice.codec.BodyRewriter;
import dev.sluice.codec.Dialect;
import dev.sluice.codec.Endpoint;
import dev.sluice.codec.translate.RequestTranslator;
import dev.sluice.codec.translate.TranslationException;
import dev.sluice.codec.translate.TranslationWarnings;
import dev.sluice.routing.config.Deployment;
import dev.sluice.routing.config.ProviderConfig;
import dev.sluice.routing.config.ProviderKind;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;

/**
 * Builds the request an attempt sends to its deployment: the client's body with the deployment's model spliced in
 * (or translated into the provider's dialect), the provider's path, and headers that carry the provider's own key,
 * never the client's credentials.
 * <p>
 * Thread-safe (stateless).
 */
final class UpstreamRequests {
    private static final AsciiString USER_AGENT = AsciiString.cached("sluice/0.1");
    private static final AsciiString ANTHROPIC_VERSION = AsciiString.cached("anthropic-version");
    private static final AsciiString ANTHROPIC_BETA = AsciiString.cached("anthropic-beta");
    private static final AsciiString DEFAULT_ANTHROPIC_VERSION = AsciiString.cached("2023-06-01");
    private static final AsciiString EVENT_STREAM = AsciiString.cached("text/event-stream");
    /** Output tokens asked of an Anthropic deployment when an OpenAI-format request names no limit (P10). */
    static final long DEFAULT_TRANSLATED_MAX_TOKENS = 4096;
    /**
     * Headers of messages the gateway builds itself: names are constants and every value is a constant, a header
     * the strict decoder already validated, or a provider key checked at configuration load (ConfigLoader refuses
     * control characters in it). Validating them again on every request is pure cost.
     */
    static final HttpHeadersFactory TRUSTED_HEADERS = DefaultHttpHeadersFactory.headersFactory().withValidation(false);

    private UpstreamRequests() {
    }

    /**
     * The request of {@code attempt} for the client's {@code body} (scanned into its facts). The returned request
     * owns a new body buffer; the client's body is only read.
     *
     * @throws TranslationException when the body uses what the provider's dialect cannot express
     */
    static FullHttpRequest build(ByteBufAllocator alloc, RequestBody body, Endpoint endpoint, boolean stream,
                                 HttpHeaders clientHeaders, Attempt attempt) throws TranslationException {
        Deployment d = attempt.deployment();
        ProviderConfig p = d.provider();
        boolean translate = attempt.translated();
        ByteBuf upstreamBody = translate
                ? RequestTranslator.translate(alloc, body.bytes(), endpoint.dialect(), p.kind().dialect(),
                        d.upstreamModel(), stream, DEFAULT_TRANSLATED_MAX_TOKENS, attempt.warnings())
                : BodyRewriter.rewrite(alloc, body.bytes(), body.facts(), d.upstreamModelJson(), attempt.hideUsage());
        Endpoint target = !translate ? endpoint
                : p.kind().dialect() == Dialect.ANTHROPIC ? Endpoint.MESSAGES : Endpoint.CHAT_COMPLETIONS;
        String path = p.basePath() + (p.kind() == ProviderKind.OPENAI ? target.path().substring(3) : target.path());
        // A body of known length has no trailer: the shared empty map, not one per request.
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path, upstreamBody,
                TRUSTED_HEADERS.newHeaders(), EmptyHttpHeaders.INSTANCE);
        HttpHeaders h = req.headers();
        h.set(HttpHeaderNames.HOST, p.hostHeader());
        h.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, upstreamBody.readableBytes());
        h.set(HttpHeaderNames.ACCEPT, stream ? EVENT_STREAM : HttpHeaderValues.APPLICATION_JSON);
        h.set(HttpHeaderNames.USER_AGENT, USER_AGENT);
        // Without Accept-Encoding any coding is acceptable (RFC 9110 12.5.3): ask for none, and refuse any other.
        h.set(HttpHeaderNames.ACCEPT_ENCODING, HttpHeaderValues.IDENTITY);
        // The client's credentials never go upstream: only the provider's own key is added.
        if (p.kind() == ProviderKind.ANTHROPIC) {
            if (p.apiKey() != null) {
                h.set("x-api-key", p.apiKey());
            }
            String v = translate ? null : clientHeaders.get(ANTHROPIC_VERSION);
            h.set(ANTHROPIC_VERSION, v != null ? v : DEFAULT_ANTHROPIC_VERSION);
            String beta = translate ? null : clientHeaders.get(ANTHROPIC_BETA);
            if (beta != null) {
                h.set(ANTHROPIC_BETA, beta);
            }
        } else if (p.apiKey() != null) {
            h.set(HttpHeaderNames.AUTHORIZATION, p.bearer());
        }
        if (attempt.span() != null) {
            // The attempt's own context: the provider's spans, if it makes any, are children of this attempt.
            Tracing.inject(attempt.span(), h);
        }
        return req;
    }
}
