package dev.sluice.routing.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.sluice.routing.evals.EvalCase;
import dev.sluice.routing.evals.EvalSet;
import dev.sluice.routing.evals.GraderSpec;
import dev.sluice.routing.internal.LocatedYaml;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads evaluation sets, {@code conf/evals/NAME.yaml}: every mistake is a {@link ConfigException} naming the file,
 * the line and the field. No {@code ${VAR}} is substituted: a set's version is the hash of its file and must mean
 * one thing wherever it runs. Confined to the calling thread (reads files).
 */
public final class EvalSection extends ConfigSection {
    /** The most requests one run of a set may send (cases times samples). */
    public static final int MAX_REQUESTS = 100_000;
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");
    private static final int MAX_FILE_BYTES = 8 << 20;

    private final String name;
    private final String version;

    private EvalSection(String file, LocatedYaml yaml, String name, String version) {
        super(file, yaml, Map.of());
        this.name = name;
        this.version = version;
    }

    /** The names of the sets under {@code evalsDir}, sorted; none when it does not exist. */
    public static List<String> names(Path evalsDir) throws ConfigException {
        Set<String> out = new TreeSet<>();
        if (!Files.isDirectory(evalsDir)) {
            return List.of();
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(evalsDir, "*.yaml")) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                out.add(n.substring(0, n.length() - ".yaml".length()));
            }
        } catch (IOException e) {
            throw new ConfigException(evalsDir.toString(), 0, null, "cannot read: " + e.getMessage());
        }
        return List.copyOf(out);
    }

    /**
     * Reads set {@code name} from {@code evalsDir}.
     *
     * @throws ConfigException when there is no such set or it is not valid (the message says where and why)
     */
    public static EvalSet read(Path evalsDir, String name) throws ConfigException {
        if (!NAME.matcher(name).matches()) {
            throw new ConfigException(evalsDir.toString(), 0, null, "'" + name + "' is not an evaluation set name "
                    + "(expected: lower-case letters, digits, - and _)");
        }
        Path file = evalsDir.resolve(name + ".yaml");
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(file.toString(), 0, null, "no evaluation set '" + name + "' (sets: "
                    + String.join(", ", names(evalsDir)) + ")");
        }
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new ConfigException(file.toString(), 0, null, "larger than " + MAX_FILE_BYTES + " bytes");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ConfigException(file.toString(), 0, null, "cannot read: " + e.getMessage());
        }
        return parse(file.toString(), name, bytes);
    }

    /** Parses the bytes of set {@code name}'s file; {@code file} names it in errors. */
    public static EvalSet parse(String file, String name, byte[] bytes) throws ConfigException {
        String text = new String(bytes, StandardCharsets.UTF_8);
        EvalSection s = new EvalSection(file, mapping(file, text, "a mapping with cases:"), name, hash(bytes));
        return s.set();
    }

    private EvalSet set() throws ConfigException {
        JsonNode root = yaml.root();
        checkKeys(root, "", "description", "target", "samples", "concurrency", "graders", "cases");
        int samples = (int) num(root, "samples", 1, 1, 10_000);
        int concurrency = (int) num(root, "concurrency", 4, 1, 256);
        List<GraderSpec> defaults = graders(root.path("graders"), "graders", true);
        JsonNode cases = root.path("cases");
        if (!cases.isArray() || cases.isEmpty()) {
            throw error("cases", "missing (expected: a list of at least one case)");
        }
        List<EvalCase> out = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < cases.size(); i++) {
            String path = "cases[" + i + "]";
            JsonNode c = cases.get(i);
            checkKeys(c, path, "id", "messages", "input", "tools", "variables", "expected", "graders");
            String id = str(c, path + ".id", "case-" + (i + 1));
            if (!ids.add(id)) {
                throw error(path + ".id", "'" + id + "' is the id of an earlier case");
            }
            JsonNode messages = messages(c, path);
            Map<String, String> variables = new LinkedHashMap<>();
            JsonNode vars = c.path("variables");
            if (!vars.isMissingNode() && !vars.isNull()) {
                if (!vars.isObject()) {
                    throw error(path + ".variables", "expected a mapping of variable name to value");
                }
                for (Iterator<Map.Entry<String, JsonNode>> it = vars.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (!e.getValue().isValueNode()) {
                        throw error(path + ".variables." + e.getKey(), "expected a text");
                    }
                    variables.put(e.getKey(), e.getValue().asText());
                }
            }
            JsonNode exp = c.path("expected");
            String expected = exp.isMissingNode() || exp.isNull() ? null
                    : exp.isValueNode() ? exp.asText() : exp.toString();
            List<GraderSpec> graders = c.has("graders") ? graders(c.path("graders"), path + ".graders", false)
                    : defaults;
            if (graders.isEmpty()) {
                throw error(path, "no graders (expected: graders: on the case or on the set)");
            }
            for (int g = 0; g < graders.size(); g++) {
                GraderSpec spec = graders.get(g);
                boolean usesExpected = spec.argument().isBoolean() && (spec.kind() == GraderSpec.Kind.EXACT
                        || spec.kind() == GraderSpec.Kind.CONTAINS)
                        || spec.kind() == GraderSpec.Kind.NUMERIC && !spec.argument().has("value");
                if (usesExpected && expected == null) {
                    throw error(c.has("graders") ? path + ".graders[" + g + "]" : path, spec.kind().configName()
                            + " compares with the case's expected, which it has not (expected: ...)");
                }
            }
            JsonNode tools = c.path("tools");
            if (!tools.isMissingNode() && !tools.isNull() && !tools.isArray()) {
                throw error(path + ".tools", "expected a list of tools, as OpenAI chat's tools");
            }
            out.add(new EvalCase(id, messages, tools.isArray() ? tools : null, variables, expected, graders));
        }
        if ((long) out.size() * samples > MAX_REQUESTS) {
            throw error("samples", out.size() + " cases x " + samples + " samples is more than " + MAX_REQUESTS
                    + " requests");
        }
        return new EvalSet(name, version, str(root, "description", null), str(root, "target", null), samples,
                concurrency, out);
    }

    /** {@code messages:} (OpenAI chat messages) or {@code input:} (one user message's text). */
    private JsonNode messages(JsonNode c, String path) throws ConfigException {
        if (c.has("messages") && c.has("input")) {
            throw error(path + ".input", "give messages: or input:, not both");
        }
        if (c.has("input")) {
            String input = str(c, path + ".input", null);
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            ObjectNode m = out.addObject();
            m.put("role", "user");
            m.put("content", input == null ? "" : input);
            return out;
        }
        JsonNode messages = c.path("messages");
        if (!messages.isArray() || messages.isEmpty()) {
            throw error(path + ".messages", "missing (expected: messages: [{role: user, content: ...}] or input:)");
        }
        for (int m = 0; m < messages.size(); m++) {
            JsonNode msg = messages.get(m);
            String mp = path + ".messages[" + m + "]";
            checkKeys(msg, mp, "role", "content", "name", "tool_calls", "tool_call_id");
            String role = str(msg, mp + ".role", null);
            if (role == null || !Set.of("system", "user", "assistant", "tool", "developer").contains(role)) {
                throw error(mp + ".role", "'" + role + "' (expected: system, user, assistant, tool or developer)");
            }
        }
        return messages;
    }

    private List<GraderSpec> graders(JsonNode n, String path, boolean optional) throws ConfigException {
        List<GraderSpec> out = new ArrayList<>();
        if (n.isMissingNode() || n.isNull()) {
            if (!optional) {
                throw error(path, "expected a list of graders");
            }
            return out;
        }
        if (!n.isArray()) {
            throw error(path, "expected a list of graders, each one mapping such as {contains: text}");
        }
        for (int i = 0; i < n.size(); i++) {
            String gp = path + "[" + i + "]";
            JsonNode g = n.get(i);
            if (!g.isObject() || g.size() != 1) {
                throw error(gp, "expected one grader, such as {contains: text}");
            }
            String kindName = g.fieldNames().next();
            GraderSpec.Kind kind = GraderSpec.Kind.parse(kindName);
            if (kind == null) {
                StringBuilder kinds = new StringBuilder();
                for (GraderSpec.Kind k : GraderSpec.Kind.values()) {
                    kinds.append(kinds.length() == 0 ? "" : ", ").append(k.configName());
                }
                throw error(gp + "." + kindName, "unknown grader (expected one of: " + kinds + ")");
            }
            out.add(new GraderSpec(kind, argument(kind, g.get(kindName), gp + "." + kindName)));
        }
        return out;
    }

    /** Checks that {@code v} is what grader {@code kind} takes. */
    private JsonNode argument(GraderSpec.Kind kind, JsonNode v, String path) throws ConfigException {
        switch (kind) {
            case EXACT, CONTAINS -> {
                if (!(v.isBoolean() && v.booleanValue()) && !(v.isValueNode() && !v.isBoolean() && !v.isNull())) {
                    throw error(path, "expected a text, or true for the case's expected");
                }
            }
            case REGEX -> {
                if (!v.isTextual()) {
                    throw error(path, "expected a regular expression");
                }
                try {
                    Pattern.compile(v.asText());
                } catch (PatternSyntaxException e) {
                    throw error(path, "not a regular expression: " + e.getDescription());
                }
            }
            case JSON -> {
                if (!v.isBoolean() || !v.booleanValue()) {
                    throw error(path, "expected true");
                }
            }
            case JSON_SCHEMA -> {
                if (!v.isObject()) {
                    throw error(path, "expected a JSON Schema (a mapping)");
                }
            }
            case TOOL_CALL -> {
                checkKeys(v, path, "name", "arguments");
                if (!v.isObject() || !v.path("name").isTextual()) {
                    throw error(path, "expected {name: TOOL, arguments: {...}}");
                }
                if (v.has("arguments") && !v.get("arguments").isObject()) {
                    throw error(path + ".arguments", "expected a mapping of the arguments that must be there");
                }
            }
            case NUMERIC -> {
                checkKeys(v, path, "value", "tolerance");
                if (!v.isObject() || v.has("value") && !v.get("value").isNumber()
                        || v.has("tolerance") && (!v.get("tolerance").isNumber() || v.get("tolerance").asDouble() < 0)) {
                    throw error(path, "expected {value: NUMBER (else the case's expected), tolerance: NUMBER >= 0}");
                }
            }
            case LLM_JUDGE -> {
                checkKeys(v, path, "model", "rubric");
                if (!v.isObject() || !v.path("model").isTextual() || !v.path("rubric").isTextual()) {
                    throw error(path, "expected {model: ALIAS or agent/NAME, rubric: TEXT}");
                }
            }
            default -> throw new IllegalStateException(kind.toString());
        }
        return v;
    }

    private static String hash(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
