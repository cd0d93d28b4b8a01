package dev.sluice.codec.translate;

import static dev.sluice.codec.translate.Trees.absent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;
import java.util.Set;

/**
 * An Anthropic Messages request body to an OpenAI chat body (PROVIDERS.md 6.2): everything but the messages.
 * Fields with no OpenAI counterpart are dropped and recorded. Thread-safe (stateless).
 */
final class AnthropicToOpenAiRequest {
    /** OpenAI takes at most four stop sequences (P17). */
    static final int MAX_STOP_SEQUENCES = 4;

    private static final Set<String> HANDLED = Set.of("model", "messages", "system", "max_tokens", "tools",
            "tool_choice", "stop_sequences", "stream", "temperature", "top_p", "metadata", "thinking",
            "output_config");

    private AnthropicToOpenAiRequest() {
    }

    static ObjectNode translate(JsonNode in, String upstreamModel, boolean stream, TranslationWarnings warnings)
            throws TranslationException {
        Trees.requiredObject(in, "body");
        for (Map.Entry<String, JsonNode> field : in.properties()) {
            if (!HANDLED.contains(field.getKey()) && !field.getValue().isNull()) {
                // top_k, service_tier, container, cache_control, ... have no chat completions counterpart.
                warnings.dropped(field.getKey());
            }
        }
        ObjectNode out = Trees.object();
        out.put("model", upstreamModel);
        AnthropicToOpenAiMessages.translate(in.get("system"), in.get("messages"), out.putArray("messages"), warnings);
        tools(in, out, warnings);
        JsonNode maxTokens = in.get("max_tokens");
        if (!absent(maxTokens)) {
            // max_completion_tokens: reasoning models refuse max_tokens, and both count the same tokens.
            out.put("max_completion_tokens", Trees.integer(maxTokens, "max_tokens", 0));
        }
        stop(in.get("stop_sequences"), out, warnings);
        if (!absent(in.get("temperature"))) {
            out.set("temperature", in.get("temperature"));
        }
        if (!absent(in.get("top_p"))) {
            out.set("top_p", in.get("top_p"));
        }
        metadata(in.get("metadata"), out, warnings);
        reasoning(in, out, warnings);
        if (stream) {
            out.put("stream", true);
            out.putObject("stream_options").put("include_usage", true);
        }
        return out;
    }

    private static void tools(JsonNode in, ObjectNode out, TranslationWarnings warnings) throws TranslationException {
        JsonNode tools = in.get("tools");
        JsonNode choice = in.get("tool_choice");
        boolean any = !absent(tools) && !Trees.requiredArray(tools, "tools").isEmpty();
        if (any) {
            ArrayNode target = out.putArray("tools");
            for (int i = 0; i < tools.size(); i++) {
                target.add(tool(tools.get(i), "tools[" + i + "]", warnings));
            }
        }
        if (absent(choice)) {
            return;
        }
        Trees.requiredObject(choice, "tool_choice");
        String type = Trees.requiredString(choice.get("type"), "tool_choice.type");
        switch (type) {
            case "auto":
                out.put("tool_choice", "auto");
                break;
            case "any":
                out.put("tool_choice", "required");
                break;
            case "none":
                out.put("tool_choice", "none");
                break;
            case "tool": {
                ObjectNode target = out.putObject("tool_choice");
                target.put("type", "function");
                target.putObject("function").put("name", Trees.requiredString(choice.get("name"), "tool_choice.name"));
                break;
            }
            default:
                throw new TranslationException("tool_choice.type", "tool_choice.type: " + type
                        + " (expected: auto, any, tool or none)");
        }
        JsonNode disable = choice.get("disable_parallel_tool_use");
        if (disable != null && disable.asBoolean(false)) {
            if (any) {
                out.put("parallel_tool_calls", false);
            } else {
                // OpenAI refuses parallel_tool_calls without tools.
                warnings.dropped("tool_choice.disable_parallel_tool_use");
            }
        }
        if (!any) {
            // OpenAI refuses a tool_choice other than none without tools; auto and none are its defaults then.
            out.remove("tool_choice");
            if (!"auto".equals(type) && !"none".equals(type)) {
                warnings.dropped("tool_choice");
            }
        }
    }

    private static ObjectNode tool(JsonNode tool, String path, TranslationWarnings warnings)
            throws TranslationException {
        Trees.requiredObject(tool, path);
        String type = Trees.string(tool.get("type"), path + ".type");
        if (type != null && !"custom".equals(type)) {
            throw new TranslationException(path + ".type", path + ".type: " + type
                    + " (expected: a custom tool; server tools have no equivalent at the provider)");
        }
        ObjectNode out = Trees.object();
        out.put("type", "function");
        ObjectNode function = out.putObject("function");
        function.put("name", Trees.requiredString(tool.get("name"), path + ".name"));
        String description = Trees.string(tool.get("description"), path + ".description");
        if (description != null) {
            function.put("description", description);
        }
        function.set("parameters", Trees.requiredObject(tool.get("input_schema"), path + ".input_schema"));
        if (!absent(tool.get("strict"))) {
            function.set("strict", tool.get("strict"));
        }
        if (!absent(tool.get("cache_control"))) {
            warnings.dropped(path + ".cache_control");
        }
        return out;
    }

    private static void stop(JsonNode stop, ObjectNode out, TranslationWarnings warnings)
            throws TranslationException {
        if (absent(stop) || Trees.requiredArray(stop, "stop_sequences").isEmpty()) {
            return;
        }
        ArrayNode target = out.putArray("stop");
        for (int i = 0; i < stop.size(); i++) {
            String sequence = Trees.requiredString(stop.get(i), "stop_sequences[" + i + "]");
            if (i < MAX_STOP_SEQUENCES) {
                target.add(sequence);
            } else {
                warnings.dropped("stop_sequences[" + i + "]");
            }
        }
    }

    private static void metadata(JsonNode metadata, ObjectNode out, TranslationWarnings warnings)
            throws TranslationException {
        if (absent(metadata)) {
            return;
        }
        Trees.requiredObject(metadata, "metadata");
        for (Map.Entry<String, JsonNode> field : metadata.properties()) {
            if ("user_id".equals(field.getKey())) {
                String user = Trees.string(field.getValue(), "metadata.user_id");
                if (user != null) {
                    out.put("user", user);
                }
            } else {
                warnings.dropped("metadata." + field.getKey());
            }
        }
    }

    private static void reasoning(JsonNode in, ObjectNode out, TranslationWarnings warnings)
            throws TranslationException {
        String effort = null;
        JsonNode thinking = in.get("thinking");
        if (!absent(thinking)) {
            Trees.requiredObject(thinking, "thinking");
            String type = Trees.requiredString(thinking.get("type"), "thinking.type");
            if ("enabled".equals(type)) {
                effort = effort(Trees.integer(thinking.get("budget_tokens"), "thinking.budget_tokens", 0));
            } else if (!"disabled".equals(type)) {
                // adaptive, between_tools: no reasoning_effort says that; the provider's default applies.
                warnings.dropped("thinking");
            }
        }
        JsonNode config = in.get("output_config");
        if (!absent(config)) {
            Trees.requiredObject(config, "output_config");
            for (Map.Entry<String, JsonNode> field : config.properties()) {
                if ("effort".equals(field.getKey())) {
                    // The explicit effort is the caller's latest word; it wins over a budget heuristic.
                    String value = Trees.string(field.getValue(), "output_config.effort");
                    effort = value != null ? value : effort;
                } else if ("format".equals(field.getKey())) {
                    format(field.getValue(), out, warnings);
                } else if (!field.getValue().isNull()) {
                    warnings.dropped("output_config." + field.getKey());
                }
            }
        }
        if (effort != null) {
            out.put("reasoning_effort", effort);
        }
    }

    /**
     * The reasoning effort closest to a thinking budget, on a log scale around the budgets that the other
     * direction uses (low 1024, medium 4096, high 16384), so a budget survives a round trip.
     */
    static String effort(long budgetTokens) {
        if (budgetTokens < 2 * OpenAiToAnthropicRequest.LOW_BUDGET_TOKENS) {
            return "low";
        }
        return budgetTokens < 2 * OpenAiToAnthropicRequest.MEDIUM_BUDGET_TOKENS ? "medium" : "high";
    }

    private static void format(JsonNode format, ObjectNode out, TranslationWarnings warnings)
            throws TranslationException {
        if (absent(format)) {
            return;
        }
        Trees.requiredObject(format, "output_config.format");
        String type = Trees.requiredString(format.get("type"), "output_config.format.type");
        if (!"json_schema".equals(type)) {
            warnings.dropped("output_config.format");
            return;
        }
        ObjectNode target = out.putObject("response_format");
        target.put("type", "json_schema");
        ObjectNode spec = target.putObject("json_schema");
        // OpenAI requires a name; Anthropic's format has none.
        spec.put("name", "response");
        spec.set("schema", Trees.requiredObject(format.get("schema"), "output_config.format.schema"));
    }
}
