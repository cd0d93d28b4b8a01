package dev.sluice.proxy.internal;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.sluice.codec.Clock;
import dev.sluice.journal.EndRecord;
import dev.sluice.journal.EvalRecord;
import dev.sluice.journal.Journal;
import dev.sluice.journal.JournalReader;
import dev.sluice.journal.RecordVisitor;
import dev.sluice.journal.RequestIds;
import dev.sluice.journal.RequestRecord;
import dev.sluice.proxy.eval.EvalRuns;
import dev.sluice.routing.agents.AgentCatalog;
import dev.sluice.routing.config.ConfigException;
import dev.sluice.routing.config.EvalSection;
import dev.sluice.routing.evals.EvalSet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

/**
 * {@code POST /admin/evals}: records an evaluation run in the journal (an EVAL record) once the gateway has found
 * every one of its samples among its own finished requests, tagged with use case {@code eval}, and, for an agent,
 * answered by one version of that agent; the set's version must be that of the set file beside the gateway's
 * configuration. What the run's graders said is taken as submitted: recording needs the admin token, or the token
 * of one of the agent's owners. An agent's evaluation gate reads these records. Scans the journal, so it runs on
 * a thread of its own, never on an event loop.
 * <p>
 * Thread-safe.
 */
public final class EvalAdmin implements AutoCloseable {
    /** How far back a run's samples are looked for. */
    static final long LOOK_BACK_MICROS = 24L * 3600 * 1_000_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final GatewayContext context;
    private final Journal journal;
    private final AdminAudit audit;
    private final Clock clock;
    private final OffLoopExecutor executor = new OffLoopExecutor("sluice-admin-evals", 4);
    private final JournalIndexer indexer;

    public EvalAdmin(GatewayContext context, Journal journal, AdminAudit audit, Clock clock, JournalIndexer indexer) {
        this.indexer = requireNonNull(indexer, "indexer");
        this.context = requireNonNull(context, "context");
        this.journal = requireNonNull(journal, "journal");
        this.audit = requireNonNull(audit, "audit");
        this.clock = requireNonNull(clock, "clock");
    }

    /** Runs a listing shows at most (the most recent). */
    static final int MAX_LISTED = 500;

    /**
     * {@code GET /admin/evals}: the recorded evaluation runs, newest first (at most {@value #MAX_LISTED}): set and its
     * version, target, agent version, samples, passes, pass rate and the gate's minimum. From the journal index.
     */
    CompletableFuture<AdminKeys.Reply> list(AdminPrincipal who) {
        return indexer.ask(index -> {
            List<EvalRecord> runs = index.evalRuns(e -> true);
            ObjectNode out = JSON.createObjectNode();
            var list = out.putArray("runs");
            for (int i = runs.size() - 1; i >= Math.max(0, runs.size() - MAX_LISTED); i--) {
                list.add(EvalRuns.json(JSON, runs.get(i)));
            }
            audit.record(who == null ? "loopback" : who.actor(), "evals.list", null, "ok", list.size() + " runs");
            return new AdminKeys.Reply(200, out.toString());
        });
    }

    /** Records the run {@code body} describes, for {@code who}. */
    CompletableFuture<AdminKeys.Reply> record(AdminPrincipal who, byte[] body) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return recordNow(who, JSON.readTree(body));
            } catch (IOException e) {
                return refuse(who, null, 400, "invalid_request", "expected a JSON object: {set, set_version, "
                        + "target, samples, passes, request_ids}");
            }
        }, executor);
    }

    private AdminKeys.Reply recordNow(AdminPrincipal who, JsonNode req) {
        if (req == null || !req.isObject()) {
            return refuse(who, null, 400, "invalid_request", "expected a JSON object");
        }
        String target = req.path("target").asText("");
        String agent = target.startsWith(AgentCatalog.MODEL_PREFIX) ? agentName(target) : null;
        if (who == null || !(who.isAdmin() || who.isOwner() && agent != null && isOwner(agent, who.owner()))) {
            return refuse(who, target, 403, "forbidden", "recording an evaluation needs the admin token, or the "
                    + "token of one of the agent's owners");
        }
        String setName = req.path("set").asText("");
        EvalSet set;
        try {
            set = EvalSection.read(evalsDir(), setName);
        } catch (ConfigException e) {
            return refuse(who, target, 404, "unknown_set", e.getMessage());
        }
        if (!set.version().equals(req.path("set_version").asText())) {
            return refuse(who, target, 409, "set_changed", "the run was of " + setName + "@"
                    + req.path("set_version").asText() + ", but this gateway's set is " + set.version());
        }
        int samples = req.path("samples").asInt(-1);
        int passes = req.path("passes").asInt(-1);
        JsonNode ids = req.path("request_ids");
        if (samples < 1 || passes < 0 || passes > samples || !ids.isArray() || ids.size() != samples
                || samples > EvalRecord.MAX_SAMPLES) {
            return refuse(who, target, 400, "invalid_request", "samples, passes and request_ids do not agree "
                    + "(expected: 0 <= passes <= samples = the number of request ids <= " + EvalRecord.MAX_SAMPLES
                    + ")");
        }
        Set<Long> wanted = new HashSet<>();
        for (JsonNode id : ids) {
            try {
                wanted.add(RequestIds.parse(id.asText()));
            } catch (IllegalArgumentException e) {
                return refuse(who, target, 400, "invalid_request", "not a request id: " + id.asText());
            }
        }
        if (wanted.size() != samples) {
            return refuse(who, target, 400, "invalid_request", "a request id is given twice");
        }
        // Only the samples' records are kept: the journal may hold millions of other requests.
        Map<Long, RequestRecord> found = new HashMap<>();
        Set<Long> finished = new HashSet<>();
        long since = clock.wallMicros() - LOOK_BACK_MICROS;
        try (JournalReader r = JournalReader.open(List.of(journal.dir()))) {
            while (r.poll(new RecordVisitor() {
                @Override
                public void onRequest(RequestRecord request) {
                    if (request.wallTimeMicros() >= since && wanted.contains(request.requestId())) {
                        found.put(request.requestId(), request);
                    }
                }

                @Override
                public void onEnd(EndRecord end) {
                    if (wanted.contains(end.requestId())) {
                        finished.add(end.requestId());
                    }
                }
            }, 4096) > 0) {
                // read on
            }
        }
        String version = null;
        for (long id : wanted) {
            RequestRecord e = found.get(id);
            String idText = RequestIds.format(id);
            if (e == null || !finished.contains(id)) {
                return refuse(who, target, 409, "unknown_sample", idText + " is not a finished request of this "
                        + "gateway (in the last day)");
            }
            if (!"eval".equals(e.useCase())) {
                return refuse(who, target, 409, "not_an_eval", idText + " was not sent with use case eval");
            }
            if (agent != null) {
                if (!agent.equals(e.agent())) {
                    return refuse(who, target, 409, "wrong_target", idText + " did not call agent " + agent);
                }
                if (version != null && !version.equals(e.agentVersion())) {
                    return refuse(who, target, 409, "mixed_versions", "the samples were answered by more than one "
                            + "version of " + agent + " (" + version + ", " + e.agentVersion() + ")");
                }
                version = e.agentVersion();
            }
        }
        double min = req.path("min_pass_rate").isNumber() ? req.path("min_pass_rate").asDouble() : Double.NaN;
        long[] idArray = wanted.stream().mapToLong(Long::longValue).sorted().toArray();
        EvalRecord record = new EvalRecord(clock.wallMicros(), who.actor(), setName, set.version(), target, agent,
                version, passes, min, idArray);
        journal.appendEval(record);
        audit.record(who.actor(), "evals.record", target, "ok", setName + "@" + set.version() + ": " + passes + "/"
                + samples + (agent != null ? " on " + agent + "@" + version : ""));
        ObjectNode out = JSON.createObjectNode();
        out.put("status", "recorded");
        out.put("set", setName);
        out.put("set_version", set.version());
        out.put("target", target);
        out.put("agent", agent);
        out.put("agent_version", version);
        out.put("samples", samples);
        out.put("passes", passes);
        return new AdminKeys.Reply(201, out.toString());
    }

    private boolean isOwner(String agent, String owner) {
        AgentCatalog.Agent a = context.config().agents().agent(agent);
        if (a == null) {
            return false;
        }
        var production = a.labelled(AgentCatalog.PRODUCTION);
        return (production != null ? production : a.files()).settings().owners().contains(owner);
    }

    /** The agent {@code agent/NAME[@...]} names. */
    static String agentName(String target) {
        String rest = target.substring(AgentCatalog.MODEL_PREFIX.length());
        int at = rest.indexOf('@');
        return at < 0 ? rest : rest.substring(0, at);
    }

    /** The sets beside the running configuration file. */
    Path evalsDir() {
        return Path.of(context.config().source()).toAbsolutePath().getParent().resolve(EvalSet.DIR);
    }

    private AdminKeys.Reply refuse(AdminPrincipal who, String target, int status, String code, String message) {
        audit.record(who == null ? "anonymous" : who.actor(), "evals.record", target, status == 403 ? "denied"
                : "invalid", message);
        return new AdminKeys.Reply(status, AdminHandler.error(code, message));
    }

    @Override
    public void close() {
        executor.close();
    }
}
