package dev.sluice.proxy.cli;

import dev.sluice.routing.config.KeyDigester;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;

/**
 * {@code sluice keys}: make client keys and the hashes {@code conf/sluice.yaml} stores instead of them
 * ({@code hash}, {@code generate}), and manage a running gateway's run-time keys through its admin API
 * ({@code create}, {@code list}, {@code revoke}, {@code rotate}, {@code disable}, {@code enable}). Confined to the
 * command's thread.
 */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "Client keys (stored as hashes only).",
        subcommands = {KeysCommand.Hash.class, KeysCommand.Generate.class, KeysCommand.Create.class,
                KeysCommand.ListKeys.class, KeysCommand.Revoke.class, KeysCommand.Rotate.class,
                KeysCommand.Disable.class, KeysCommand.Enable.class})
public final class KeysCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code sluice keys hash SECRET}. */
    @Command(name = "hash", mixinStandardHelpOptions = true,
            description = "Print the hash line for a key secret, to paste under keys: in conf/sluice.yaml.")
    static final class Hash implements Callable<Integer> {
        @Parameters(paramLabel = "SECRET", description = "The key the client will send.")
        String secret;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().getOut().println("hash: sha256:" + KeyDigester.sha256Hex(secret));
            return 0;
        }
    }

    /** {@code sluice keys generate}. */
    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = "Make a new random key; prints the secret once and its hash line.")
    static final class Generate implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            byte[] b = new byte[24];
            new SecureRandom().nextBytes(b);
            StringBuilder s = new StringBuilder("sk-sluice-");
            for (byte x : b) {
                s.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println("secret: " + s + "   (shown once; give it to the client)");
            out.println("hash: sha256:" + KeyDigester.sha256Hex(s.toString()));
            return 0;
        }
    }

    /** How to reach the admin API; shared by the verbs that call a running gateway. */
    static final class AdminOptions {
        @Option(names = "--admin-url", paramLabel = "URL",
                description = "Admin API base URL (default: $SLUICE_ADMIN_URL, else " + AdminClient.DEFAULT_URL + ").")
        String url;

        @Option(names = "--admin-token", paramLabel = "TOKEN",
                description = "Admin token, gateway-wide or a team's (default: $SLUICE_ADMIN_TOKEN).")
        String token;

        @Option(names = "--json", description = "Print the admin API's JSON answer, for scripts.")
        boolean json;

        AdminClient client() {
            return new AdminClient(url(), token());
        }

        /** The admin API's base URL: the option, else the environment's, else the default. */
        String url() {
            String u = url != null ? url : System.getenv(AdminClient.URL_ENV);
            return u == null || u.isEmpty() ? AdminClient.DEFAULT_URL : u;
        }

        /** The admin or owner token: the option, else the environment's, or null. */
        String token() {
            return token != null ? token : System.getenv(AdminClient.TOKEN_ENV);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Prints an answer: its JSON with {@code --json}, else {@code human} for a success and the error's message
     * for a refusal. Returns the exit code (0 on success, 1 when refused).
     */
    static int print(CommandSpec spec, AdminOptions admin, AdminClient.Response r,
                     BiConsumer<JsonNode, PrintWriter> human) {
        PrintWriter out = spec.commandLine().getOut();
        if (admin.json) {
            out.println(r.body());
            out.flush();
            return r.ok() ? 0 : 1;
        }
        JsonNode body;
        try {
            body = JSON.readTree(r.body());
        } catch (IOException e) {
            body = null;
        }
        if (!r.ok() || body == null) {
            JsonNode e = body == null ? null : body.path("error");
            PrintWriter err = spec.commandLine().getErr();
            err.println("error: HTTP " + r.status() + (e == null || e.isMissingNode() ? ""
                    : " " + e.path("code").asText() + ": " + e.path("message").asText()));
            err.flush();
            return 1;
        }
        human.accept(body, out);
        out.flush();
        return 0;
    }

    static int unreachable(CommandSpec spec, IOException e) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("error: cannot reach the admin API (" + e.getMessage()
                + "); set --admin-url or $" + AdminClient.URL_ENV);
        err.flush();
        return 2;
    }

    private static void secret(JsonNode body, PrintWriter out) {
        out.println("secret: " + body.path("secret").asText());
        out.println("  Shown this once: give it to the client now. The gateway keeps only its SHA-256 hash"
                + " and cannot show it again (`sluice keys rotate` makes a new one).");
    }

    /** {@code sluice keys create}. */
    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a key on a running gateway; prints its secret once.")
    static final class Create implements Callable<Integer> {
        @Mixin
        AdminOptions admin;

        @Option(names = "--id", description = "Key id (default: generated).")
        String id;

        @Option(names = "--team", description = "Team the key is charged to (default for a team token: its team).")
        String team;

        @Option(names = "--user", description = "User the key belongs to.")
        String user;

        @Option(names = "--models", split = ",", description = "Allowed model aliases (default: all the team allows).")
        List<String> models;

        @Option(names = "--endpoints", split = ",", description = "Allowed endpoints, e.g. chat_completions,messages.")
        List<String> endpoints;

        @Option(names = "--expires", paramLabel = "INSTANT", description = "Expiry, e.g. 2027-01-01T00:00:00Z.")
        String expires;

        @Option(names = "--project", description = "Project tag of requests that send none.")
        String project;

        @Option(names = "--use-case", description = "Use-case tag of requests that send none.")
        String useCase;

        @Option(names = "--require-tags", split = ",", description = "Tags every request must carry: project,use_case.")
        List<String> requireTags;

        @Option(names = "--rpm", description = "Requests per minute.")
        Long rpm;

        @Option(names = "--tpm", description = "Tokens per minute.")
        Long tpm;

        @Option(names = "--concurrent", description = "Requests in flight at once.")
        Long concurrent;

        @Option(names = "--budget-period", description = "day, week or month (default: month).")
        String budgetPeriod;

        @Option(names = "--budget-hard", description = "Spend that refuses requests, in currency.")
        BigDecimal budgetHard;

        @Option(names = "--budget-soft", description = "Spend that raises an alert, in currency.")
        BigDecimal budgetSoft;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            ObjectNode body = JSON.createObjectNode();
            putIf(body, "id", id);
            putIf(body, "team", team);
            putIf(body, "user", user);
            listIf(body, "models", models);
            listIf(body, "endpoints", endpoints);
            putIf(body, "expires", expires);
            putIf(body, "project", project);
            putIf(body, "use_case", useCase);
            listIf(body, "require_tags", requireTags);
            if (rpm != null || tpm != null || concurrent != null) {
                ObjectNode l = body.putObject("limits");
                if (rpm != null) {
                    l.put("requests_per_minute", rpm);
                }
                if (tpm != null) {
                    l.put("tokens_per_minute", tpm);
                }
                if (concurrent != null) {
                    l.put("concurrent", concurrent);
                }
            }
            if (budgetHard != null || budgetSoft != null) {
                ObjectNode b = body.putObject("budget").put("period", budgetPeriod == null ? "month" : budgetPeriod);
                if (budgetHard != null) {
                    b.put("hard", budgetHard);
                }
                if (budgetSoft != null) {
                    b.put("soft", budgetSoft);
                }
            }
            try {
                AdminClient.Response r = admin.client().post("/admin/keys", body.toString());
                return print(spec, admin, r, (k, out) -> {
                    out.println("created key " + k.path("id").asText() + " (team " + k.path("team").asText()
                            + ", models " + k.path("models") + ")");
                    secret(k, out);
                });
            } catch (IOException e) {
                return unreachable(spec, e);
            }
        }

        private static void putIf(ObjectNode n, String field, String value) {
            if (value != null) {
                n.put(field, value);
            }
        }

        private static void listIf(ObjectNode n, String field, List<String> values) {
            if (values != null) {
                ArrayNode a = n.putArray(field);
                values.forEach(a::add);
            }
        }
    }

    /** {@code sluice keys list}. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the keys the admin token may see (never their secrets or whole hashes).")
    static final class ListKeys implements Callable<Integer> {
        @Mixin
        AdminOptions admin;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            try {
                return print(spec, admin, admin.client().get("/admin/keys"), (body, out) -> {
                    String row = "%-20s %-14s %-12s %-13s %-8s %-24s %-8s %s%n";
                    out.printf(row, "ID", "TEAM", "USER", "STATE", "SOURCE", "EXPIRES", "HASH", "MODELS");
                    for (JsonNode k : body.path("keys")) {
                        out.printf(row, k.path("id").asText(), text(k, "team"), text(k, "user"),
                                k.path("state").asText(), k.path("source").asText(), text(k, "expires"),
                                text(k, "hash_prefix"), k.path("models").isTextual() ? k.path("models").asText()
                                        : k.path("models").toString());
                    }
                });
            } catch (IOException e) {
                return unreachable(spec, e);
            }
        }

        private static String text(JsonNode k, String field) {
            JsonNode v = k.path(field);
            return v.isTextual() ? v.asText() : "-";
        }
    }

    /** The verbs that act on one key by id. */
    abstract static class KeyAction implements Callable<Integer> {
        @Mixin
        AdminOptions admin;

        @Parameters(paramLabel = "ID", description = "The key's id.")
        String id;

        @Spec
        CommandSpec spec;

        abstract String verb();

        abstract void human(JsonNode body, PrintWriter out);

        @Override
        public Integer call() {
            try {
                String path = "/admin/keys/" + URLEncoder.encode(id, StandardCharsets.UTF_8)
                        .replace("+", "%20") + "/" + verb();
                return print(spec, admin, admin.client().post(path, "{}"), this::human);
            } catch (IOException e) {
                return unreachable(spec, e);
            }
        }
    }

    /** {@code sluice keys revoke ID}. */
    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Revoke a key for good (keys from the configuration file too); refused from the next request.")
    static final class Revoke extends KeyAction {
        @Override
        String verb() {
            return "revoke";
        }

        @Override
        void human(JsonNode body, PrintWriter out) {
            out.println("revoked key " + body.path("id").asText());
        }
    }

    /** {@code sluice keys rotate ID}. */
    @Command(name = "rotate", mixinStandardHelpOptions = true,
            description = "Give a key a new secret (printed once); the old secret is refused at once.")
    static final class Rotate extends KeyAction {
        @Override
        String verb() {
            return "rotate";
        }

        @Override
        void human(JsonNode body, PrintWriter out) {
            out.println("rotated key " + body.path("id").asText() + "; the old secret no longer works");
            secret(body, out);
        }
    }

    /** {@code sluice keys disable ID}. */
    @Command(name = "disable", mixinStandardHelpOptions = true,
            description = "Refuse a key until it is enabled again.")
    static final class Disable extends KeyAction {
        @Override
        String verb() {
            return "disable";
        }

        @Override
        void human(JsonNode body, PrintWriter out) {
            out.println("disabled key " + body.path("id").asText());
        }
    }

    /** {@code sluice keys enable ID}. */
    @Command(name = "enable", mixinStandardHelpOptions = true, description = "Accept a disabled key again.")
    static final class Enable extends KeyAction {
        @Override
        String verb() {
            return "enable";
        }

        @Override
        void human(JsonNode body, PrintWriter out) {
            out.println("enabled key " + body.path("id").asText());
        }
    }
}
