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
 * An Anthropic Messages event stream translated into OpenAI chat completion chunks (PROVIDERS.md 6.5): a role
 * chunk at {@code message_start}, text deltas as {@code delta.content}, {@code tool_use} blocks as
 * {@code tool_calls} numbered by their ordinal among tool calls (P5), the mapped finish reason at
 * {@code message_delta}, and at {@code message_stop} the usage chunk (only when the client asked for it, P12)
 * and {@code data: [DONE]}. Thinking has no OpenAI field: it is dropped and noted once. Every chunk has the same
 * {@code id} and {@code created}. Confined to one thread (the client connection's event loop).
 */
final class AnthropicToOpenAiStreamTranslator extends AbstractStreamTranslator {
    private final boolean includeUsage;
    private final long createdSeconds;
    /** Content block index to tool call ordinal, for tool_use blocks only. */
    private final Map<Integer, Integer> toolOrdinals = new HashMap<>();

    private String id;
    private boolean started;
    private boolean finishSent;
    private int nextOrdinal;
    private long input = -1;
    private long cacheRead = -1;
    private long cacheWrite = -1;
    private long output = -1;

    AnthropicToOpenAiStreamTranslator(String model, boolean includeUsage, long createdSeconds, int maxEventBytes,
            Usage usage, TranslationWarnings warnings, Clock clock) {
        super(model, maxEventBytes, usage, warnings, clock);
        this.includeUsage = includeUsage;
        this.createdSeconds = createdSeconds;
    }

    @Override
    int onData(String eventName, byte[] data, int dataLength, ByteBuf out) {
        JsonNode event = parseObject(data, dataLength);
        if (event == null) {
            return MALFORMED;
        }
        String type = text(event, "type");
        if ("error".equals(eventName) || "error".equals(type)) {
            JsonNode error = event.get("error");
            StreamErrors.appendOpenAi(sb, error != null && error.isObject() ? error : null);
            flush(out);
            usage.finishReason = FinishReason.OTHER;
            failed();
            return OK;
        }
        if (type == null) {
            return MALFORMED;
        }
        switch (type) {
            case "message_start":
                return onMessageStart(event, out);
            case "content_block_start":
                return onBlockStart(event, out);
            case "content_block_delta":
                return onBlockDelta(event, out);
            case "message_delta":
                return onMessageDelta(event, out);
            case "message_stop":
                onMessageStop(out);
                return OK;
            case "ping":
                onKeepAlive(out);
                return OK;
            default:
                // content_block_stop has no OpenAI counterpart; unknown event types must be ignored (5.4).
                return OK;
        }
    }

    @Override
    void onKeepAlive(ByteBuf out) {
        // A comment: both SDKs ignore it, and it keeps idle timeouts between the client and us from firing.
        sb.append(": ping\n\n");
        flush(out);
    }

    private int onMessageStart(JsonNode event, ByteBuf out) {
        JsonNode message = event.get("message");
        if (message == null || !message.isObject()) {
            return MALFORMED;
        }
        if (!started) {
            id = clientId("chatcmpl-", text(message, "id"), "msg_");
        }
        JsonNode u = message.get("usage");
        if (u != null && u.isObject()) {
            recordUsage(u);
        }
        start(out);
        return OK;
    }

    private int onBlockStart(JsonNode event, ByteBuf out) {
        JsonNode block = event.get("content_block");
        String blockType = block == null ? null : text(block, "type");
        if (blockType == null) {
            return MALFORMED;
        }
        start(out);
        switch (blockType) {
            case "text":
                String initial = text(block, "text");
                if (!isEmpty(initial)) {
                    content();
                    appendContent(initial);
                    flush(out);
                }
                return OK;
            case "tool_use":
                return onToolStart(event, block, out);
            case "thinking":
            case "redacted_thinking":
                dropped("thinking");
                return OK;
            default:
                // Server tools (web search results and their calls) have no chat completions equivalent.
                dropped("content_block." + blockType);
                return OK;
        }
    }

    private int onToolStart(JsonNode event, JsonNode block, ByteBuf out) {
        JsonNode index = event.get("index");
        if (index == null || !index.isIntegralNumber()) {
            return MALFORMED;
        }
        int ordinal = nextOrdinal++;
        toolOrdinals.put(index.intValue(), ordinal);
        content();
        JsonNode input = block.get("input");
        // The input normally streams as input_json_delta after an empty {}; one given whole at the start is kept.
        String arguments = input != null && input.isObject() && input.size() > 0 ? input.toString() : "";
        chunkStart();
        sb.append("{\"tool_calls\":[{\"index\":").append(ordinal).append(",\"id\":");
        JsonText.quote(sb, ToolIds.sanitize(text(block, "id")))
                .append(",\"type\":\"function\",\"function\":{\"name\":");
        String name = text(block, "name");
        JsonText.quote(sb, name == null ? "" : name).append(",\"arguments\":");
        JsonText.quote(sb, arguments).append("}}]}");
        chunkEnd(null);
        flush(out);
        return OK;
    }

    private int onBlockDelta(JsonNode event, ByteBuf out) {
        JsonNode delta = event.get("delta");
        String deltaType = delta == null ? null : text(delta, "type");
        if (deltaType == null) {
            return MALFORMED;
        }
        start(out);
        switch (deltaType) {
            case "text_delta":
                String text = text(delta, "text");
                if (!isEmpty(text)) {
                    content();
                    appendContent(text);
                    flush(out);
                }
                return OK;
            case "input_json_delta":
                return onArguments(event, text(delta, "partial_json"), out);
            case "thinking_delta":
                if (!isEmpty(text(delta, "thinking"))) {
                    content();
                }
                dropped("thinking");
                return OK;
            case "signature_delta":
                dropped("thinking");
                return OK;
            case "citations_delta":
                dropped("citations");
                return OK;
            default:
                return OK;
        }
    }

    private int onArguments(JsonNode event, String partialJson, ByteBuf out) {
        if (isEmpty(partialJson)) {
            // The first input_json_delta is often empty (5.4); an empty fragment changes nothing.
            return OK;
        }
        content();
        JsonNode index = event.get("index");
        Integer ordinal = index != null && index.isIntegralNumber() ? toolOrdinals.get(index.intValue()) : null;
        if (ordinal == null) {
            // The input of a server tool's block (already noted as dropped), or of a block never started.
            return OK;
        }
        chunkStart();
        sb.append("{\"tool_calls\":[{\"index\":").append(ordinal.intValue()).append(",\"function\":{\"arguments\":");
        JsonText.quote(sb, partialJson).append("}}]}");
        chunkEnd(null);
        flush(out);
        return OK;
    }

    private int onMessageDelta(JsonNode event, ByteBuf out) {
        JsonNode u = event.get("usage");
        if (u != null && u.isObject()) {
            recordUsage(u);
        }
        JsonNode delta = event.get("delta");
        String stopReason = delta == null ? null : text(delta, "stop_reason");
        if (stopReason != null) {
            usage.finishReason = finishReason(stopReason);
            if (!finishSent) {
                start(out);
                finishChunk(StopReasons.toOpenAi(stopReason), out);
            }
        }
        return OK;
    }

    private void onMessageStop(ByteBuf out) {
        start(out);
        if (!finishSent) {
            // A stream that ended without a stop reason still ended normally.
            usage.finishReason = FinishReason.STOP;
            finishChunk("stop", out);
        }
        if (includeUsage) {
            long prompt = Math.max(input, 0) + Math.max(cacheRead, 0) + Math.max(cacheWrite, 0);
            long completion = Math.max(output, 0);
            head();
            sb.append("\"choices\":[],\"usage\":{\"prompt_tokens\":").append(prompt)
                    .append(",\"completion_tokens\":").append(completion)
                    .append(",\"total_tokens\":").append(prompt + completion)
                    .append(",\"prompt_tokens_details\":{\"cached_tokens\":").append(Math.max(cacheRead, 0));
            if (cacheWrite > 0) {
                sb.append(",\"cache_write_tokens\":").append(cacheWrite);
            }
            sb.append("}}}\n\n");
            flush(out);
        }
        sb.append("data: [DONE]\n\n");
        flush(out);
        ended();
    }

    /** The role chunk, once, before anything else (a stream that skips message_start still gets it). */
    private void start(ByteBuf out) {
        if (started) {
            return;
        }
        started = true;
        if (id == null) {
            id = clientId("chatcmpl-", null, "msg_");
        }
        chunkStart();
        sb.append("{\"role\":\"assistant\",\"content\":\"\"}");
        chunkEnd(null);
        flush(out);
    }

    private void finishChunk(String finishReason, ByteBuf out) {
        finishSent = true;
        chunkStart();
        sb.append("{}");
        chunkEnd(finishReason);
        flush(out);
    }

    private void appendContent(String text) {
        chunkStart();
        sb.append("{\"content\":");
        JsonText.quote(sb, text).append('}');
        chunkEnd(null);
    }

    private void head() {
        sb.append("data: {\"id\":");
        JsonText.quote(sb, id).append(",\"object\":\"chat.completion.chunk\",\"created\":").append(createdSeconds)
                .append(",\"model\":");
        JsonText.quote(sb, model).append(',');
    }

    /** Opens a chunk with one choice; the delta object follows. */
    private void chunkStart() {
        head();
        sb.append("\"choices\":[{\"index\":0,\"delta\":");
    }

    private void chunkEnd(String finishReason) {
        sb.append(",\"logprobs\":null,\"finish_reason\":");
        JsonText.quote(sb, finishReason).append("}]");
        if (includeUsage) {
            // With include_usage every chunk carries "usage":null (1.4); without it there is no usage key.
            sb.append(",\"usage\":null");
        }
        sb.append("}\n\n");
    }

    // Anthropic counts are cumulative (P15): the last value wins, but a later 0 never erases an earlier count.
    private void recordUsage(JsonNode u) {
        long in = count(u, "input_tokens");
        long read = count(u, "cache_read_input_tokens");
        long write = count(u, "cache_creation_input_tokens");
        long out = count(u, "output_tokens");
        boolean inputSeen = in >= 0 || read >= 0 || write >= 0;
        input = cumulative(input, in);
        cacheRead = cumulative(cacheRead, read);
        cacheWrite = cumulative(cacheWrite, write);
        if (inputSeen) {
            long total = -1;
            if (input >= 0) {
                total = input;
            }
            if (cacheRead >= 0) {
                total = Math.max(total, 0) + cacheRead;
            }
            if (cacheWrite >= 0) {
                total = Math.max(total, 0) + cacheWrite;
            }
            usage.inputTokens = total;
            usage.cachedTokens = cacheRead;
            usage.cacheWriteTokens = cacheWrite;
        }
        output = cumulative(output, out);
        if (output >= 0) {
            usage.outputTokens = output;
        }
    }

    private static long cumulative(long current, long next) {
        if (next < 0) {
            return current;
        }
        return next == 0 && current > 0 ? current : next;
    }

    static FinishReason finishReason(String anthropicStopReason) {
        switch (anthropicStopReason) {
            case "end_turn":
            case "stop_sequence":
            case "pause_turn":
                return FinishReason.STOP;
            case "max_tokens":
            case "model_context_window_exceeded":
                return FinishReason.LENGTH;
            case "tool_use":
                return FinishReason.TOOL_CALLS;
            case "refusal":
                return FinishReason.CONTENT_FILTER;
            default:
                return FinishReason.OTHER;
        }
    }
}
