package dev.sluice.routing.config;

import com.fasterxml.jackson.databind.JsonNode;

import dev.sluice.routing.agents.AgentCatalog;
import dev.sluice.routing.agents.AgentSettings;
import dev.sluice.routing.agents.AgentVersion;
import dev.sluice.routing.internal.LocatedYaml;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reads agents: {@code conf/agents/NAME/agent.yaml} (settings), {@code prompt.md} (the system prompt, a Mustache
 * template) and {@code context/} (files given to the model, each with an owner in {@code agent.yaml}). Every problem
 * is a {@link ConfigException} naming the file and, in {@code agent.yaml}, the line and the field. No {@code ${VAR}}
 * is substituted in an agent's files: a version is the hash of their content and must mean one thing wherever it
 * is served. Confined to the calling thread (reads files: never an event loop).
 */
final class AgentSection extends ConfigSection {
    /** All of an agent's files together at most: they go to the model with every request. */
    static final int MAX_AGENT_BYTES = 1 << 20;
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private final String name;

    private AgentSection(String file, LocatedYaml yaml, String name) {
        super(file, yaml, Map.of());
        this.name = name;
    }

    /**
     * Reads every agent under {@code agentsDir} (none when it does not exist), checking each against the model
     * aliases and teams of the configuration it belongs to.
     *
     * @param teams the declared teams, or null when {@code teams:} is absent (any team name goes)
     */
    static Map<String, AgentVersion> readAll(Path agentsDir, Set<String> aliases, Set<String> teams)
            throws ConfigException {
        Map<String, AgentVersion> out = new TreeMap<>();
        if (!Files.isDirectory(agentsDir)) {
            return out;
        }
        List<Path> dirs = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(agentsDir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (!n.startsWith(".") && Files.isDirectory(p)) {
                    dirs.add(p);
                }
            }
        } catch (IOException e) {
            throw new ConfigException(agentsDir.toString(), 0, null, "cannot read: " + e.getMessage());
        }
        for (Path dir : dirs) {
            String n = dir.getFileName().toString();
            if (!AgentCatalog.NAME.matcher(n).matches()) {
                throw new ConfigException(dir.toString(), 0, null, "'" + n + "' is not an agent name (expected: "
                        + "lower-case letters, digits, - and _, starting with a letter or digit, at most 64)");
            }
            AgentVersion v = readDirectory(dir, n);
            AgentSettings s = v.settings();
            Path settingsFile = dir.resolve(AgentVersion.SETTINGS_FILE);
            AgentSection sec = section(settingsFile.toString(), v.settingsText(), n);
            if (!aliases.contains(s.model())) {
                throw sec.error("model", "'" + s.model() + "' is not a model alias (expected one of: "
                        + String.join(", ", new TreeSet<>(aliases)) + ")");
            }
            if (s.shadow() != null && !aliases.contains(s.shadow().target())) {
                throw sec.error("shadow.target", "'" + s.shadow().target() + "' is not a model alias (expected one "
                        + "of: " + String.join(", ", new TreeSet<>(aliases)) + ")");
            }
            if (teams != null) {
                for (int i = 0; i < s.teams().size(); i++) {
                    if (!teams.contains(s.teams().get(i))) {
                        throw sec.error("teams[" + i + "]", "'" + s.teams().get(i) + "' is not a team in teams:");
                    }
                }
            }
            out.put(n, v);
        }
        return out;
    }

    /** Reads one agent's files from {@code dir}; the model alias and teams are not checked here. */
    static AgentVersion readDirectory(Path dir, String name) throws ConfigException {
        Path settingsFile = dir.resolve(AgentVersion.SETTINGS_FILE);
        Path promptFile = dir.resolve(AgentVersion.PROMPT_FILE);
        int[] budget = {MAX_AGENT_BYTES};
        String settings = read(settingsFile, budget);
        String prompt = read(promptFile, budget);
        Map<String, String> contexts = new TreeMap<>();
        Path contextDir = dir.resolve(AgentVersion.CONTEXT_DIR);
        if (Files.isDirectory(contextDir)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(contextDir)) {
                for (Path p : ds) {
                    String n = p.getFileName().toString();
                    if (n.startsWith(".")) {
                        continue;   // an editor's swap or backup file is not context
                    }
                    if (!FILE_NAME.matcher(n).matches() || !Files.isRegularFile(p)) {
                        throw new ConfigException(p.toString(), 0, null, "not a context file (expected: a regular "
                                + "file named with letters, digits, '.', '-' and '_')");
                    }
                    contexts.put(n, read(p, budget));
                }
            } catch (IOException e) {
                throw new ConfigException(contextDir.toString(), 0, null, "cannot read: " + e.getMessage());
            }
        }
        return version(settingsFile.toString(), name, settings, prompt, contexts);
    }

    /**
     * Makes a version of agent {@code name} from its files' texts; {@code file} names {@code agent.yaml} in errors.
     * The context files must be exactly those {@code agent.yaml} gives an owner.
     */
    static AgentVersion version(String file, String name, String settingsText, String prompt,
                                Map<String, String> contexts) throws ConfigException {
        AgentSection sec = section(file, settingsText, name);
        AgentSettings s = sec.settings(contexts.keySet());
        try {
            return new AgentVersion(s, settingsText, prompt, new TreeMap<>(contexts));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(Path.of(file).resolveSibling(AgentVersion.PROMPT_FILE).toString(), 0, null,
                    "not a valid template: " + e.getMessage());
        }
    }

    private static AgentSection section(String file, String text, String name) throws ConfigException {
        return new AgentSection(file, mapping(file, text, "a mapping at the top level"), name);
    }

    private AgentSettings settings(Set<String> contextFiles) throws ConfigException {
        JsonNode root = yaml.root();
        checkKeys(root, "", "description", "owners", "model", "parameters", "teams", "review", "gate", "context",
                "capture", "limits", "budget", "shadow");
        List<String> owners = names(root.path("owners"), "owners");
        if (owners.isEmpty()) {
            throw error("owners", "missing (expected: a list of at least one owner, who may promote the agent)");
        }
        String model = str(root, "model", null);
        if (model == null || model.isEmpty()) {
            throw error("model", "missing (expected: the model alias that serves the agent)");
        }
        JsonNode p = root.path("parameters");
        checkKeys(p, "parameters", "temperature", "top_p", "max_tokens");
        Double temperature = decimal(p, "parameters.temperature", 0, 2);
        Double topP = decimal(p, "parameters.top_p", 0, 1);
        int maxTokens = (int) num(p, "parameters.max_tokens", 0, 1, 10_000_000);
        String review = str(root, "review", "none");
        if (!review.equals("none") && !review.equals("required")) {
            throw error("review", "'" + review + "' (expected: none or required)");
        }
        String gate = null;
        AgentSettings.EvalGate evalGate = null;
        JsonNode g = root.path("gate");
        if (g.isObject()) {
            checkKeys(g, "gate", "eval", "min_pass_rate", "no_regression");
            String set = str(g, "gate.eval", null);
            if (set == null || set.isEmpty()) {
                throw error("gate.eval", "missing (expected: the evaluation set a version must pass, "
                        + "conf/evals/SET.yaml)");
            }
            Double min = decimal(g, "gate.min_pass_rate", 0, 1);
            evalGate = new AgentSettings.EvalGate(set, min == null ? 0 : min, bool(g, "gate.no_regression", false));
        } else {
            gate = str(root, "gate", null);
        }
        JsonNode ctx = root.path("context");
        checkKeys(ctx, "context", contextFiles.toArray(new String[0]));
        Map<String, String> contextOwners = new LinkedHashMap<>();
        for (String f : contextFiles) {
            JsonNode c = ctx.path(f);
            if (c.isMissingNode()) {
                throw error("context", "no owner for context/" + f + " (expected: context: {" + f
                        + ": {owner: NAME}})");
            }
            checkKeys(c, "context." + f, "owner");
            String owner = str(c, "context." + f + ".owner", null);
            if (owner == null || owner.isEmpty()) {
                throw error("context." + f + ".owner", "missing (expected: who owns this file)");
            }
            contextOwners.put(f, owner);
        }
        return new AgentSettings(name, str(root, "description", null), owners, model, temperature, maxTokens, topP,
                names(root.path("teams"), "teams"), review.equals("required"), gate, evalGate, contextOwners,
                captureLevel(root, "capture", null),
                limits(root.path("limits"), "limits"), budget(root.path("budget"), "budget"),
                root.path("shadow").isMissingNode() || root.path("shadow").isNull() ? null
                        : shadow(root.path("shadow"), "shadow", AgentCatalog.MODEL_PREFIX + name));
    }

    private List<String> names(JsonNode n, String path) throws ConfigException {
        List<String> out = new ArrayList<>();
        if (n.isMissingNode() || n.isNull()) {
            return out;
        }
        if (!n.isArray()) {
            throw error(path, "expected a list of names");
        }
        for (Iterator<JsonNode> it = n.elements(); it.hasNext(); ) {
            JsonNode e = it.next();
            if (!e.isTextual() || e.asText().isEmpty()) {
                throw error(path, e + " (expected: a name)");
            }
            out.add(e.asText());
        }
        return out;
    }

    private Double decimal(JsonNode parent, String path, double min, double max) throws ConfigException {
        JsonNode v = parent.path(leaf(path));
        if (v.isMissingNode() || v.isNull()) {
            return null;
        }
        if (!v.isNumber() || v.asDouble() < min || v.asDouble() > max) {
            throw error(path, v + " (expected: a number from " + min + " to " + max + ")");
        }
        return v.asDouble();
    }

    private static String read(Path file, int[] budget) throws ConfigException {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(file.toString(), 0, null, "missing (an agent is a directory with "
                    + AgentVersion.SETTINGS_FILE + ", " + AgentVersion.PROMPT_FILE + " and, optionally, "
                    + AgentVersion.CONTEXT_DIR + "/)");
        }
        try {
            long size = Files.size(file);
            if (size > budget[0]) {
                throw new ConfigException(file.toString(), 0, null, "an agent's files may hold " + MAX_AGENT_BYTES
                        + " bytes together at most");
            }
            byte[] bytes = Files.readAllBytes(file);
            budget[0] -= bytes.length;
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException(file.toString(), 0, null, "not UTF-8 text");
        } catch (IOException e) {
            throw new ConfigException(file.toString(), 0, null, "cannot read: " + e.getMessage());
        }
    }
}
