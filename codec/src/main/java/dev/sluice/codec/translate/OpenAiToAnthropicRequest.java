package dev.sluice.codec.translate;

import static dev.sluice.codec.translate.Trees.absent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;
import java.util.Set;

/**
 * An OpenAI chat request body to an Anthropic Messages body (PROVIDERS.md 6.1): everything but the messages.
 * Fields with no Anthropic counterpart are dropped and recorded. Thread-safe (stateless).
 */
final class OpenAiToAnthropicRequest {
    /** The smallest thinking budget Anthropic accepts, and the {@code reasoning_effort: low} budget. */
    static final long LOW_BUDGET_TOKENS = 1024;
    static final long MEDIUM_BUDGET_TOKENS = 4096;
    static final long HIGH_BUDGET_TOKENS = 16384;

    private static final Set<String> HANDLED = Set.of("model", "messages", "tools", "tool_choice",
            "parallel_tool_calls", "stream", "stream_options", "max_completion_tokens", "max_tokens", "n", "stop",
            "temperature", "top_p", "user", "safety_identifier", "response_format", "reasoning_effort", "functions",
            "function_call");

    private OpenAiToAnthropicRequest() {
    }

    static ObjectNode translate(JsonNode in, String upstreamModel, boolean stream, long defaultMaxTokens,
            TranslationWarnings warnings) throws TranslationException {
        Trees.requiredObject(in, "body");
        for (Map.Entry<String, JsonNode> field : in.properties()) {
            if (!HANDLED.contains(field.getKey()) && !field.getValue().isNull()) {
                warnings.dropped(field.getKey());
            }
        }
        refuseLegacy(in, "functions");
        refuseLegacy(in, "function_call");
        long n = Trees.integer(in.get("n"), "n", 1);
        if (n != 1) {
            throw new TranslationException("n", "n: " + n + " (expected: 1; the provider returns one choice)");
        }

        ObjectNode out = Trees.object();
        out.put("model", upstreamModel);
        String maxField = !absent(in.get("max_completion_tokens")) ? "max_completion_tokens"
                : !absent(in.get("max_tokens")) ? "max_tokens" : null;
        long maxTokens = maxField == null ? defaultMaxTokens : Trees.integer(in.get(maxField), maxField, 0);
        out.put("max_tokens", maxTokens);
        OpenAiToAnthropicMessages.translate(in.get("messages"), out, warnings);
        boolean forcedTool = tools(in, out, warnings);
        stop(in.get("stop"), out);
        JsonNode temperature = in.get("temperature");
        if (!absent(temperature)) {
            if (temperature.isNumber() && temperature.doubleValue() > 1.0) {
                // Anthropic's range is 0-1 (Envoy rejects instead); the closest value it takes is 1.
                warnings.dropped("temperature");
                out.put("temperature", 1.0);
            } else {
                out.set("temperature", temperature);
            }
        }
        if (!absent(in.get("top_p"))) {
            out.set("top_p", in.get("top_p"));
        }
        user(in, out, warnings);
        thinking(in, out, maxField == null ? "max_tokens" : maxField, forcedTool, warnings);
        responseFormat(in.get("response_format"), out, warnings);
        if (stream) {
            out.put("stream", true);
        }
        return out;
    }

    private static void refuseLegacy(JsonNode in, String field) throws TranslationException {
        if (!absent(in.get(field))) {
            throw new TranslationException(field, field + ": deprecated (expected: tools and tool_choice)");
        }
    }

    /** Returns whether tool_choice forces a tool call (which Anthropic does not allow with thinking). */
    private static boolean tools(JsonNode in, ObjectNode out, TranslationWarnings warnings)
            throws TranslationException {
        JsonNode tools = in.get("tools");
        JsonNode choice = in.get("tool_choice");
        JsonNode parallel = in.get("parallel_tool_calls");
        if (absent(tools) || tools.isEmpty()) {
            // No tools: a tool_choice or parallel flag means nothing; "none" and "auto" are the defaults anyway.
            if (!absent(choice) && !(choice.isTextual() && ("none".equals(choice.textValue())
                    || "auto".equals(choice.textValue())))) {
                warnings.dropped("tool_choice");
            }
            if (!absent(parallel)) {
                warnings.dropped("parallel_tool_calls");
            }
            return false;
        }
        Trees.requiredArray(tools, "tools");
        ArrayNode target = out.putArray("tools");
        for (int i = 0; i < tools.size(); i++) {
            target.add(tool(tools.get(i), "tools[" + i + "]"));
        }
        ObjectNode toolChoice = toolChoice(choice);
        if (!absent(parallel)) {
            if (!parallel.isBoolean()) {
                throw new TranslationException("parallel_tool_calls", "parallel_tool_calls: " + Trees.kind(parallel)
                        + " (expected: a boolean)");
            }
            if (!parallel.booleanValue()) {
                if (toolChoice == null) {
                    toolChoice = Trees.object().put("type", "auto");
                }
                toolChoice.put("disable_parallel_tool_use", true);
            }
        }
        if (toolChoice != null) {
            out.set("tool_choice", toolChoice);
            String type = toolChoice.get("type").textValue();
            return "any".equals(type) || "tool".equals(type);
        }
        return false;
    }

    private static ObjectNode tool(JsonNode tool, String path) throws TranslationException {
        Trees.requiredObject(tool, path);
        String type = Trees.string(tool.get("type"), path + ".type");
        if (!"function".equals(type)) {
            throw new TranslationException(path + ".type", path + ".type: " + type
                    + " (expected: function; the provider has no custom tools)");
        }
        JsonNode function = Trees.requiredObject(tool.get("function"), path + ".function");
        ObjectNode out = Trees.object();
        out.put("name", Trees.requiredString(function.get("name"), path + ".function.name"));
        String description = Trees.string(function.get("description"), path + ".function.description");
        if (description != null) {
            out.put("description", description);
        }
        JsonNode parameters = function.get("parameters");
        if (absent(parameters)) {
            ObjectNode schema = out.putObject("input_schema");
            schema.put("type", "object");
            schema.putObject("properties");
        } else {
            out.set("input_schema", Trees.requiredObject(parameters, path + ".function.parameters"));
        }
        if (!absent(function.get("strict"))) {
            out.set("strict", function.get("strict"));
        }
        return out;
    }

    private static ObjectNode toolChoice(JsonNode choice) throws TranslationException {
        if (absent(choice)) {
            return null;
        }
        ObjectNode out = Trees.object();
        if (choice.isTextual()) {
            switch (choice.textValue()) {
                case "auto":
                    return out.put("type", "auto");
                case "required":
                    return out.put("type", "any");
                case "none":
                    return out.put("type", "none");
                default:
                    throw new TranslationException("tool_choice", "tool_choice: " + choice.textValue()
                            + " (expected: auto, required, none or a function)");
            }
        }
        Trees.requiredObject(choice, "tool_choice");
        String type = Trees.requiredString(choice.get("type"), "tool_choice.type");
        if (!"function".equals(type)) {
            throw new TranslationException("tool_choice.type", "tool_choice.type: " + type
                    + " (expected: function; the provider cannot express it)");
        }
        JsonNode function = Trees.requiredObject(choice.get("function"), "tool_choice.function");
        out.put("type", "tool");
        out.put("name", Trees.requiredString(function.get("name"), "tool_choice.function.name"));
        return out;
    }

    private static void stop(JsonNode stop, ObjectNode out) throws TranslationException {
        if (absent(stop)) {
            return;
        }
        if (stop.isTextual()) {
            out.putArray("stop_sequences").add(stop.textValue());
            return;
        }
        Trees.requiredArray(stop, "stop");
        if (stop.isEmpty()) {
            return;
        }
        ArrayNode sequences = out.putArray("stop_sequences");
        for (int i = 0; i < stop.size(); i++) {
            sequences.add(Trees.requiredString(stop.get(i), "stop[" + i + "]"));
        }
    }

    private static void user(JsonNode in, ObjectNode out, TranslationWarnings warnings) throws TranslationException {
        String user = Trees.string(in.get("user"), "user");
        String safety = Trees.string(in.get("safety_identifier"), "safety_identifier");
        if (user != null && safety != null) {
            warnings.dropped("safety_identifier");
        }
        String id = user != null ? user : safety;
        if (id != null) {
            out.putObject("metadata").put("user_id", id);
        }
    }

    private static void thinking(JsonNode in, ObjectNode out, String maxField, boolean forcedTool,
            TranslationWarnings warnings) throws TranslationException {
        String effort = Trees.string(in.get("reasoning_effort"), "reasoning_effort");
        if (effort == null) {
            return;
        }
        long budget = budgetTokens(effort);
        if (budget == 0) {
            return;
        }
        if (forcedTool) {
            // Anthropic refuses thinking together with a forced tool; the forced tool is the caller's harder ask.
            warnings.dropped("reasoning_effort");
            return;
        }
        long maxTokens = out.get("max_tokens").asLong();
        if (maxTokens <= budget) {
            // budget_tokens must stay below max_tokens and counts toward it: leave the caller's limit for the
            // answer on top of the thinking budget (not shrinking it to nothing, LiteLLM #18939).
            warnings.dropped(maxField);
            out.put("max_tokens", budget + maxTokens);
        }
        ObjectNode thinking = out.putObject("thinking");
        thinking.put("type", "enabled");
        thinking.put("budget_tokens", budget);
        // Anthropic takes no temperature but 1 and no top_p below 0.95 while thinking.
        JsonNode temperature = out.get("temperature");
        if (temperature != null && (!temperature.isNumber() || temperature.doubleValue() != 1.0)) {
            out.remove("temperature");
            warnings.dropped("temperature");
        }
        JsonNode topP = out.get("top_p");
        if (topP != null && (!topP.isNumber() || topP.doubleValue() < 0.95)) {
            out.remove("top_p");
            warnings.dropped("top_p");
        }
    }

    /** The thinking budget for an OpenAI reasoning effort; 0 for {@code none}. */
    static long budgetTokens(String effort) throws TranslationException {
        switch (effort) {
            case "none":
                return 0;
            case "minimal":
            case "low":
                return LOW_BUDGET_TOKENS;
            case "medium":
                return MEDIUM_BUDGET_TOKENS;
            case "high":
            case "xhigh":
            case "max":
                return HIGH_BUDGET_TOKENS;
            default:
                throw new TranslationException("reasoning_effort", "reasoning_effort: " + effort
                        + " (expected: none, minimal, low, medium, high, xhigh or max)");
        }
    }

    private static void responseFormat(JsonNode format, ObjectNode out, TranslationWarnings warnings)
            throws TranslationException {
        if (absent(format)) {
            return;
        }
        Trees.requiredObject(format, "response_format");
        String type = Trees.requiredString(format.get("type"), "response_format.type");
        switch (type) {
            case "text":
                return;
            case "json_schema": {
                JsonNode spec = Trees.requiredObject(format.get("json_schema"), "response_format.json_schema");
                JsonNode schema = Trees.requiredObject(spec.get("schema"), "response_format.json_schema.schema");
                ObjectNode target = out.putObject("output_config").putObject("format");
                target.put("type", "json_schema");
                target.set("schema", schema);
                return;
            }
            default:
                // json_object has no Anthropic counterpart short of a schema; the prompt has to carry it.
                warnings.dropped("response_format");
        }
    }
}
