package dev.sluice.proxy.internal;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.sluice.codec.Clock;
import dev.sluice.journal.EvalRecord;
import dev.sluice.journal.JournalReader;
import dev.sluice.journal.RecordVisitor;
import dev.sluice.proxy.eval.Wilson;
import dev.sluice.routing.agents.AgentCatalog;
import dev.sluice.routing.agents.AgentSettings;
import dev.sluice.routing.agents.AgentVersion;
import dev.sluice.routing.config.AgentStore;
import dev.sluice.routing.config.ConfigException;
import dev.sluice.routing.config.EvalSection;
import dev.sluice.routing.config.GatewayConfig;
import dev.sluice.routing.evals.EvalSet;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The admin API of agents ({@code /admin/agents}): list and show them with their versions, labels and history,
 * render the system text a request would send, and move labels: promote a version to a label (with a second owner's
 * approval when the agent's {@code review: required}, and past its evaluation gate when it names one), approve a
 * waiting promotion, roll a label back to where it pointed before. A move is written to the version store's labels
 * and published as a new snapshot at once: the next request is served by the new version. Each move and each
 * refusal is an ADMIN record in the journal. Owners act with their own tokens ({@code admin.owners}), or, without
 * them, name themselves ({@code actor}) under the gateway admin token. Owners, review and gate are those of the production version, review and gate the candidate's too.
 * <p>
 * Thread-safe: every operation runs on the configuration agent, the one owner of the running snapshot.
 */
public final class AgentAdmin {
    /** An evaluation gate: may a version be promoted to a label? */
    @FunctionalInterface
    public interface Gate {
        /** Why {@code version} may not go to {@code label}, or null when it may. */
        String refusal(AgentVersion version, String label);
    }

    private static final Logger LOG = LoggerFactory.getLogger(AgentAdmin.class);

    private final GatewayContext context;
    private final Path journalDir;
    private final AgentStore store;
    private final AdminAudit audit;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, Gate> gates = new ConcurrentHashMap<>();

    /** @param store the gateway's version store, used on the configuration agent only (as here) */
    public AgentAdmin(GatewayContext context, AgentStore store, AdminAudit audit, Clock clock, Path journalDir) {
        this.journalDir = requireNonNull(journalDir, "journalDir");
        this.context = requireNonNull(context, "context");
        this.store = requireNonNull(store, "store");
        this.audit = requireNonNull(audit, "audit");
        this.clock = requireNonNull(clock, "clock");
    }

    /**
     * Puts gate {@code name} in place (an agent's {@code gate: NAME}). A promotion of an agent whose gate is not in
     * place is refused: a gate that cannot be asked does not say yes.
     */
    public void gate(String name, Gate gate) {
        gates.put(requireNonNull(name, "name"), requireNonNull(gate, "gate"));
    }

    /**
     * Serves the labels and versions of agent {@code name} (every agent when null) as the store holds them now: what
     * a move through another gateway changed. Runs on the configuration agent; a failure is logged there.
     */
    public CompletableFuture<Void> refresh(String name) {
        CompletableFuture<Void> done = context.agent().submit(() -> {
            GatewayConfig running = context.config();
            if (!running.agents().agents().isEmpty()) {
                context.config(running.withAgents(store.refresh(running.agents(), name)));
            }
            return null;
        });
        done.whenComplete((x, e) -> {
            if (e != null) {
                LOG.warn("agents: cannot read {} again after a move through another gateway: {}",
                        name == null ? "every agent" : "'" + name + "'", e.getMessage());
            }
        });
        return done;
    }

    /** {@code GET /admin/agents}. */
    CompletableFuture<AdminKeys.Reply> list() {
        return context.agent().submit(() -> {
            ArrayNode out = json.createArrayNode();
            for (AgentCatalog.Agent a : context.config().agents().agents()) {
                out.add(summary(a));
            }
            return reply(200, out);
        });
    }

    /** {@code GET /admin/agents/NAME}: the agent, its versions (newest first), labels, history and waiting promotions. */
    CompletableFuture<AdminKeys.Reply> show(String name) {
        return context.agent().submit(() -> {
            AgentCatalog.Agent a = context.config().agents().agent(name);
            if (a == null) {
                return notFound(name);
            }
            AgentStore store = store();
            ObjectNode out = summary(a);
            List<AgentStore.Move> history = store.history(name);
            ArrayNode versions = out.putArray("versions");
            for (AgentVersion v : a.versions().values()) {
                ObjectNode n = versions.addObject();
                n.put("version", v.version());
                n.put("model", v.settings().model());
                n.putPOJO("variables", v.template().variables());
                n.putPOJO("context", v.contexts().keySet());
                ArrayNode labels = n.putArray("labels");
                if (v == a.files()) {
                    labels.add(AgentCatalog.STAGING);
                }
                a.labels().forEach((l, x) -> {
                    if (x.equals(v.version())) {
                        labels.add(l);
                    }
                });
            }
            ArrayNode moves = out.putArray("history");
            for (AgentStore.Move m : history) {
                ObjectNode n = moves.addObject();
                n.put("time", Instant.ofEpochMilli(m.wallMs()).toString());
                n.put("action", m.action());
                n.put("label", m.label());
                n.put("version", m.version());
                n.put("previous", m.previous());
                n.put("actor", m.actor());
            }
            ArrayNode pending = out.putArray("pending");
            for (AgentStore.Pending p : store.pending(name)) {
                ObjectNode n = pending.addObject();
                n.put("request", p.id());
                n.put("label", p.label());
                n.put("version", p.version());
                n.put("requested_by", p.requestedBy());
                n.put("time", Instant.ofEpochMilli(p.wallMs()).toString());
            }
            return reply(200, out);
        });
    }

    /** {@code GET /admin/agents/NAME/versions/V}: the files of a version (or of what a label points at), as stored. */
    CompletableFuture<AdminKeys.Reply> files(String name, String which) {
        return context.agent().submit(() -> {
            AgentCatalog.Agent a = context.config().agents().agent(name);
            if (a == null) {
                return notFound(name);
            }
            AgentVersion v = version(a, which);
            if (v == null) {
                return error(404, "not_found", "agent '" + name + "' has no version or label '" + which + "'");
            }
            ObjectNode out = json.createObjectNode();
            out.put("agent", name);
            out.put("version", v.version());
            ObjectNode files = out.putObject("files");
            files.put(AgentVersion.SETTINGS_FILE, v.settingsText());
            files.put(AgentVersion.PROMPT_FILE, v.prompt());
            v.contexts().forEach((f, text) -> files.put(AgentVersion.CONTEXT_DIR + "/" + f, text));
            return reply(200, out);
        });
    }

    /**
     * {@code POST /admin/agents/NAME/render} with {@code {"version": "V or LABEL", "variables": {...}}}: the system
     * text, model and parameters a request would be sent with; no model is called.
     */
    CompletableFuture<AdminKeys.Reply> render(String name, byte[] body) {
        return context.agent().submit(() -> {
            JsonNode req = parse(body);
            if (req == null) {
                return error(400, "invalid_request", "expected a JSON object: {\"version\": ..., \"variables\": {...}}");
            }
            String which = req.path("version").asText(AgentCatalog.PRODUCTION);
            AgentCatalog.Resolved r = context.config().agents().resolve(name + "@" + which);
            if (r.agent() == null) {
                return notFound(name);
            }
            if (r.version() == null) {
                return error(404, "not_found", "agent '" + name + "' has no label or version '" + which + "'");
            }
            Map<String, String> variables = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = req.path("variables").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                variables.put(e.getKey(), e.getValue().asText());
            }
            String system;
            try {
                system = r.version().systemText(variables);
            } catch (IllegalArgumentException e) {
                return error(400, "missing_variable", "the agent needs the variable '" + e.getMessage() + "'");
            }
            AgentSettings s = r.version().settings();
            ObjectNode out = json.createObjectNode();
            out.put("agent", name);
            out.put("version", r.version().version());
            out.put("label", r.label());
            out.put("model", s.model());
            ObjectNode params = out.putObject("parameters");
            if (s.temperature() != null) {
                params.put("temperature", s.temperature());
            }
            if (s.topP() != null) {
                params.put("top_p", s.topP());
            }
            if (s.maxTokens() > 0) {
                params.put("max_tokens", s.maxTokens());
            }
            out.put("system", system);
            return reply(200, out);
        });
    }

    /**
     * {@code POST /admin/agents/NAME/promote} with {@code {"version": "V or LABEL", "to": "LABEL", "actor": "OWNER"}}:
     * moves the label now, or, when the agent needs review, records a promotion for a second owner to approve (202).
     */
    CompletableFuture<AdminKeys.Reply> promote(AdminPrincipal who, String name, byte[] body) {
        return context.agent().submit(() -> {
            JsonNode req = parse(body);
            String actor = req == null ? null : req.path("actor").asText(null);
            AgentCatalog.Agent a = context.config().agents().agent(name);
            AdminKeys.Reply refused = checkOwner(who, "agents.promote", name, a, actor);
            if (refused != null) {
                return refused;
            }
            actor = acting(who, actor);
            String to = req.path("to").asText(AgentCatalog.PRODUCTION);
            if (!AgentCatalog.LABEL.matcher(to).matches() || to.equals(AgentCatalog.STAGING)) {
                return refuse(who, actor, "agents.promote", name, "invalid", 400, "invalid_label", "'" + to
                        + "' is not a label that moves by promotion (staging follows the files)");
            }
            AgentVersion v = version(a, req.path("version").asText(""));
            if (v == null) {
                return refuse(who, actor, "agents.promote", name, "not_found", 404, "not_found", "agent '" + name
                        + "' has no version or label '" + req.path("version").asText("") + "'");
            }
            if (v.version().equals(a.labels().get(to))) {
                // A move to where the label is would stand in its history as one, and a rollback would undo nothing.
                return refuse(who, actor, "agents.promote", name, "invalid", 409, "already_there", "label '" + to
                        + "' of agent '" + name + "' already points at " + v.version());
            }
            String gateRefusal = gate(a, v, to);
            if (gateRefusal != null) {
                return refuse(who, actor, "agents.promote", name, "denied", 409, "gate_refused", gateRefusal);
            }
            if (governing(a).settings().reviewRequired() || v.settings().reviewRequired()) {
                AgentStore.Pending p = store().request(name, to, v.version(), actor, clock.wallMs());
                audit.record(who(who, actor), "agents.promote", name, "ok", "review requested: " + p.id() + ", "
                        + to + " -> " + v.version());
                ObjectNode out = json.createObjectNode();
                out.put("status", "pending");
                out.put("request", p.id());
                out.put("label", to);
                out.put("version", v.version());
                out.put("message", "needs the approval of another owner: sluice agents approve " + p.id()
                        + " --as OWNER");
                return reply(202, out);
            }
            return move(who, actor, "agents.promote", name, to, v.version(), "promote");
        });
    }

    /**
     * {@code POST /admin/agents/_approvals/ID} with {@code {"actor": "OWNER"}}: approves the waiting promotion
     * {@code ID} (of whichever agent it belongs to), as an owner other than the one who asked.
     */
    CompletableFuture<AdminKeys.Reply> approve(AdminPrincipal who, String id, byte[] body) {
        return context.agent().submit(() -> {
            JsonNode req = parse(body);
            String actor = req == null ? null : req.path("actor").asText(null);
            AgentStore store = store();
            AgentStore.Pending p = null;
            AgentCatalog.Agent a = null;
            for (AgentCatalog.Agent x : context.config().agents().agents()) {
                for (AgentStore.Pending y : store.pending(x.name())) {
                    if (y.id().equals(id)) {
                        p = y;
                        a = x;
                    }
                }
            }
            if (p == null) {
                return refuse(who, actor, "agents.approve", id, "not_found", 404, "not_found",
                        "no promotion '" + id + "' waits for approval");
            }
            String name = a.name();
            AdminKeys.Reply refused = checkOwner(who, "agents.approve", name, a, actor);
            if (refused != null) {
                return refused;
            }
            actor = acting(who, actor);
            if (p.requestedBy().equals(actor)) {
                return refuse(who, actor, "agents.approve", name, "denied", 403, "second_owner_required",
                        "a promotion is approved by another owner than the one who asked (" + actor + ")");
            }
            AgentVersion v = a.versions().get(p.version());
            String gateRefusal = v == null ? "version " + p.version() + " is no longer stored" : gate(a, v, p.label());
            if (gateRefusal != null) {
                return refuse(who, actor, "agents.approve", name, "denied", 409, "gate_refused", gateRefusal);
            }
            store.takePending(name, id);
            if (p.version().equals(a.labels().get(p.label()))) {
                // Moved there meanwhile (by another promotion): approved, with nothing left to move.
                return refuse(who, actor, "agents.approve", name, "invalid", 409, "already_there", "label '"
                        + p.label() + "' of agent '" + name + "' already points at " + p.version()
                        + "; the request is closed");
            }
            return move(who, actor, "agents.approve", name, p.label(), p.version(),
                    "promote " + id + " (asked by " + p.requestedBy() + ", approved by " + actor + ")");
        });
    }

    /** {@code POST /admin/agents/NAME/rollback} with {@code {"label": "LABEL", "actor": "OWNER"}}: at once. */
    CompletableFuture<AdminKeys.Reply> rollback(AdminPrincipal who, String name, byte[] body) {
        return context.agent().submit(() -> {
            JsonNode req = parse(body);
            String actor = req == null ? null : req.path("actor").asText(null);
            AgentCatalog.Agent a = context.config().agents().agent(name);
            AdminKeys.Reply refused = checkOwner(who, "agents.rollback", name, a, actor);
            if (refused != null) {
                return refused;
            }
            actor = acting(who, actor);
            String label = req.path("label").asText(AgentCatalog.PRODUCTION);
            String current = a.labels().get(label);
            String previous = null;
            for (AgentStore.Move m : store().history(name)) {
                if (m.label().equals(label) && m.version().equals(current)) {
                    previous = m.previous();
                }
            }
            if (previous == null || !a.versions().containsKey(previous)) {
                return refuse(who, actor, "agents.rollback", name, "invalid", 409, "nothing_to_roll_back",
                        "label '" + label + "' of agent '" + name + "' has no earlier version to go back to");
            }
            return move(who, actor, "agents.rollback", name, label, previous, "rollback");
        });
    }

    private AdminKeys.Reply move(AdminPrincipal who, String actor, String action, String name, String label,
                                 String version, String how) throws IOException {
        GatewayConfig running = context.config();
        String from = running.agents().agent(name).labels().get(label);
        AgentCatalog next = store().move(running.agents(), name, label, version,
                action.equals("agents.rollback") ? "rollback" : "promote", actor, clock.wallMs());
        context.config(running.withAgents(next));
        audit.record(who(who, actor), action, name, "ok", how + ": " + label + " " + from + " -> " + version);
        ObjectNode out = json.createObjectNode();
        out.put("status", "moved");
        out.put("agent", name);
        out.put("label", label);
        out.put("version", version);
        out.put("previous", from);
        return reply(200, out);
    }

    /**
     * A refusal when the caller may not move agent {@code name}'s labels as {@code actor}, or null when it may. With
     * owner tokens ({@code admin.owners}) only an owner's own token moves labels, as that owner; without them the
     * gateway admin token does, for the owner named. Either way the actor must be one of the agent's owners.
     */
    private AdminKeys.Reply checkOwner(AdminPrincipal who, String action, String name, AgentCatalog.Agent a,
                                       String actor) {
        boolean ownerTokens = context.config().ownerTokensDeclared();
        if (who != null && who.isOwner()) {
            if (actor != null && !actor.equals(who.owner())) {
                return refuse(who, actor, action, name, "denied", 403, "not_yourself", "an owner's token acts as "
                        + who.owner() + " only, not as " + actor);
            }
        } else if (who == null || !who.isAdmin()) {
            return refuse(who, actor, action, name, "denied", 403, "forbidden",
                    "moving an agent's labels needs the gateway admin token (admin.token) or an owner's own token");
        } else if (ownerTokens) {
            return refuse(who, actor, action, name, "denied", 403, "owner_token_required", "owners have tokens of "
                    + "their own (admin.owners): an agent's labels move with the acting owner's token, not the gateway "
                    + "admin token");
        }
        if (a == null) {
            audit.record(who(who, actor), action, name, "not_found", null);
            return notFound(name);
        }
        String acting = who.isOwner() ? who.owner() : actor;
        List<String> owners = governing(a).settings().owners();
        if (acting == null || !owners.contains(acting)) {
            return refuse(who, actor, action, name, "denied", 403, "not_an_owner", (who.isOwner() ? who.owner()
                    + " is not" : "\"actor\" must name") + " one of the agent's owners (" + String.join(", ", owners)
                    + ")");
        }
        return null;
    }

    /**
     * The version whose settings govern a move: production's (falling back to the files' before there is one).
     * Owners, review and gate are read from it, and review and gate from the candidate too, so that an edit of the
     * files cannot make its author an owner or drop the review or the gate its own promotion would need.
     */
    private static AgentVersion governing(AgentCatalog.Agent a) {
        AgentVersion production = a.labelled(AgentCatalog.PRODUCTION);
        return production != null ? production : a.files();
    }

    /** Why the gates of production and of the candidate {@code v} refuse it, or null when they pass it. */
    private String gate(AgentCatalog.Agent a, AgentVersion v, String label) {
        String governingGate = governing(a).settings().gate();
        String no = gate(governingGate, v, label);
        if (no == null && !Objects.equals(v.settings().gate(), governingGate)) {
            no = gate(v.settings().gate(), v, label);
        }
        AgentSettings.EvalGate governingEval = governing(a).settings().evalGate();
        if (no == null && governingEval != null) {
            no = evalGate(a, governingEval, v);
        }
        if (no == null && v.settings().evalGate() != null && !v.settings().evalGate().equals(governingEval)) {
            no = evalGate(a, v.settings().evalGate(), v);
        }
        return no;
    }

    /**
     * Why evaluation gate {@code g} refuses version {@code v} of agent {@code a}, or null: it needs a recorded run
     * (an EVAL record) of the set, as its file is now, on that very version, passing at least the minimum, and with
     * {@code no_regression} not significantly worse than production's latest recorded run of the same set.
     */
    private String evalGate(AgentCatalog.Agent a, AgentSettings.EvalGate g, AgentVersion v) {
        EvalSet set;
        try {
            set = EvalSection.read(Path.of(context.config().source()).toAbsolutePath().getParent()
                    .resolve(EvalSet.DIR), g.set());
        } catch (ConfigException e) {
            return "the evaluation gate's set cannot be read: " + e.getMessage();
        }
        Map<String, EvalRecord> latest = new HashMap<>();
        try (JournalReader r = JournalReader.open(List.of(journalDir))) {
            while (r.poll(new RecordVisitor() {
                @Override
                public void onEval(EvalRecord e) {
                    if (e.set().equals(set.name()) && e.setVersion().equals(set.version())
                            && a.name().equals(e.agent()) && e.agentVersion() != null) {
                        latest.put(e.agentVersion(), e);
                    }
                }
            }, 1000) > 0) {
                // read on
            }
        }
        String how = "sluice eval run " + set.name() + " --target agent/" + a.name() + "@" + v.version() + " --record";
        EvalRecord run = latest.get(v.version());
        if (run == null) {
            return "no recorded run of eval " + set.name() + "@" + set.version() + " on " + v.version() + " (" + how
                    + ")";
        }
        String report = String.format(Locale.ROOT, "eval %s@%s on %s: pass rate %.4f (%d/%d)", set.name(),
                set.version(), v.version(), run.passRate(), run.passes(), run.samples());
        if (run.passRate() < g.minPassRate()) {
            return report + " is below the gate's " + g.minPassRate();
        }
        String production = a.labels().get(AgentCatalog.PRODUCTION);
        if (g.noRegression() && production != null && !production.equals(v.version())) {
            EvalRecord base = latest.get(production);
            if (base == null) {
                return report + "; no recorded run of production " + production + " to compare with (sluice eval run "
                        + set.name() + " --target agent/" + a.name() + "@" + production + " --record)";
            }
            double[] ci = Wilson.difference95(run.passes(), run.samples(), base.passes(), base.samples());
            if (ci[1] < 0) {
                return String.format(Locale.ROOT, "%s is significantly worse than production %s's %.4f (%d/%d): "
                        + "difference %+.4f, 95%% interval [%+.4f, %+.4f]", report, production, base.passRate(),
                        base.passes(), base.samples(), run.passRate() - base.passRate(), ci[0], ci[1]);
            }
        }
        return null;
    }

    private String gate(String name, AgentVersion v, String label) {
        if (name == null) {
            return null;
        }
        Gate g = gates.get(name);
        if (g == null) {
            return "the evaluation gate '" + name + "' is not available, so it cannot pass this promotion";
        }
        String no = g.refusal(v, label);
        return no == null ? null : "the evaluation gate '" + name + "' refused " + v.version() + ": " + no;
    }

    private static AgentVersion version(AgentCatalog.Agent a, String which) {
        if (AgentVersion.VERSION.matcher(which).matches()) {
            return a.versions().get(which);
        }
        return AgentCatalog.LABEL.matcher(which).matches() ? a.labelled(which) : null;
    }

    private AdminKeys.Reply refuse(AdminPrincipal who, String actor, String action, String name, String outcome,
                                   int status, String code, String message) {
        audit.record(who(who, actor), action, name, outcome, message);
        return error(status, code, message);
    }

    /** The owner who acts: the owner token's, else the one named. */
    private static String acting(AdminPrincipal who, String actor) {
        return who != null && who.isOwner() ? who.owner() : actor;
    }

    /** The audit's actor: the credential's role, and the owner named (an owner token names itself). */
    private static String who(AdminPrincipal who, String actor) {
        String role = who == null ? "anonymous" : who.actor();
        return actor == null || who != null && who.isOwner() && actor.equals(who.owner()) ? role : role + " as " + actor;
    }

    private ObjectNode summary(AgentCatalog.Agent a) {
        AgentSettings s = a.files().settings();
        ObjectNode n = json.createObjectNode();
        n.put("name", a.name());
        n.put("description", s.description());
        n.putPOJO("owners", s.owners());
        n.put("model", s.model());
        n.put("review", s.reviewRequired() ? "required" : "none");
        n.put("gate", s.gate());
        if (s.evalGate() != null) {
            ObjectNode g = n.putObject("eval_gate");
            g.put("eval", s.evalGate().set());
            g.put("min_pass_rate", s.evalGate().minPassRate());
            g.put("no_regression", s.evalGate().noRegression());
        }
        n.putPOJO("teams", s.teams());
        n.put("capture", s.capture() == null ? null : s.capture().configName());
        ObjectNode labels = n.putObject("labels");
        labels.put(AgentCatalog.STAGING, a.files().version());
        a.labels().forEach(labels::put);
        n.putPOJO("variables", a.files().template().variables());
        return n;
    }

    /** The gateway's version store; call it on the configuration agent only. */
    public AgentStore store() {
        return store;
    }

    private JsonNode parse(byte[] body) {
        if (body.length == 0) {
            return json.createObjectNode();
        }
        try {
            JsonNode n = json.readTree(body);
            return n != null && n.isObject() ? n : null;
        } catch (IOException e) {
            return null;
        }
    }

    private AdminKeys.Reply notFound(String name) {
        return error(404, "not_found", "no agent '" + name + "'");
    }

    private AdminKeys.Reply error(int status, String code, String message) {
        ObjectNode out = json.createObjectNode();
        ObjectNode e = out.putObject("error");
        e.put("code", code);
        e.put("message", message);
        return reply(status, out);
    }

    private AdminKeys.Reply reply(int status, JsonNode body) {
        try {
            return new AdminKeys.Reply(status, json.writeValueAsString(body));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
