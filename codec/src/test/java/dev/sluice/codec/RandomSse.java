package dev.sluice.codec;

import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * A seeded generator of SSE streams shaped like the providers' (PROVIDERS.md 1.4, 2.3, 3.3, 5.4) and of random
 * well-formed JSON drawn from the vocabulary the response scanners act on: every key, reason, status and event
 * name they know, in random nesting, order, whitespace and escaping, framed with LF, CRLF or CR, comments, other
 * fields, several data lines and stray blank lines.
 */
final class RandomSse {
    private static final String[] KEYS = {"usage", "prompt_tokens", "completion_tokens", "input_tokens",
        "output_tokens", "cached_tokens", "cache_write_tokens", "cache_read_input_tokens",
        "cache_creation_input_tokens", "prompt_tokens_details", "input_tokens_details", "finish_reason",
        "stop_reason", "choices", "delta", "content", "refusal", "arguments", "function", "function_call", "text",
        "error", "type", "status", "response", "incomplete_details", "reason", "output", "item", "index", "id",
        "role", "reasoning_content", "logprobs", "message", "total_tokens", "x_reason", "my_tokens"};
    private static final String[] WORDS = {"stop", "length", "tool_calls", "content_filter", "end_turn",
        "max_tokens", "tool_use", "completed", "incomplete", "failed", "cancelled", "function_call", "error",
        "message_stop", "content_block_delta", "response.completed", "response.failed", "response.output_text.delta",
        "", "x", "Hel", "server_error", "null", "in_progress"};
    private static final String[] EVENTS = {"message_start", "message_delta", "message_stop", "content_block_start",
        "content_block_delta", "content_block_stop", "ping", "error", "response.created", "response.in_progress",
        "response.completed", "response.incomplete", "response.failed", "response.output_text.delta",
        "response.function_call_arguments.delta", "response.refusal.delta", "response.output_text.done",
        "thread.run", "x".repeat(60)};
    private static final String TEXT_PALETTE = "abcXYZ019 -_.:,{}[]/\"\\\n\t\u00e9\u4e2d\ud83d\ude00";
    private static final String HEAD = "{\"id\":\"chatcmpl-123\",\"object\":\"chat.completion.chunk\",\"created\":"
            + "1741569952,\"model\":\"gpt-4o\",\"choices\":";

    private final Random random;

    RandomSse(long seed) {
        this.random = new Random(seed);
    }

    Random random() {
        return random;
    }

    /** A whole stream for {@code e} of up to {@code maxEvents} events. */
    byte[] stream(Endpoint e, int maxEvents) {
        String eol = pick("\n", "\n", "\n", "\r\n", "\r");
        StringBuilder out = new StringBuilder();
        int n = 1 + random.nextInt(maxEvents);
        for (int i = 0; i < n; i++) {
            if (random.nextInt(12) == 0) {
                out.append(eol);
            }
            event(out, e, eol);
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private void event(StringBuilder out, Endpoint e, String eol) {
        String name = null;
        String data;
        switch (e) {
            case CHAT_COMPLETIONS:
                data = random.nextInt(4) == 0 ? json(4) : chatChunk();
                break;
            case COMPLETIONS:
                data = random.nextInt(3) == 0 ? json(4)
                        : "{\"id\":\"cmpl-1\",\"choices\":[{\"text\":" + text() + ",\"index\":0,\"finish_reason\":"
                                + reason() + "}]}";
                break;
            case MESSAGES:
            case RESPONSES:
                name = random.nextInt(8) == 0 ? null : EVENTS[random.nextInt(EVENTS.length)];
                data = random.nextInt(3) == 0 ? json(4) : typed(e, name);
                break;
            default:
                data = json(4);
                break;
        }
        if (random.nextInt(10) == 0) {
            data = "[DONE]";
        }
        if (random.nextInt(15) == 0) {
            out.append(": ").append(pick("ping", "OPENROUTER PROCESSING", "")).append(eol);
            if (random.nextInt(3) == 0) {
                out.append(eol);
                return;
            }
        }
        if (random.nextInt(15) == 0) {
            out.append(pick("id: 7", "retry: 10", "data", "event", "dat", "x")).append(eol);
        }
        if (name != null) {
            out.append("event:").append(random.nextInt(6) == 0 ? "" : " ").append(name).append(eol);
        }
        if (random.nextInt(10) == 0 && data.indexOf(' ') > 0) {
            // Several data lines, joined by the reader with newlines.
            int cut = data.indexOf(' ');
            out.append("data: ").append(data, 0, cut).append(eol).append("data:").append(data.substring(cut));
        } else if (random.nextInt(30) != 0) {
            out.append("data:").append(random.nextInt(8) == 0 ? "" : " ").append(data);
        } else {
            out.append("data:");
        }
        out.append(eol).append(eol);
    }

    private String chatChunk() {
        String tail = random.nextBoolean() ? "}" : ",\"usage\":null}";
        switch (random.nextInt(14)) {
            case 0:
                return HEAD + "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},"
                        + "\"logprobs\":null,\"finish_reason\":null}]" + tail;
            case 1:
                return HEAD + "[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":"
                        + text() + "}}]},\"logprobs\":null,\"finish_reason\":null}]" + tail;
            case 2:
                return HEAD + "[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":" + reason() + "}]" + tail;
            case 3:
                return HEAD + "[],\"usage\":{\"prompt_tokens\":" + random.nextInt(5000) + ",\"completion_tokens\":"
                        + random.nextInt(500) + ",\"prompt_tokens_details\":{\"cached_tokens\":" + random.nextInt(99)
                        + "}}}";
            case 4:
                return pick("{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}",
                        "{\"error\":null,\"choices\":[]}", "{\"type\":\"error\"}", "{\"error\":\"\"}");
            case 5:
                return HEAD + "[{\"index\":0,\"delta\":{\"reasoning_content\":" + text() + "},\"finish_reason\":null}]"
                        + tail;
            case 6:
                return HEAD + "[{\"index\":0,\"delta\":{\"refusal\":" + text() + "},\"finish_reason\":null}]" + tail;
            case 7:
                return HEAD + "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":" + text() + "}}]" + tail;
            case 8:
                return "{ \"choices\" : [ { \"delta\" : { \"content\" : " + text() + " } , \"finish_reason\" : "
                        + reason() + " } ] }";
            case 9:
                return HEAD + "[{\"index\":0,\"delta\":{\"content\":" + text() + "},\"logprobs\":{\"content\":[{"
                        + "\"token\":\"x\",\"logprob\":-0.5,\"bytes\":[72],\"top_logprobs\":[]}]},"
                        + "\"finish_reason\":null}]" + tail;
            default:
                return HEAD + "[{\"index\":0,\"delta\":{\"content\":" + text() + "},\"logprobs\":null,"
                        + "\"finish_reason\":null}]" + tail;
        }
    }

    private String typed(Endpoint e, String name) {
        String type = random.nextInt(5) == 0 ? EVENTS[random.nextInt(EVENTS.length)] : name == null ? "ping" : name;
        if (e == Endpoint.MESSAGES) {
            switch (random.nextInt(4)) {
                case 0:
                    return "{\"type\":\"" + type + "\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":" + text()
                            + "}}";
                case 1:
                    return "{\"type\":\"" + type + "\",\"delta\":{\"stop_reason\":" + reason()
                            + ",\"stop_sequence\":null},\"usage\":{\"output_tokens\":" + random.nextInt(99) + "}}";
                case 2:
                    return "{\"type\":\"" + type + "\",\"message\":{\"usage\":{\"input_tokens\":" + random.nextInt(99)
                            + ",\"cache_read_input_tokens\":" + random.nextInt(9) + ",\"output_tokens\":1}}}";
                default:
                    return "{\"type\": \"" + type + "\"}";
            }
        }
        switch (random.nextInt(4)) {
            case 0:
                return "{\"type\":\"" + type + "\",\"sequence_number\":4,\"item_id\":\"msg_1\",\"output_index\":0,"
                        + "\"delta\":" + text() + ",\"logprobs\":[]}";
            case 1:
                return "{\"type\":\"" + type + "\",\"response\":{\"status\":\"" + WORDS[random.nextInt(WORDS.length)]
                        + "\",\"incomplete_details\":{\"reason\":" + reason() + "},\"usage\":{\"input_tokens\":5,"
                        + "\"output_tokens\":" + random.nextInt(99) + "}}}";
            case 2:
                return "{\"type\":\"" + type + "\",\"item\":{\"type\":\"function_call\",\"status\":\"in_progress\"}}";
            default:
                return "{\"type\":\"" + type + "\",\"sequence_number\":9,\"error\":null}";
        }
    }

    /** Random well-formed JSON over the scanners' vocabulary, at most {@code depth} deep. */
    String json(int depth) {
        int pick = random.nextInt(depth <= 0 ? 5 : 9);
        switch (pick) {
            case 0:
                return "null";
            case 1:
                return random.nextBoolean() ? "true" : "false";
            case 2:
                return Integer.toString(random.nextInt(3) == 0 ? -random.nextInt(9) : random.nextInt(100_000));
            case 3:
                return random.nextBoolean() ? quote(WORDS[random.nextInt(WORDS.length)]) : text();
            case 4:
                return pick("[]", "{}", "[ ]", "\"\"");
            case 5:
            case 6: {
                StringBuilder b = new StringBuilder("{");
                int n = random.nextInt(5);
                for (int i = 0; i < n; i++) {
                    b.append(i == 0 ? "" : ",").append(blank()).append(quote(key())).append(blank()).append(':')
                            .append(blank()).append(json(depth - 1)).append(blank());
                }
                return b.append('}').toString();
            }
            default: {
                StringBuilder b = new StringBuilder("[");
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    b.append(i == 0 ? "" : ",").append(blank()).append(json(depth - 1)).append(blank());
                }
                return b.append(']').toString();
            }
        }
    }

    private String key() {
        return random.nextInt(10) == 0 ? randomText(6) : KEYS[random.nextInt(KEYS.length)];
    }

    private String reason() {
        return random.nextInt(3) == 0 ? "null" : quote(WORDS[random.nextInt(WORDS.length)]);
    }

    private String text() {
        return random.nextInt(6) == 0 ? quote(WORDS[random.nextInt(WORDS.length)]) : quote(randomText(10));
    }

    private String blank() {
        return random.nextInt(6) == 0 ? pick(" ", "\t", "  ") : "";
    }

    private String randomText(int maxLength) {
        int n = random.nextInt(maxLength + 1);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (random.nextInt(8) == 0) {
                b.append(KEYS[random.nextInt(KEYS.length)]);
            } else {
                int cp = TEXT_PALETTE.codePointAt(random.nextInt(TEXT_PALETTE.length() - 1));
                b.appendCodePoint(Character.isSurrogate((char) cp) ? 'q' : cp);
            }
        }
        return b.toString();
    }

    /** A JSON string literal: quote, backslash and control characters escaped. */
    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c == '\n') {
                b.append("\\n");
            } else if (c == '\t') {
                b.append("\\t");
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    private String pick(String... options) {
        return options[random.nextInt(options.length)];
    }
}
