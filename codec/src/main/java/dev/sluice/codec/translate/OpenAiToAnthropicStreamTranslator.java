package dev.sluice.codec.translate;

import dev.sluice.codec.Clock;
import dev.sluice.codec.FinishReason;
import dev.sluice.codec.JsonText;
import dev.sluice.codec.Usage;

import com.fasterxml.jackson.databind.JsonNode;

import io.netty.buffer.ByteBuf;

import java.util.HashMap;
import java.util.Map;

/**
 * OpenAI chat completion chunks translated into an Anthropic Messages event stream (PROVIDERS.md 6.5):
 * {@code message_start} at the first chunk, a {@code thinking} block for {@code delta.reasoning_content} (the
 * OpenAI-compatible reasoning field), a {@code text} block for {@code delta.content}, one {@code tool_use} block
 * per tool call (a new {@code tool_calls[].index}) with its argument fragments as {@code input_json_delta}, and
 * only at {@code data: [DONE]} (after the usage chunk, step 5) a {@code message_delta} that always carries
 * {@code usage} (P4), then {@code message_stop}. Every event has its {@code event:} line and blank line (P2, P3).
 * Confined to one thread (the client connection's event loop).
 */
final class OpenAiToAnthropicStreamTranslator extends AbstractStreamTranslator {
    private static final int NONE = 0;
    private static final int TEXT = 1;
    private static final int THINKING = 2;
    private static final int TOOL = 3;

    /** OpenAI tool call index to the Anthropic content block index of its tool_use block. */
    private final Map<Integer, Integer> toolBlocks = new HashMap<>();

    private String id;
    private boolean started;
    private int openKind = NONE;
    private int openIndex = -1;
    private int nextIndex;
    private String stopReason;
    private long promptTokens = -1;
    private long completionTokens = -1;
    private long cachedTokens = -1;
    private long cacheWriteTokens = -1;

    OpenAiToAnthropicStreamTranslator(String model, int maxEventBytes, Usage usage, TranslationWarnings warnings,
                                      Clock clock) {
        super(model, maxEventBytes, usage, warnings, clock);
    }

    @Override
    int onData(String eventName, byte[] data, int dataLength, ByteBuf out) {
        if (isDone(data, dataLength)) {
            onDone(out);
            return OK;
        }
        JsonNode chunk = parseObject(data, dataLength);
        if (chunk == null) {
            return MALFORMED;
        }
        JsonNode error = chunk.get("error");
        if ("error".equals(eventName) || StreamErrors.truthy(error)) {
            // An "event: error" whose data has no error member is its own error object.
            StreamErrors.appendAnthropic(sb, error == null || error.isNull() ? chunk : error);
            flush(out);
            usage.finishReason = FinishReason.OTHER;
            failed();
            return OK;
        }
        JsonNode choices = chunk.get("choices");
        if (choices != null && !choices.isNull() && !choices.isArray()) {
            return MALFORMED;
        }
        JsonNode u = chunk.get("usage");
        if (u != null && u.isObject()) {
            recordUsage(u);
        }
        if (!started) {
            start(text(chunk, "id"), out);
        }
        if (choices == null || choices.isNull()) {
            return OK;
        }
        // The usage chunk has "choices":[] (step 7): the loop simply does not run.
        for (JsonNode choice : choices) {
            if (!choice.isObject()) {
                return MALFORMED;
            }
            JsonNode index = choice.get("index");
            if (index != null && index.isIntegralNumber() && index.intValue() != 0) {
                // n > 1 has no Anthropic equivalent; only the first choice is streamed.
                dropped("choices[" + index.intValue() + "]");
                continue;
            }
            JsonNode delta = choice.get("delta");
            if (delta != null && delta.isObject()) {
                int result = onDelta(delta, out);
                if (result != OK) {
                    return result;
                }
            }
            String finishReason = text(choice, "finish_reason");
            if (finishReason != null) {
                closeBlock(out);
                stopReason = StopReasons.toAnthropic(finishReason);
                usage.finishReason = finishReason(finishReason);
            }
        }
        return OK;
    }

    @Override
    void onKeepAlive(ByteBuf out) {
        event("ping");
        sb.append("{\"type\":\"ping\"}\n\n");
        flush(out);
    }

    private int onDelta(JsonNode delta, ByteBuf out) {
        String reasoning = text(delta, "reasoning_content");
        if (reasoning == null) {
            // OpenRouter and some others name the same field "reasoning".
            reasoning = text(delta, "reasoning");
        }
        if (!isEmpty(reasoning)) {
            content();
            openBlock(THINKING, out);
            blockDelta(openIndex);
            sb.append("{\"type\":\"thinking_delta\",\"thinking\":");
            JsonText.quote(sb, reasoning).append("}}\n\n");
            flush(out);
        }
        String text = text(delta, "content");
        if (isEmpty(text)) {
            // A refusal is the model's answer to the user all the same; Anthropic carries it as text.
            text = text(delta, "refusal");
        }
        if (!isEmpty(text)) {
            content();
            openBlock(TEXT, out);
            blockDelta(openIndex);
            sb.append("{\"type\":\"text_delta\",\"text\":");
            JsonText.quote(sb, text).append("}}\n\n");
            flush(out);
        }
        JsonNode toolCalls = delta.get("tool_calls");
        if (toolCalls != null && toolCalls.isArray()) {
            for (int i = 0; i < toolCalls.size(); i++) {
                JsonNode call = toolCalls.get(i);
                if (!call.isObject()) {
                    return MALFORMED;
                }
                onToolCall(call, i, out);
            }
        }
        return OK;
    }

    private void onToolCall(JsonNode call, int position, ByteBuf out) {
        JsonNode indexNode = call.get("index");
        int index = indexNode != null && indexNode.isIntegralNumber() ? indexNode.intValue() : position;
        JsonNode function = call.get("function");
        Integer block = toolBlocks.get(index);
        content();
        if (block == null) {
            // A call index not seen before starts a tool_use block (some providers repeat the id on every
            // fragment, so the index, not the id, says which call a fragment belongs to).
            closeBlock(out);
            block = nextIndex++;
            toolBlocks.put(index, block);
            openKind = TOOL;
            openIndex = block;
            String callId = text(call, "id");
            String name = function == null ? null : text(function, "name");
            event("content_block_start");
            sb.append("{\"type\":\"content_block_start\",\"index\":").append(block.intValue())
                    .append(",\"content_block\":{\"type\":\"tool_use\",\"id\":");
            JsonText.quote(sb, ToolIds.sanitize(isEmpty(callId) ? id + "_" + index : callId)).append(",\"name\":");
            JsonText.quote(sb, name == null ? "" : name).append(",\"input\":{}}}\n\n");
            flush(out);
        }
        String arguments = function == null ? null : text(function, "arguments");
        if (!isEmpty(arguments)) {
            // A fragment of an earlier call whose block was closed still goes to that block's index: SDKs
            // accumulate by index, and dropping it would corrupt the call's input.
            blockDelta(block);
            sb.append("{\"type\":\"input_json_delta\",\"partial_json\":");
            JsonText.quote(sb, arguments).append("}}\n\n");
            flush(out);
        }
    }

    private void onDone(ByteBuf out) {
        if (!started) {
            start(null, out);
        }
        closeBlock(out);
        if (stopReason == null) {
            // [DONE] without a finish_reason: the provider ended the answer normally all the same.
            stopReason = "end_turn";
            usage.finishReason = FinishReason.STOP;
        }
        event("message_delta");
        sb.append("{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":");
        JsonText.quote(sb, stopReason).append(",\"stop_sequence\":null},\"usage\":");
        appendUsage();
        sb.append("}\n\n");
        flush(out);
        event("message_stop");
        sb.append("{\"type\":\"message_stop\"}\n\n");
        flush(out);
        ended();
    }

    private void start(String upstreamId, ByteBuf out) {
        started = true;
        id = clientId("msg_", upstreamId, "chatcmpl-");
        event("message_start");
        sb.append("{\"type\":\"message_start\",\"message\":{\"id\":");
        JsonText.quote(sb, id).append(",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":");
        JsonText.quote(sb, model).append(",\"stop_reason\":null,\"stop_sequence\":null,\"usage\":");
        appendUsage();
        sb.append("}}\n\n");
        flush(out);
    }

    /**
     * Anthropic usage from OpenAI's (6.4): input_tokens excludes cache reads and writes, which OpenAI's
     * prompt_tokens includes; unknown counts are sent as 0.
     */
    private void appendUsage() {
        long read = Math.max(cachedTokens, 0);
        long write = Math.max(cacheWriteTokens, 0);
        long input = Math.max(Math.max(promptTokens, 0) - read - write, 0);
        sb.append("{\"input_tokens\":").append(input)
                .append(",\"cache_creation_input_tokens\":").append(write)
                .append(",\"cache_read_input_tokens\":").append(read)
                .append(",\"output_tokens\":").append(Math.max(completionTokens, 0)).append('}');
    }

    private void openBlock(int kind, ByteBuf out) {
        if (openKind == kind) {
            return;
        }
        closeBlock(out);
        openKind = kind;
        openIndex = nextIndex++;
        event("content_block_start");
        sb.append("{\"type\":\"content_block_start\",\"index\":").append(openIndex).append(",\"content_block\":");
        sb.append(kind == TEXT ? "{\"type\":\"text\",\"text\":\"\"}}\n\n"
                : "{\"type\":\"thinking\",\"thinking\":\"\"}}\n\n");
        flush(out);
    }

    private void closeBlock(ByteBuf out) {
        if (openKind == NONE) {
            return;
        }
        event("content_block_stop");
        sb.append("{\"type\":\"content_block_stop\",\"index\":").append(openIndex).append("}\n\n");
        flush(out);
        openKind = NONE;
    }

    /** Opens a content_block_delta for {@code index}; the delta object and its closing follow. */
    private void blockDelta(int index) {
        event("content_block_delta");
        sb.append("{\"type\":\"content_block_delta\",\"index\":").append(index).append(",\"delta\":");
    }

    private void event(String type) {
        sb.append("event: ").append(type).append("\ndata: ");
    }

    private void recordUsage(JsonNode u) {
        long prompt = count(u, "prompt_tokens");
        if (prompt < 0) {
            prompt = count(u, "input_tokens");
        }
        long completion = count(u, "completion_tokens");
        if (completion < 0) {
            completion = count(u, "output_tokens");
        }
        long write = count(u, "cache_write_tokens");
        JsonNode details = u.get("prompt_tokens_details");
        if (details != null && details.isObject()) {
            long cached = count(details, "cached_tokens");
            if (cached >= 0) {
                cachedTokens = cached;
                usage.cachedTokens = cached;
            }
            if (write < 0) {
                write = count(details, "cache_write_tokens");
            }
        }
        if (write >= 0) {
            cacheWriteTokens = write;
            usage.cacheWriteTokens = write;
        }
        if (prompt >= 0) {
            promptTokens = prompt;
            usage.inputTokens = prompt;
        }
        if (completion >= 0) {
            completionTokens = completion;
            usage.outputTokens = completion;
        }
    }

    private static boolean isDone(byte[] data, int length) {
        return length == 6 && data[0] == '[' && data[1] == 'D' && data[2] == 'O' && data[3] == 'N' && data[4] == 'E'
                && data[5] == ']';
    }

    static FinishReason finishReason(String openAiFinishReason) {
        switch (openAiFinishReason) {
            case "stop":
                return FinishReason.STOP;
            case "length":
                return FinishReason.LENGTH;
            case "tool_calls":
            case "function_call":
                return FinishReason.TOOL_CALLS;
            case "content_filter":
                return FinishReason.CONTENT_FILTER;
            default:
                return FinishReason.OTHER;
        }
    }
}
