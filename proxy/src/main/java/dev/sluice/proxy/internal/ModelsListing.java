package dev.sluice.proxy.internal;

import dev.sluice.codec.Dialect;
import dev.sluice.routing.agents.AgentCatalog;
import dev.sluice.routing.config.ApiKey;
import dev.sluice.routing.config.GatewayConfig;
import dev.sluice.routing.config.Route;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code GET /v1/models} and {@code GET /v1/models/{id}}: the model aliases a key may use whose provider is
 * enabled, and the agents it may call ({@code agent/NAME}), in the OpenAI list format, or the Anthropic one when the caller sent {@code anthropic-version}.
 * Stateless.
 */
final class ModelsListing {
    private static final JsonFactory JSON = new JsonFactory();
    private static final String CREATED_AT = "2025-01-01T00:00:00Z";
    private static final long CREATED = 1735689600L;
    /** What an agent's entry says owns it. */
    private static final String AGENT_OWNER = "sluice-agent";

    private ModelsListing() {
    }

    /** Returns the document, or {@code null} when a single model was asked for and the key cannot see it. */
    static byte[] render(GatewayConfig config, ApiKey key, Dialect dialect, String path) {
        List<Entry> visible = new ArrayList<>();
        for (Route r : config.routes().routes()) {
            if (key.allows(r) && r.provider().enabled()) {
                visible.add(new Entry(r.name(), r.provider().name()));
            }
        }
        for (AgentCatalog.Agent a : config.agents().agents()) {
            if (key.allowsAgent(a.name(), a.files().settings().teams())) {
                visible.add(new Entry(AgentCatalog.MODEL_PREFIX + a.name(), AGENT_OWNER));
            }
        }
        String one = path.length() > "/v1/models/".length() ? path.substring("/v1/models/".length()) : null;
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            if (one != null) {
                Entry r = null;
                for (Entry v : visible) {
                    if (v.id().equals(one)) {
                        r = v;
                    }
                }
                if (r == null) {
                    return null;
                }
                model(g, r, dialect);
            } else if (dialect == Dialect.ANTHROPIC) {
                g.writeStartObject();
                g.writeArrayFieldStart("data");
                for (Entry r : visible) {
                    model(g, r, dialect);
                }
                g.writeEndArray();
                g.writeBooleanField("has_more", false);
                if (visible.isEmpty()) {
                    g.writeNullField("first_id");
                    g.writeNullField("last_id");
                } else {
                    g.writeStringField("first_id", visible.get(0).id());
                    g.writeStringField("last_id", visible.get(visible.size() - 1).id());
                }
                g.writeEndObject();
            } else {
                g.writeStartObject();
                g.writeStringField("object", "list");
                g.writeArrayFieldStart("data");
                for (Entry r : visible) {
                    model(g, r, dialect);
                }
                g.writeEndArray();
                g.writeEndObject();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** One listed model: an alias (owned by its provider) or an agent ({@code agent/NAME}). */
    private record Entry(String id, String ownedBy) {
    }

    private static void model(JsonGenerator g, Entry r, Dialect dialect) throws IOException {
        g.writeStartObject();
        if (dialect == Dialect.ANTHROPIC) {
            g.writeStringField("type", "model");
            g.writeStringField("id", r.id());
            g.writeStringField("display_name", r.id());
            g.writeStringField("created_at", CREATED_AT);
        } else {
            g.writeStringField("id", r.id());
            g.writeStringField("object", "model");
            g.writeNumberField("created", CREATED);
            g.writeStringField("owned_by", r.ownedBy());
        }
        g.writeEndObject();
    }
}
