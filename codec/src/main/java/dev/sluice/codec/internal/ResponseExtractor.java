package dev.sluice.codec.internal;

import static dev.sluice.codec.internal.JsonLexer.KIND_EMPTY_ARRAY;
import static dev.sluice.codec.internal.JsonLexer.KIND_FALSE;
import static dev.sluice.codec.internal.JsonLexer.KIND_NULL;
import static dev.sluice.codec.internal.JsonLexer.KIND_NUMBER;
import static dev.sluice.codec.internal.JsonLexer.KIND_STRING;
import static java.util.Objects.requireNonNull;

import dev.sluice.codec.Dialect;
import dev.sluice.codec.Endpoint;
import dev.sluice.codec.FinishReason;
import dev.sluice.codec.Usage;

/**
 * The meaning of response JSON, shared by the SSE and the non-streaming usage scanners: usage counts and the
 * finish reason go into a {@link Usage} (normalised, see its javadoc), and per-document facts (top-level
 * {@code type}, a top-level {@code error}, {@code "choices":[]}, generated content) are kept until
 * {@link #resetDocument()}. Confined to one thread.
 */
public final class ResponseExtractor implements JsonSink {
    private Endpoint endpoint = Endpoint.CHAT_COMPLETIONS;
    private boolean anthropic;
    private Usage usage = new Usage();

    // Anthropic usage arrives in parts across message_start and message_delta; kept raw, then normalised.
    private long anthropicInput;
    private long anthropicCacheRead;
    private long anthropicCacheWrite;

    // Responses API: the finish reason is derived from status, incomplete_details.reason and the output items.
    private int responseStatus;
    private int incompleteReason;
    private boolean sawFunctionCall;

    private int documentType;
    private boolean topLevelError;
    private boolean emptyChoices;
    private boolean content;

    /** Starts a new response on {@code e}; resets {@code out} and keeps it as the target. */
    public void reset(Endpoint e, Usage out) {
        endpoint = requireNonNull(e, "e");
        usage = requireNonNull(out, "out");
        anthropic = e.dialect() == Dialect.ANTHROPIC;
        out.reset();
        anthropicInput = -1;
        anthropicCacheRead = -1;
        anthropicCacheWrite = -1;
        responseStatus = Words.NONE;
        incompleteReason = Words.NONE;
        sawFunctionCall = false;
        resetDocument();
    }

    /** Forgets the per-document facts (one SSE event's data is one document). */
    public void resetDocument() {
        documentType = Words.NONE;
        topLevelError = false;
        emptyChoices = false;
        content = false;
    }

    public Usage usage() {
        return usage;
    }

    /** {@link Words} id of the document's top-level {@code "type"} string, or 0. */
    public int documentType() {
        return documentType;
    }

    /** Whether the document has a top-level {@code "error"} key with a truthy value. */
    public boolean topLevelError() {
        return topLevelError;
    }

    /** Whether the document has a top-level {@code "choices":[]} (OpenAI's include_usage chunk). */
    public boolean emptyChoices() {
        return emptyChoices;
    }

    /** Whether the document carries non-empty generated chat or completion content. */
    public boolean content() {
        return content;
    }

    @Override
    public void onValue(int depth, int containerKey, int key, int kind, long number, int word, int length) {
        if (depth == 1) {
            if (key == Words.TYPE && kind == KIND_STRING) {
                documentType = word;
            } else if (key == Words.ERROR && kind != KIND_NULL && kind != KIND_FALSE
                    && !(kind == KIND_STRING && length == 0)) {
                topLevelError = true;
            } else if (key == Words.CHOICES && kind == KIND_EMPTY_ARRAY) {
                emptyChoices = true;
            }
        }
        if (kind == KIND_NUMBER) {
            if (number >= 0) {
                onCount(containerKey, key, number);
            }
        } else if (kind == KIND_STRING) {
            onString(depth, containerKey, key, word, length);
        }
    }

    private void onCount(int containerKey, int key, long n) {
        if (containerKey == Words.USAGE) {
            if (anthropic) {
                onAnthropicCount(key, n);
            } else if (key == Words.PROMPT_TOKENS || key == Words.INPUT_TOKENS) {
                usage.inputTokens = n;
            } else if (key == Words.COMPLETION_TOKENS || key == Words.OUTPUT_TOKENS) {
                usage.outputTokens = n;
            } else if (key == Words.CACHE_WRITE_TOKENS) {
                usage.cacheWriteTokens = n;
            }
        } else if (!anthropic
                && (containerKey == Words.PROMPT_TOKENS_DETAILS || containerKey == Words.INPUT_TOKENS_DETAILS)) {
            if (key == Words.CACHED_TOKENS) {
                usage.cachedTokens = n;
            } else if (key == Words.CACHE_WRITE_TOKENS) {
                usage.cacheWriteTokens = n;
            }
        }
    }

    // Anthropic message_delta usage is cumulative (PROVIDERS.md P15): the last value wins, but a 0 sent by a
    // later event never erases a count reported earlier.
    private void onAnthropicCount(int key, long n) {
        if (key == Words.INPUT_TOKENS) {
            anthropicInput = cumulative(anthropicInput, n);
        } else if (key == Words.CACHE_READ_INPUT_TOKENS) {
            anthropicCacheRead = cumulative(anthropicCacheRead, n);
        } else if (key == Words.CACHE_CREATION_INPUT_TOKENS) {
            anthropicCacheWrite = cumulative(anthropicCacheWrite, n);
        } else if (key == Words.OUTPUT_TOKENS) {
            usage.outputTokens = cumulative(usage.outputTokens, n);
            return;
        } else {
            return;
        }
        long total = -1;
        if (anthropicInput >= 0) {
            total = anthropicInput;
        }
        if (anthropicCacheRead >= 0) {
            total = Math.max(total, 0) + anthropicCacheRead;
        }
        if (anthropicCacheWrite >= 0) {
            total = Math.max(total, 0) + anthropicCacheWrite;
        }
        usage.inputTokens = total;
        usage.cachedTokens = anthropicCacheRead;
        usage.cacheWriteTokens = anthropicCacheWrite;
    }

    private static long cumulative(long current, long next) {
        return next == 0 && current > 0 ? current : next;
    }

    private void onString(int depth, int containerKey, int key, int word, int length) {
        if (key == Words.FINISH_REASON) {
            if (!anthropic && containerKey == Words.CHOICES) {
                usage.finishReason = finishReason(word);
            }
        } else if (key == Words.STOP_REASON) {
            if (anthropic) {
                usage.finishReason = finishReason(word);
            }
        } else if (key == Words.CONTENT || key == Words.REFUSAL) {
            if (endpoint == Endpoint.CHAT_COMPLETIONS && containerKey == Words.DELTA && length > 0) {
                content = true;
            }
        } else if (key == Words.ARGUMENTS) {
            if (endpoint == Endpoint.CHAT_COMPLETIONS && length > 0
                    && (containerKey == Words.FUNCTION || containerKey == Words.FUNCTION_CALL)) {
                content = true;
            }
        } else if (key == Words.TEXT) {
            if (endpoint == Endpoint.COMPLETIONS && containerKey == Words.CHOICES && length > 0) {
                content = true;
            }
        } else if (endpoint == Endpoint.RESPONSES) {
            onResponsesString(depth, containerKey, key, word);
        }
    }

    private void onResponsesString(int depth, int containerKey, int key, int word) {
        if (key == Words.STATUS) {
            // The response's own status: top level of a non-streamed body, or the "response" of a stream event.
            if (depth == 1 || (depth == 2 && containerKey == Words.RESPONSE)) {
                responseStatus = word;
                resolveResponsesFinish();
            }
        } else if (key == Words.REASON) {
            if (containerKey == Words.INCOMPLETE_DETAILS) {
                incompleteReason = word;
                resolveResponsesFinish();
            }
        } else if (key == Words.TYPE && word == Words.FUNCTION_CALL
                && (containerKey == Words.OUTPUT || containerKey == Words.ITEM)) {
            sawFunctionCall = true;
            resolveResponsesFinish();
        }
    }

    private void resolveResponsesFinish() {
        if (responseStatus == Words.COMPLETED) {
            usage.finishReason = sawFunctionCall ? FinishReason.TOOL_CALLS : FinishReason.STOP;
        } else if (responseStatus == Words.INCOMPLETE) {
            usage.finishReason = incompleteReason == Words.NONE ? FinishReason.OTHER : finishReason(incompleteReason);
        } else if (responseStatus == Words.FAILED || responseStatus == Words.CANCELLED) {
            usage.finishReason = FinishReason.OTHER;
        }
    }

    /** Maps a finish_reason / stop_reason / incomplete reason word to the normalised enum. */
    public static FinishReason finishReason(int word) {
        if (word == Words.STOP || word == Words.END_TURN || word == Words.STOP_SEQUENCE || word == Words.PAUSE_TURN) {
            return FinishReason.STOP;
        }
        if (word == Words.LENGTH || word == Words.MAX_TOKENS || word == Words.MAX_OUTPUT_TOKENS
                || word == Words.MODEL_CONTEXT_WINDOW_EXCEEDED) {
            return FinishReason.LENGTH;
        }
        if (word == Words.TOOL_CALLS || word == Words.FUNCTION_CALL || word == Words.TOOL_USE) {
            return FinishReason.TOOL_CALLS;
        }
        if (word == Words.CONTENT_FILTER || word == Words.REFUSAL) {
            return FinishReason.CONTENT_FILTER;
        }
        return FinishReason.OTHER;
    }
}
