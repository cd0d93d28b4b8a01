package dev.sluice.proxy.internal;

import dev.sluice.codec.Dialect;
import dev.sluice.codec.Endpoint;
import dev.sluice.journal.RequestIds;
import dev.sluice.journal.RequestRecord;
import dev.sluice.routing.admission.Scope;
import dev.sluice.routing.config.ApiKey;
import dev.sluice.routing.config.CaptureLevel;
import dev.sluice.routing.config.Shadow;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

/**
 * What a request is, as its REQUEST record tells it: its id and start, where it came from and which API it calls,
 * who sent it (the key and its tags, once authenticated) and what its body asks (the model, whether to stream).
 * Confined to the client channel's event loop.
 */
final class RequestInfo {
    final long requestId;
    final AsciiString requestIdText;
    final long startNs;
    final long startWallMicros;
    final Dialect dialect;
    /** {@code null} for a request refused before its endpoint was known. */
    final Endpoint endpoint;
    final String clientAddress;
    final boolean keepAlive;
    /** {@code null} for a request refused at the protocol level. */
    final HttpHeaders headers;
    ApiKey key;
    String project;
    String useCase;
    String requestedModel;
    boolean stream;
    boolean includeUsage;
    /** The agent the request called, its version and the label it named (null: none, or a version by name). */
    String agent;
    String agentVersion;
    String agentLabel;
    /** The agent's admission scope (its limits and budget, all its versions together), or null. */
    Scope agentScope;
    /** What the agent's {@code agent.yaml} says the journal keeps of its requests' content, or null. */
    CaptureLevel agentCapture;
    /** The agent's shadow declaration, as its files are now, or null. */
    Shadow agentShadow;
    /** For a shadow copy ({@link Shadows}): the declaration that sent it; null for a client's request. */
    Shadow shadow;
    /** For a shadow copy: the primary request's id. */
    long shadowOf;
    /**
     * The client spoke HTTP/1.0, which has no chunked coding: a body of unknown length is delimited by the close
     * of the connection (RFC 9112 section 6.3), and the connection never stays open.
     */
    boolean http10;

    RequestInfo(long requestId, long startNs, long startWallMicros, Dialect dialect, Endpoint endpoint,
                String clientAddress, boolean keepAlive, HttpHeaders headers) {
        this.requestId = requestId;
        this.requestIdText = new AsciiString(RequestIds.format(requestId));
        this.startNs = startNs;
        this.startWallMicros = startWallMicros;
        this.dialect = dialect;
        this.endpoint = endpoint;
        this.clientAddress = clientAddress;
        this.keepAlive = keepAlive;
        this.headers = headers;
    }

    /** Fills {@code r} (reset first) with this request. */
    RequestRecord toRecord(RequestRecord r) {
        r.reset();
        r.requestId(requestId).wallTimeMicros(startWallMicros).endpoint(endpoint == null ? 0 : endpoint.id())
                .stream(stream).clientAddress(clientAddress).requestedModel(requestedModel)
                .project(project).useCase(useCase).agent(agent, agentVersion, agentLabel);
        if (key != null) {
            r.keyId(key.id()).user(key.user()).team(key.team());
        }
        if (shadow != null) {
            r.shadow(shadowOf, shadow.source());
        }
        return r;
    }
}
