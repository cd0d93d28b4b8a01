package dev.sluice.proxy.internal;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.sluice.codec.Clock;
import dev.sluice.journal.FeedbackRecord;
import dev.sluice.journal.Journal;
import dev.sluice.journal.JournalEntry;
import dev.sluice.journal.RequestHistory;
import dev.sluice.journal.RequestIds;
import dev.sluice.journal.RequestRecord;
import dev.sluice.routing.config.ApiKey;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * {@code POST /v1/feedback}: feedback on one answer, from the key that made the request or a key of its team. The
 * body is {@code {"request_id": "req_...", "metric": NAME, "value": true|false|NUMBER, "comment": TEXT}}; the
 * request is looked up in this gateway's journal, and the feedback is appended as a FEEDBACK record carrying what
 * a roll-up needs (the request's agent, agent version and model). A request that does not exist and one made by
 * another team get the same 404: a caller learns nothing of other teams' request ids.
 * <p>
 * Reading the journal and appending to it happen on a thread of its own, never on an event loop; the answer goes
 * back to the request's event loop. Thread-safe.
 */
public final class FeedbackIntake implements AutoCloseable {
    /** Feedback requests waiting for the thread, at most; past it the caller gets 503 and {@code Retry-After}. */
    static final int QUEUE = 256;
    /** A metric's name: what reports group by. */
    private static final Pattern METRIC = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}");
    /** The most UTF-8 bytes a comment may take (what the record keeps). */
    static final int MAX_COMMENT_BYTES = 1024;
    /** How long a request without its END record yet is waited for once (it may still be finishing). */
    private static final long END_WAIT_MS = 100;
    private static final List<String> MEMBERS = List.of("request_id", "metric", "value", "comment");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Journal journal;
    private final Clock clock;
    private final OffLoopExecutor executor = new OffLoopExecutor("sluice-feedback", QUEUE);

    public FeedbackIntake(Journal journal, Clock clock) {
        this.journal = requireNonNull(journal, "journal");
        this.clock = requireNonNull(clock, "clock");
    }

    /** What the caller is answered. */
    record Answer(int status, String code, String message, String param, byte[] body) {
        static Answer ok(byte[] body) {
            return new Answer(200, null, null, null, body);
        }

        static Answer refused(int status, String code, String message, String param) {
            return new Answer(status, code, message, param, null);
        }
    }

    /**
     * Takes feedback {@code body} from {@code sender}; {@code answer} runs with the outcome on {@code loop}. Called on
     * the event loop; never waits.
     */
    void submit(ApiKey sender, byte[] body, Executor loop, Consumer<Answer> answer) {
        try {
            executor.execute(() -> {
                Answer a;
                try {
                    a = take(sender, body);
                } catch (RuntimeException e) {
                    a = Answer.refused(500, "internal_error", "the feedback could not be recorded", null);
                }
                Answer result = a;
                loop.execute(() -> answer.accept(result));
            });
        } catch (RejectedExecutionException e) {
            answer.accept(Answer.refused(503, "overloaded", "Too much feedback is waiting to be recorded; retry "
                    + "shortly.", null));
        }
    }

    private Answer take(ApiKey sender, byte[] bytes) {
        JsonNode req;
        try {
            req = JSON.readTree(bytes);
        } catch (IOException e) {
            return invalid("request body is not valid JSON", null);
        }
        if (req == null || !req.isObject()) {
            return invalid("expected a JSON object: {\"request_id\", \"metric\", \"value\", \"comment\"}", null);
        }
        for (Iterator<String> names = req.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!MEMBERS.contains(name)) {
                return invalid("unknown member '" + ClientHandler.sanitize(name) + "' (expected: request_id, "
                        + "metric, value, comment)", ClientHandler.sanitize(name));
            }
        }
        JsonNode id = req.get("request_id");
        if (id == null || !id.isTextual()) {
            return invalid("request_id: expected the id of the rated request, as in its x-request-id header "
                    + "(req_ and 16 hex digits)", "request_id");
        }
        long requestId;
        try {
            requestId = RequestIds.parse(id.asText());
        } catch (IllegalArgumentException e) {
            return invalid("request_id: not a request id (expected: req_ and 16 hex digits)", "request_id");
        }
        JsonNode metric = req.get("metric");
        if (metric == null || !metric.isTextual() || !METRIC.matcher(metric.asText()).matches()) {
            return invalid("metric: expected a name of 1 to 64 letters, digits, '_', '.', ':' or '-', starting "
                    + "with a letter or digit", "metric");
        }
        JsonNode value = req.get("value");
        if (value == null || !(value.isBoolean() || value.isNumber()) || value.isNumber()
                && !Double.isFinite(value.asDouble())) {
            return invalid("value: expected true, false or a finite number", "value");
        }
        JsonNode comment = req.get("comment");
        if (comment != null && !comment.isNull() && (!comment.isTextual()
                || comment.asText().getBytes(StandardCharsets.UTF_8).length > MAX_COMMENT_BYTES)) {
            return invalid("comment: expected a string of at most " + MAX_COMMENT_BYTES + " bytes of UTF-8",
                    "comment");
        }
        RequestHistory h = RequestHistory.find(List.of(journal.dir()), requestId);
        if (h != null && !h.entry().isFinished()) {
            // Its end may still be on its way to the journal: the model that answered is read from it.
            sleep(END_WAIT_MS);
            h = RequestHistory.find(List.of(journal.dir()), requestId);
        }
        RequestRecord rated = h == null ? null : h.entry().request();
        if (rated == null || !(sender.id().equals(rated.keyId())
                || sender.team() != null && sender.team().equals(rated.team()))) {
            return Answer.refused(404, "request_not_found", "No request " + id.asText() + " made by this key or "
                    + "its team was found.", "request_id");
        }
        JournalEntry e = h.entry();
        String model = e.end() != null && e.end().servedModel() != null ? e.end().servedModel()
                : rated.requestedModel();
        boolean bool = value.isBoolean();
        double v = bool ? (value.asBoolean() ? 1 : 0) : value.asDouble();
        String text = comment == null || comment.isNull() ? null : comment.asText();
        journal.appendFeedback(new FeedbackRecord(clock.wallMicros(), requestId, metric.asText(), v, bool, text,
                sender.id(), sender.team(), rated.keyId(), rated.team(), rated.agent(), rated.agentVersion(),
                model));
        ObjectNode n = JSON.createObjectNode();
        n.put("object", "feedback");
        n.put("request_id", id.asText());
        n.put("metric", metric.asText());
        n.set("value", value);
        if (text != null) {
            n.put("comment", text);
        }
        n.put("agent", rated.agent());
        n.put("agent_version", rated.agentVersion());
        n.put("model", model);
        return Answer.ok(n.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static Answer invalid(String message, String param) {
        return Answer.refused(400, "invalid_request", message, param);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        executor.close();
    }
}
