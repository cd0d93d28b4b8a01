package dev.sluice.proxy.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import com.github.difflib.patch.Patch;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/**
 * {@code sluice agents}: a running gateway's agents through its admin API: what there is ({@code list},
 * {@code show}, {@code history}), what changed between two versions ({@code diff}), what a request would send
 * ({@code render}), and the moves of labels ({@code promote}, {@code approve}, {@code rollback}, which need the admin
 * token and name the owner who acts with {@code --as}). Output for people by default, {@code --json} for scripts.
 * Confined to the command's thread.
 */
@Command(name = "agents", mixinStandardHelpOptions = true,
        description = "Agents: versions, labels, promotion and rollback (through the admin API).",
        subcommands = {AgentsCommand.ListAgents.class, AgentsCommand.Show.class, AgentsCommand.History.class,
                AgentsCommand.Diff.class, AgentsCommand.Render.class, AgentsCommand.Promote.class,
                AgentsCommand.Approve.class, AgentsCommand.Rollback.class})
public final class AgentsCommand implements Runnable {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    private static String path(String... parts) {
        StringBuilder b = new StringBuilder("/admin/agents");
        for (String p : parts) {
            b.append('/').append(URLEncoder.encode(p, StandardCharsets.UTF_8));
        }
        return b.toString();
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.path(field);
        return v.isTextual() ? v.asText() : v.isMissingNode() || v.isNull() ? "-" : v.toString();
    }

    private static String names(JsonNode list) {
        StringBuilder b = new StringBuilder();
        for (JsonNode x : list) {
            b.append(b.length() == 0 ? "" : ",").append(x.asText());
        }
        return b.length() == 0 ? "-" : b.toString();
    }

    /** {@code sluice agents list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the agents and their labels.")
    static final class ListAgents implements Callable<Integer> {
        @Mixin
        KeysCommand.AdminOptions admin;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            try {
                return KeysCommand.print(spec, admin, admin.client().get(path()), (body, out) -> {
                    String row = "%-24s %-14s %-14s %-16s %-8s %s%n";
                    out.printf(row, "NAME", "PRODUCTION", "STAGING", "MODEL", "REVIEW", "OWNERS");
                    for (JsonNode a : body) {
                        out.printf(row, a.path("name").asText(), text(a.path("labels"), "production"),
                                text(a.path("labels"), "staging"), text(a, "model"), text(a, "review"),
                                names(a.path("owners")));
                    }
                });
            } catch (IOException e) {
                return KeysCommand.unreachable(spec, e);
            }
        }
    }

    /** The verbs that read one agent. */
    abstract static class OneAgent implements Callable<Integer> {
        @Mixin
        KeysCommand.AdminOptions admin;

        @Parameters(index = "0", paramLabel = "NAME", description = "The agent's name.")
        String name;

        @Spec
        CommandSpec spec;
    }

    /** {@code sluice agents show NAME}. */
    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Show an agent: owners, model, labels, variables, versions, waiting promotions.")
    static final class Show extends OneAgent {
        @Override
        public Integer call() {
            try {
                return KeysCommand.print(spec, admin, admin.client().get(path(name)), (a, out) -> {
                    out.println("agent:       " + a.path("name").asText());
                    out.println("description: " + text(a, "description"));
                    out.println("owners:      " + names(a.path("owners")));
                    out.println("model:       " + text(a, "model"));
                    JsonNode evalGate = a.path("eval_gate");
                    out.println("review:      " + text(a, "review") + (a.path("gate").isTextual()
                            ? ", gate " + a.path("gate").asText() : "") + (evalGate.isObject()
                            ? ", gate: eval " + evalGate.path("eval").asText() + " at least "
                            + evalGate.path("min_pass_rate").asText()
                            + (evalGate.path("no_regression").asBoolean() ? ", no regression" : "") : ""));
                    out.println("teams:       " + names(a.path("teams")));
                    out.println("capture:     " + (a.path("capture").isTextual() ? a.path("capture").asText()
                            : "(the journal's setting)"));
                    out.println("variables:   " + names(a.path("variables")));
                    StringBuilder labels = new StringBuilder();
                    for (Iterator<Map.Entry<String, JsonNode>> it = a.path("labels").fields(); it.hasNext(); ) {
                        Map.Entry<String, JsonNode> l = it.next();
                        labels.append(labels.length() == 0 ? "" : ", ").append(l.getKey()).append(' ')
                                .append(l.getValue().asText());
                    }
                    out.println("labels:      " + labels);
                    out.println("versions:");
                    for (JsonNode v : a.path("versions")) {
                        out.printf("  %-14s %-16s labels %-24s context %s%n", v.path("version").asText(),
                                text(v, "model"), names(v.path("labels")), names(v.path("context")));
                    }
                    for (JsonNode p : a.path("pending")) {
                        out.printf("waiting:     %s  %s -> %s, asked by %s at %s%n", p.path("request").asText(),
                                p.path("label").asText(), p.path("version").asText(),
                                p.path("requested_by").asText(), p.path("time").asText());
                    }
                });
            } catch (IOException e) {
                return KeysCommand.unreachable(spec, e);
            }
        }
    }

    /** {@code sluice agents history NAME}. */
    @Command(name = "history", mixinStandardHelpOptions = true,
            description = "Every move of the agent's labels, oldest first.")
    static final class History extends OneAgent {
        @Override
        public Integer call() {
            try {
                return KeysCommand.print(spec, admin, admin.client().get(path(name)), (a, out) -> {
                    String row = "%-25s %-9s %-12s %-14s %-14s %s%n";
                    out.printf(row, "TIME", "ACTION", "LABEL", "VERSION", "PREVIOUS", "BY");
                    for (JsonNode m : a.path("history")) {
                        out.printf(row, m.path("time").asText(), m.path("action").asText(), m.path("label").asText(),
                                m.path("version").asText(), text(m, "previous"), text(m, "actor"));
                    }
                });
            } catch (IOException e) {
                return KeysCommand.unreachable(spec, e);
            }
        }
    }

    /** {@code sluice agents diff NAME V1 V2}. */
    @Command(name = "diff", mixinStandardHelpOptions = true,
            description = "What changed from one version (or label) to another, file by file (unified diff).")
    static final class Diff extends OneAgent {
        @Parameters(index = "1", paramLabel = "FROM", description = "A version or a label.")
        String from;

        @Parameters(index = "2", paramLabel = "TO", description = "A version or a label.")
        String to;

        @Override
        public Integer call() {
            try {
                AdminClient client = admin.client();
                AdminClient.Response a = client.get(path(name, "versions", from));
                if (!a.ok()) {
                    return KeysCommand.print(spec, admin, a, (x, out) -> { });
                }
                AdminClient.Response b = client.get(path(name, "versions", to));
                if (!b.ok()) {
                    return KeysCommand.print(spec, admin, b, (x, out) -> { });
                }
                JsonNode fa = JSON.readTree(a.body());
                JsonNode fb = JSON.readTree(b.body());
                PrintWriter out = spec.commandLine().getOut();
                TreeSet<String> files = new TreeSet<>();
                fa.path("files").fieldNames().forEachRemaining(files::add);
                fb.path("files").fieldNames().forEachRemaining(files::add);
                ObjectNode json = JSON.createObjectNode();
                json.put("from", fa.path("version").asText());
                json.put("to", fb.path("version").asText());
                ObjectNode diffs = json.putObject("files");
                for (String f : files) {
                    List<String> left = lines(fa.path("files").path(f));
                    List<String> right = lines(fb.path("files").path(f));
                    Patch<String> patch = DiffUtils.diff(left, right);
                    if (patch.getDeltas().isEmpty()) {
                        continue;
                    }
                    List<String> unified = UnifiedDiffUtils.generateUnifiedDiff(
                            fa.path("files").has(f) ? fa.path("version").asText() + "/" + f : "/dev/null",
                            fb.path("files").has(f) ? fb.path("version").asText() + "/" + f : "/dev/null",
                            left, patch, 3);
                    diffs.put(f, String.join("\n", unified));
                    if (!admin.json) {
                        unified.forEach(out::println);
                    }
                }
                if (admin.json) {
                    out.println(JSON.writeValueAsString(json));
                } else if (diffs.isEmpty()) {
                    out.println("no difference between " + json.path("from").asText() + " and "
                            + json.path("to").asText());
                }
                out.flush();
                return 0;
            } catch (IOException e) {
                return KeysCommand.unreachable(spec, e);
            }
        }

        private static List<String> lines(JsonNode text) {
            return text.isTextual() ? Arrays.asList(text.asText().split("\n", -1)) : List.of();
        }
    }

    /** {@code sluice agents render NAME [--version V] [--var K=V]...}. */
    @Command(name = "render", mixinStandardHelpOptions = true,
            description = "Print the system text, model and parameters a request would be sent with; no model is "
                    + "called.")
    static final class Render extends OneAgent {
        @Option(names = "--version", paramLabel = "V", description = "A version or a label (default: production).")
        String version = "production";

        @Option(names = "--var", paramLabel = "NAME=VALUE", description = "A variable of the prompt (repeatable).")
        Map<String, String> variables = Map.of();

        @Override
        public Integer call() {
            ObjectNode req = JSON.createObjectNode();
            req.put("version", version);
            ObjectNode vars = req.putObject("variables");
            variables.forEach(vars::put);
            try {
                return KeysCommand.print(spec, admin, admin.client().post(path(name, "render"),
                        JSON.writeValueAsString(req)), (r, out) -> {
                            out.println("# agent " + r.path("agent").asText() + " version " + r.path("version").asText()
                                    + (r.path("label").isTextual() ? " (" + r.path("label").asText() + ")" : "")
                                    + ", model " + r.path("model").asText() + ", parameters " + r.path("parameters"));
                            out.println(r.path("system").asText());
                        });
            } catch (IOException e) {
                return KeysCommand.unreachable(spec, e);
            }
        }
    }

    /**
     * The verbs that move a label: they need the acting owner's own token (with {@code admin.owners}), or the admin
     * token and the owner named with {@code --as}.
     */
    abstract static class Move implements Callable<Integer> {
        @Mixin
        KeysCommand.AdminOptions admin;

        @Option(names = "--as", paramLabel = "OWNER",
                description = "The owner who acts (one of the agent's owners), with the gateway admin token; an owner's "
                        + "own token (admin.owners) acts as that owner without it.")
        String actor;

        @Spec
        CommandSpec spec;

        int send(String path, ObjectNode req) {
            if (actor != null) {
                req.put("actor", actor);
            }
            try {
                return KeysCommand.print(spec, admin, admin.client().post(path, JSON.writeValueAsString(req)),
                        (r, out) -> {
                            if ("pending".equals(r.path("status").asText())) {
                                out.println("waiting for approval: " + r.path("request").asText() + " ("
                                        + r.path("label").asText() + " -> " + r.path("version").asText() + ")");
                                out.println("  " + r.path("message").asText());
                            } else {
                                out.println(r.path("agent").asText() + ": " + r.path("label").asText() + " "
                                        + text(r, "previous") + " -> " + r.path("version").asText());
                            }
                        });
            } catch (IOException e) {
                return KeysCommand.unreachable(spec, e);
            }
        }
    }

    /** {@code sluice agents promote NAME VERSION [--to LABEL] --as OWNER}. */
    @Command(name = "promote", mixinStandardHelpOptions = true,
            description = "Point a label (production by default) at a version; with review: required, another "
                    + "owner approves it first.")
    static final class Promote extends Move {
        @Parameters(index = "0", paramLabel = "NAME", description = "The agent's name.")
        String name;

        @Parameters(index = "1", paramLabel = "VERSION", description = "A version (or a label, e.g. staging).")
        String version;

        @Option(names = "--to", paramLabel = "LABEL", description = "The label to move (default: production).")
        String to = "production";

        @Option(names = "--run-eval", description = "First run the agent's evaluation gate set on the version through "
                + "the gateway and record it (sluice eval run SET --target agent/NAME@VERSION --record), with the API "
                + "key of --key or $" + EvalCommand.KEY_ENV + ".")
        boolean runEval;

        @Option(names = "--key", paramLabel = "KEY", description = "With --run-eval: the API key the evaluation's "
                + "requests are sent with.")
        String key;

        @Option(names = "--config", paramLabel = "FILE", description = "With --run-eval: the gateway's configuration "
                + "file, beside which evals/ holds the set (default: the installation's).")
        String config;

        @Option(names = "--url", paramLabel = "URL", description = "With --run-eval: the gateway's client API "
                + "(default: from the configuration file's server: section).")
        String url;

        @Override
        public Integer call() {
            if (runEval) {
                Integer failed = runGateEval();
                if (failed != null) {
                    return failed;
                }
            }
            ObjectNode req = JSON.createObjectNode();
            req.put("version", version);
            req.put("to", to);
            return send(path(name, "promote"), req);
        }

        /** Runs and records the agent's gate set on the version; null when it ran, else the exit code. */
        private Integer runGateEval() {
            PrintWriter err = spec.commandLine().getErr();
            JsonNode agent;
            try {
                AdminClient.Response r = admin.client().get(path(name));
                if (!r.ok()) {
                    err.println("agents: " + r.status() + " " + r.body());
                    err.flush();
                    return 1;
                }
                agent = JSON.readTree(r.body());
            } catch (IOException e) {
                return KeysCommand.unreachable(spec, e);
            }
            JsonNode gate = agent.path("eval_gate");
            if (!gate.isObject()) {
                err.println("agents: --run-eval: agent '" + name + "' has no evaluation gate (gate: {eval: SET})");
                err.flush();
                return EvalCommand.USAGE;
            }
            String v = agent.path("labels").path(version).asText(version);
            List<String> args = new ArrayList<>(List.of("run", gate.path("eval").asText(), "--target",
                    "agent/" + name + "@" + v, "--record", "--admin-url", admin.url()));
            if (admin.token() != null) {
                args.addAll(List.of("--admin-token", admin.token()));
            }
            if (key != null) {
                args.addAll(List.of("--key", key));
            }
            if (config != null) {
                args.addAll(List.of("--config", config));
            }
            if (url != null) {
                args.addAll(List.of("--url", url));
            }
            int rc = new CommandLine(new EvalCommand()).setOut(spec.commandLine().getOut()).setErr(err)
                    .execute(args.toArray(new String[0]));
            // 1 is a gate of the run itself; the promotion's gate says what it thinks of the recorded run.
            return rc == EvalCommand.USAGE ? rc : null;
        }
    }

    /** {@code sluice agents approve REQUEST --as OWNER}. */
    @Command(name = "approve", mixinStandardHelpOptions = true,
            description = "Approve a waiting promotion, as an owner other than the one who asked.")
    static final class Approve extends Move {
        @Parameters(index = "0", paramLabel = "REQUEST", description = "The waiting promotion's id (pr-...).")
        String request;

        @Override
        public Integer call() {
            return send(path("_approvals", request), JSON.createObjectNode());
        }
    }

    /** {@code sluice agents rollback NAME [--label LABEL] --as OWNER}. */
    @Command(name = "rollback", mixinStandardHelpOptions = true,
            description = "Move a label (production by default) back to the version it pointed at before; at once.")
    static final class Rollback extends Move {
        @Parameters(index = "0", paramLabel = "NAME", description = "The agent's name.")
        String name;

        @Option(names = "--label", paramLabel = "LABEL", description = "The label (default: production).")
        String label = "production";

        @Override
        public Integer call() {
            ObjectNode req = JSON.createObjectNode();
            req.put("label", label);
            return send(path(name, "rollback"), req);
        }
    }
}
