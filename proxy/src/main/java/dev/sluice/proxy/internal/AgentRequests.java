package dev.sluice.proxy.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.sluice.codec.Dialect;
import dev.sluice.codec.Endpoint;
import dev.sluice.codec.JacksonWarmUp;
import dev.sluice.codec.RequestFacts;
import dev.sluice.codec.RequestScanner;
import dev.sluice.journal.Outcome;
import dev.sluice.routing.agents.AgentCatalog;
import dev.sluice.routing.agents.AgentSettings;
import dev.sluice.routing.agents.AgentVersion;
import dev.sluice.routing.config.GatewayConfig;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request that calls an agent ({@code "model": "agent/NAME[@LABEL|@VERSION]"}, DESIGN.md request path 5):
 * resolves the version, checks the key may call the agent, renders the agent's prompt with the request's
 * {@code variables} and puts it with the context files in front of the messages in the caller's dialect (an OpenAI
 * system message, Anthropic's {@code system}), applies the agent's parameters, names the agent's model alias, and
 * drops {@code variables}, which never go upstream. The rewritten body replaces the client's and is scanned again;
 * the request then goes on as one for that alias. Requests that name no agent never come here.
 * <p>
 * Thread-safe (stateless); runs on the exchange's event loop.
 */
final class AgentRequests {
    private static final ObjectMapper JSON = JacksonWarmUp.warmed(new ObjectMapper());
    private static final byte[] PREFIX = AgentCatalog.MODEL_PREFIX.getBytes(StandardCharsets.US_ASCII);

    private AgentRequests() {
    }

    /** Whether the scanned body's model names an agent; no allocation. */
    static boolean namesAgent(ByteBuf b, RequestFacts f) {
        if (f.modelHasEscape || f.modelEnd - f.modelStart <= PREFIX.length) {
            return false;
        }
        for (int i = 0; i < PREFIX.length; i++) {
            if (b.getByte(f.modelStart + i) != PREFIX[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Makes {@code body} the agent's request and fills the agent fields of {@code info}; returns false when it
     * refused the request instead (through {@code ex}).
     */
    static boolean rewrite(Exchange ex, RequestInfo info, RequestBody body, GatewayConfig config,
                           GatewayContext gateway, LoopResources res) {
        ByteBuf b = body.bytes();
        String model = body.facts().model(b);
        info.requestedModel = ClientHandler.sanitize(model);
        AgentCatalog.Resolved r = config.agents().resolve(model.substring(AgentCatalog.MODEL_PREFIX.length()));
        if (r.agent() == null || !info.key.allowsAgent(r.agent().name(), r.agent().files().settings().teams())) {
            // One answer whether the agent is unknown or not granted: a key learns nothing of other agents.
            ex.reject(404, "model_not_found", "The model '" + info.requestedModel + "' does not exist or you do not "
                    + "have access to it.", "model", Outcome.REJECTED);
            return false;
        }
        if (info.endpoint != Endpoint.CHAT_COMPLETIONS && info.endpoint != Endpoint.MESSAGES) {
            ex.reject(400, "invalid_request", "An agent is called through /v1/chat/completions or /v1/messages.",
                    "model", Outcome.REJECTED);
            return false;
        }
        AgentVersion v = r.version();
        if (v == null) {
            ex.reject(404, "model_not_found", "The agent '" + r.agent().name() + "' has no label or version '"
                    + ClientHandler.sanitize(model.substring(model.indexOf('@') + 1)) + "'.", "model",
                    Outcome.REJECTED);
            return false;
        }
        info.agent = v.name();
        info.agentVersion = v.version();
        info.agentLabel = r.label();
        // Limits, budget, capture and shadow are the agent's, whichever version serves: they come from its files as they are
        // now, so tightening them needs no promotion.
        info.agentScope = r.agent().files().scope();
        info.agentCapture = r.agent().files().settings().capture();
        info.agentShadow = r.agent().files().settings().shadow();
        ObjectNode doc;
        try (InputStream in = new ByteBufInputStream(b.duplicate())) {
            doc = (ObjectNode) JSON.readTree(in);
        } catch (IOException | ClassCastException e) {
            ex.reject(400, "invalid_request", "request body is not a JSON object", null, Outcome.REJECTED);
            return false;
        }
        Map<String, String> variables = new LinkedHashMap<>();
        JsonNode vars = doc.remove("variables");
        if (vars != null && !vars.isNull()) {
            if (!vars.isObject()) {
                ex.reject(400, "invalid_value", "\"variables\" must be an object of names to text.", "variables",
                        Outcome.REJECTED);
                return false;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = vars.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                    ex.reject(400, "invalid_value", "variables." + ClientHandler.sanitize(e.getKey())
                            + " must be text, a number or a boolean.", "variables." + ClientHandler.sanitize(
                            e.getKey()), Outcome.REJECTED);
                    return false;
                }
                variables.put(e.getKey(), e.getValue().asText());
            }
        }
        String system;
        try {
            system = v.systemText(variables);
        } catch (IllegalArgumentException e) {
            ex.reject(400, "invalid_value", "The agent '" + v.name() + "' needs the variable '" + e.getMessage()
                    + "': send it in \"variables\".", "variables." + e.getMessage(), Outcome.REJECTED);
            return false;
        }
        if (!splice(doc, info.dialect, system)) {
            ex.reject(400, "invalid_value", info.dialect == Dialect.ANTHROPIC
                    ? "\"messages\" must be a list, and \"system\" text or a list of blocks."
                    : "\"messages\" must be a list.", "messages", Outcome.REJECTED);
            return false;
        }
        apply(doc, info.dialect, v.settings());
        byte[] rewritten;
        try {
            rewritten = JSON.writeValueAsBytes(doc);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        body.replace(b.alloc().buffer(rewritten.length).writeBytes(rewritten));
        int rc = body.scan(res.scanner, gateway.metrics());
        if (rc != RequestScanner.OK) {
            ex.reject(400, "invalid_request", RequestAdmission.invalidBody(rc, res.scanner.errorParam()),
                    res.scanner.errorParam(), Outcome.REJECTED);
            return false;
        }
        return true;
    }

    /** Puts {@code system} first: a system message (OpenAI), or before the request's own {@code system}. */
    private static boolean splice(ObjectNode doc, Dialect dialect, String system) {
        JsonNode messages = doc.get("messages");
        if (messages != null && !messages.isArray()) {
            return false;
        }
        if (dialect != Dialect.ANTHROPIC) {
            ArrayNode m = messages == null ? doc.putArray("messages") : (ArrayNode) messages;
            ObjectNode s = m.insertObject(0);
            s.put("role", "system");
            s.put("content", system);
            return true;
        }
        JsonNode own = doc.get("system");
        if (own == null || own.isNull()) {
            doc.put("system", system);
        } else if (own.isTextual()) {
            doc.put("system", system + "\n\n" + own.asText());
        } else if (own.isArray()) {
            ObjectNode block = ((ArrayNode) own).insertObject(0);
            block.put("type", "text");
            block.put("text", system);
        } else {
            return false;
        }
        return true;
    }

    /** The agent's model alias and parameters; its {@code max_tokens} caps the caller's. */
    private static void apply(ObjectNode doc, Dialect dialect, AgentSettings s) {
        doc.put("model", s.model());
        if (s.temperature() != null) {
            doc.put("temperature", s.temperature());
        }
        if (s.topP() != null) {
            doc.put("top_p", s.topP());
        }
        if (s.maxTokens() > 0) {
            String field = dialect != Dialect.ANTHROPIC && doc.has("max_completion_tokens") ? "max_completion_tokens"
                    : "max_tokens";
            JsonNode asked = doc.get(field);
            long n = asked != null && asked.canConvertToLong() ? Math.min(asked.asLong(), s.maxTokens()) : s.maxTokens();
            doc.put(field, n);
        }
    }
}
