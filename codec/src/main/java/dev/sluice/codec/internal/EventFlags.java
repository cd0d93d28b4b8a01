package dev.sluice.codec.internal;

import dev.sluice.codec.Endpoint;

/**
 * The flag bits an SSE event is reported with, and how the facts found in one event combine into them per
 * endpoint. Both the byte-at-a-time path and the fast path of the SSE scanner compute flags here, so the two
 * cannot drift apart. Thread-safe (stateless).
 */
public final class EventFlags {
    public static final int DONE = 1;
    public static final int USAGE_ONLY = 1 << 1;
    public static final int ERROR = 1 << 2;
    public static final int TERMINAL = 1 << 3;
    public static final int CONTENT = 1 << 4;
    public static final int COMMENT_ONLY = 1 << 5;

    private EventFlags() {
    }

    /**
     * Returns the flags of one complete event.
     *
     * @param hasField      whether the event has a line other than a comment
     * @param eventWord     {@link Words} id of the last {@code event:} name, or {@link Words#NONE}
     * @param documentType  {@link Words} id of the data's top-level {@code "type"}, or {@link Words#NONE}
     * @param topLevelError whether the data has a truthy top-level {@code "error"}
     * @param emptyChoices  whether the data has a top-level {@code "choices":[]}
     * @param content       whether the data carries non-empty chat or completion content
     * @param done          whether a data line is exactly {@code [DONE]}
     */
    public static int of(Endpoint endpoint, boolean hasField, int eventWord, int documentType, boolean topLevelError,
            boolean emptyChoices, boolean content, boolean done) {
        if (!hasField) {
            return COMMENT_ONLY;
        }
        int kind = eventWord != Words.NONE ? eventWord : documentType;
        int flags = 0;
        if (kind == Words.ERROR || topLevelError) {
            flags |= ERROR;
        }
        switch (endpoint) {
            case CHAT_COMPLETIONS:
            case COMPLETIONS:
                if (done) {
                    flags |= DONE | TERMINAL;
                }
                if (emptyChoices) {
                    flags |= USAGE_ONLY;
                }
                if (content) {
                    flags |= CONTENT;
                }
                break;
            case RESPONSES:
                if (done) {
                    flags |= DONE;
                }
                if (kind == Words.RESPONSE_COMPLETED || kind == Words.RESPONSE_INCOMPLETE) {
                    flags |= TERMINAL;
                } else if (kind == Words.RESPONSE_FAILED) {
                    flags |= TERMINAL | ERROR;
                } else if (kind == Words.RESPONSE_OUTPUT_TEXT_DELTA
                        || kind == Words.RESPONSE_FUNCTION_CALL_ARGUMENTS_DELTA
                        || kind == Words.RESPONSE_REFUSAL_DELTA) {
                    flags |= CONTENT;
                }
                break;
            case MESSAGES:
                if (done) {
                    flags |= DONE;
                }
                if (kind == Words.MESSAGE_STOP) {
                    flags |= TERMINAL;
                } else if (kind == Words.CONTENT_BLOCK_DELTA) {
                    flags |= CONTENT;
                }
                break;
            default:
                if (done) {
                    flags |= DONE;
                }
                break;
        }
        return flags;
    }
}
