package dev.sluice.routing.config;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.sluice.routing.agents.AgentCatalog;
import dev.sluice.routing.agents.AgentVersion;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The agents' version store and labels under the data directory, so that history and rollback depend on no one's
 * copy of the files: {@code agents/NAME/versions/VERSION/} holds each version's {@code agent.yaml},
 * {@code prompt.md} and {@code context/} as they were, written once (a new directory moved into place whole) and
 * never changed; {@code agents/NAME/labels.json} holds where each label points, every move of a label, and the
 * promotions that wait for a second owner's approval. A stored
 * version whose files no longer hash to its name is not served (and said so in the log).
 * <p>
 * Confined to one thread at a time (the gateway's configuration agent): it reads and writes files.
 */
public final class AgentStore {
    /** The store's directory under the data directory. */
    public static final String DIR = "agents";
    static final String VERSIONS = "versions";
    static final String LABELS_FILE = "labels.json";

    private static final Logger LOG = LoggerFactory.getLogger(AgentStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One move of a label.
     *
     * @param wallMs   when
     * @param label    which label
     * @param version  where it points from then on
     * @param previous where it pointed before, or null
     * @param action   {@code initial} (the first version an agent was served with), {@code promote} or
     *                 {@code rollback}
     * @param actor    who moved it
     */
    public record Move(long wallMs, String label, String version, String previous, String action, String actor) {
    }

    /**
     * A promotion waiting for a second owner's approval.
     *
     * @param id          what the approval names
     * @param label       the label to move
     * @param version     where to
     * @param requestedBy the owner who asked
     * @param wallMs      when
     */
    public record Pending(String id, String label, String version, String requestedBy, long wallMs) {
    }

    private final Path root;
    /** Versions read back, by "name@version": they never change. */
    private final Map<String, AgentVersion> read = new ConcurrentHashMap<>();

    public AgentStore(Path dataDir) {
        this.root = requireNonNull(dataDir, "dataDir").resolve(DIR);
    }

    /**
     * Stores each agent's files version (when not yet stored), reads back every version and the labels, and starts
     * the {@code production} label of an agent that has none at its files' version.
     *
     * @param files the version of each agent's files, by name
     * @return the catalog the gateway serves from now on
     */
    public AgentCatalog sync(Map<String, AgentVersion> files, long wallMs) throws IOException {
        Map<String, AgentCatalog.Agent> agents = new HashMap<>();
        for (AgentVersion f : files.values()) {
            store(f);
            Labels labels = labels(f.name());
            if (!labels.points.containsKey(AgentCatalog.PRODUCTION)) {
                labels.move(new Move(wallMs, AgentCatalog.PRODUCTION, f.version(), null, "initial", "gateway"));
                writeLabels(f.name(), labels);
            }
            agents.put(f.name(), new AgentCatalog.Agent(f, versions(f), labels.points));
        }
        return new AgentCatalog(agents);
    }

    /**
     * Points {@code label} of agent {@code name} at {@code version} (a stored version), recording the move.
     *
     * @return the catalog with the label moved
     * @throws IllegalArgumentException when the agent or the version is unknown (the message says which)
     */
    public AgentCatalog move(AgentCatalog current, String name, String label, String version, String action,
                             String actor, long wallMs) throws IOException {
        AgentCatalog.Agent a = current.agent(name);
        if (a == null) {
            throw new IllegalArgumentException("no agent '" + name + "'");
        }
        if (!a.versions().containsKey(version)) {
            throw new IllegalArgumentException("agent '" + name + "' has no version '" + version + "'");
        }
        Labels labels = labels(name);
        labels.move(new Move(wallMs, label, version, labels.points.get(label), action, actor));
        writeLabels(name, labels);
        Map<String, AgentCatalog.Agent> agents = new HashMap<>();
        for (AgentCatalog.Agent x : current.agents()) {
            agents.put(x.name(), x.name().equals(name) ? new AgentCatalog.Agent(x.files(), x.versions(),
                    labels.points) : x);
        }
        return new AgentCatalog(agents);
    }

    /** Records a promotion that waits for approval; returns it with its id. */
    public Pending request(String name, String label, String version, String actor, long wallMs) throws IOException {
        Labels labels = labels(name);
        byte[] random = new byte[6];
        new SecureRandom().nextBytes(random);
        Pending p = new Pending("pr-" + HexFormat.of().formatHex(random), label, version, actor, wallMs);
        labels.pending.add(p);
        writeLabels(name, labels);
        return p;
    }

    /** The promotions of agent {@code name} that wait for approval, oldest first. */
    public List<Pending> pending(String name) throws IOException {
        return List.copyOf(labels(name).pending);
    }

    /** Removes and returns the waiting promotion {@code id} of agent {@code name}, or null. */
    public Pending takePending(String name, String id) throws IOException {
        Labels labels = labels(name);
        for (Pending p : labels.pending) {
            if (p.id().equals(id)) {
                labels.pending.remove(p);
                writeLabels(name, labels);
                return p;
            }
        }
        return null;
    }

    /** Every move of every label of agent {@code name}, oldest first. */
    public List<Move> history(String name) throws IOException {
        return List.copyOf(labels(name).history);
    }

    private Path agentDir(String name) {
        return root.resolve(name);
    }

    private void store(AgentVersion v) throws IOException {
        Path versions = agentDir(v.name()).resolve(VERSIONS);
        Path target = versions.resolve(v.version());
        if (Files.isDirectory(target)) {
            return;
        }
        Files.createDirectories(versions);
        Path tmp = Files.createTempDirectory(versions, "." + v.version() + ".");
        try {
            Files.writeString(tmp.resolve(AgentVersion.SETTINGS_FILE), v.settingsText(), StandardCharsets.UTF_8);
            Files.writeString(tmp.resolve(AgentVersion.PROMPT_FILE), v.prompt(), StandardCharsets.UTF_8);
            if (!v.contexts().isEmpty()) {
                Path ctx = Files.createDirectory(tmp.resolve(AgentVersion.CONTEXT_DIR));
                for (Map.Entry<String, String> c : v.contexts().entrySet()) {
                    Files.writeString(ctx.resolve(c.getKey()), c.getValue(), StandardCharsets.UTF_8);
                }
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
            // Stored meanwhile by another gateway on the same data directory: the same content by its name.
        } finally {
            deleteTree(tmp);
        }
        read.put(v.name() + "@" + v.version(), v);
    }

    /** Every stored version of {@code files}' agent, {@code files} among them. */
    private Map<String, AgentVersion> versions(AgentVersion files) throws IOException {
        Map<String, AgentVersion> out = new LinkedHashMap<>();
        Path versions = agentDir(files.name()).resolve(VERSIONS);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(versions)) {
            for (Path p : ds) {
                String v = p.getFileName().toString();
                if (!AgentVersion.VERSION.matcher(v).matches()) {
                    continue;
                }
                AgentVersion stored = read.get(files.name() + "@" + v);
                if (stored == null) {
                    try {
                        stored = AgentSection.readDirectory(p, files.name());
                    } catch (ConfigException e) {
                        LOG.warn("agent '{}': stored version {} cannot be read, not served: {}", files.name(), v,
                                e.getMessage());
                        continue;
                    }
                    if (!stored.version().equals(v)) {
                        LOG.warn("agent '{}': the files of stored version {} hash to {}: altered, not served",
                                files.name(), v, stored.version());
                        continue;
                    }
                    read.put(files.name() + "@" + v, stored);
                }
                out.put(v, stored);
            }
        }
        out.put(files.version(), files);
        return out;
    }

    /** Where the labels point and how they moved. */
    private static final class Labels {
        final Map<String, String> points = new HashMap<>();
        final List<Move> history = new ArrayList<>();
        final List<Pending> pending = new ArrayList<>();

        void move(Move m) {
            points.put(m.label(), m.version());
            history.add(m);
        }
    }

    private Labels labels(String name) throws IOException {
        Labels l = new Labels();
        Path file = agentDir(name).resolve(LABELS_FILE);
        if (!Files.exists(file)) {
            return l;
        }
        JsonNode doc = JSON.readTree(file.toFile());
        for (JsonNode m : doc.path("history")) {
            l.move(new Move(Instant.parse(m.path("time").asText()).toEpochMilli(), m.path("label").asText(),
                    m.path("version").asText(), m.path("previous").isTextual() ? m.path("previous").asText() : null,
                    m.path("action").asText(), m.path("actor").asText()));
        }
        for (JsonNode p : doc.path("pending")) {
            l.pending.add(new Pending(p.path("id").asText(), p.path("label").asText(), p.path("version").asText(),
                    p.path("requested_by").asText(), Instant.parse(p.path("time").asText()).toEpochMilli()));
        }
        return l;
    }

    private void writeLabels(String name, Labels labels) throws IOException {
        ObjectNode doc = JSON.createObjectNode();
        ObjectNode points = doc.putObject("labels");
        labels.points.forEach(points::put);
        ArrayNode history = doc.putArray("history");
        for (Move m : labels.history) {
            ObjectNode n = history.addObject();
            n.put("time", Instant.ofEpochMilli(m.wallMs()).toString());
            n.put("label", m.label());
            n.put("version", m.version());
            n.put("previous", m.previous());
            n.put("action", m.action());
            n.put("actor", m.actor());
        }
        ArrayNode pending = doc.putArray("pending");
        for (Pending p : labels.pending) {
            ObjectNode n = pending.addObject();
            n.put("id", p.id());
            n.put("time", Instant.ofEpochMilli(p.wallMs()).toString());
            n.put("label", p.label());
            n.put("version", p.version());
            n.put("requested_by", p.requestedBy());
        }
        Path dir = Files.createDirectories(agentDir(name));
        Path tmp = Files.createTempFile(dir, "." + LABELS_FILE + ".", ".tmp");
        try {
            Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(doc));
            try {
                Files.move(tmp, dir.resolve(LABELS_FILE), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, dir.resolve(LABELS_FILE), StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            for (Path x : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        }
    }
}
