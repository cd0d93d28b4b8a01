package dev.sluice.proxy.internal;

import dev.sluice.codec.Dialect;
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
 * enabled, in the OpenAI list format, or the Anthropic one when the caller sent {@code anthropic-version}.
 * Stateless.
 */
final class ModelsListing {
    private static final JsonFactory JSON = new JsonFactory();
    private static final String CREATED_AT = "2025-01-01T00:00:00Z";
    private static final long CREATED = 1735689600L;

    private ModelsListing() {
    }

    /** Returns the document, or {@code null} when a single model was asked for and the key cannot see it. */
    static byte[] render(GatewayConfig config, ApiKey key, Dialect dialect, String path) {
        List<Route> visible = new ArrayList<>();
        for (Route r : config.routes().routes()) {
            if (key.allows(r) && r.provider().enabled()) {
                visible.add(r);
            }
        }
        String one = path.length() > "/v1/models/".length() ? path.substring("/v1/models/".length()) : null;
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            if (one != null) {
                Route r = null;
                for (Route v : visible) {
                    if (v.name().equals(one)) {
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
                for (Route r : visible) {
                    model(g, r, dialect);
                }
                g.writeEndArray();
                g.writeBooleanField("has_more", false);
                if (visible.isEmpty()) {
                    g.writeNullField("first_id");
                    g.writeNullField("last_id");
                } else {
                    g.writeStringField("first_id", visible.get(0).name());
                    g.writeStringField("last_id", visible.get(visible.size() - 1).name());
                }
                g.writeEndObject();
            } else {
                g.writeStartObject();
                g.writeStringField("object", "list");
                g.writeArrayFieldStart("data");
                for (Route r : visible) {
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

    private static void model(JsonGenerator g, Route r, Dialect dialect) throws IOException {
        g.writeStartObject();
        if (dialect == Dialect.ANTHROPIC) {
            g.writeStringField("type", "model");
            g.writeStringField("id", r.name());
            g.writeStringField("display_name", r.name());
            g.writeStringField("created_at", CREATED_AT);
        } else {
            g.writeStringField("id", r.name());
            g.writeStringField("object", "model");
            g.writeNumberField("created", CREATED);
            g.writeStringField("owned_by", r.provider().name());
        }
        g.writeEndObject();
    }
}
