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
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The agents' version store and labels under the data directory, so that history and rollback depend on no one's
 * copy of the files: {@code agents/NAME/versions/VERSION/} holds each version's {@code agent.yaml},
 * {@code prompt.md} and {@code context/} as they were, written once (a new directory moved into place whole) and
 * never changed; {@code agents/NAME/labels.json} holds where each label points, every move of a label, and the
 * promotions that wait for a second owner's approval. A stored
 * version whose files no longer hash to its name is not served (and said so in the log).
 * <p>
 * With {@link SharedAgents} (gateways sharing Redis) the labels document lives there instead, moved by compare and
 * set, so that every gateway serves the same version for a label; every version a gateway loads is also put there,
 * and one that another gateway loaded is copied here (checked against its hash) before it is served. The local
 * {@code labels.json} is then a copy of the shared document, read only while the shared store cannot be reached.
 * <p>
 * Confined to one thread at a time (the gateway's configuration agent): it reads and writes files.
 */
public final class AgentStore implements AutoCloseable {
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

    /** How many times a move is tried again when another gateway moved the same agent's labels meanwhile. */
    private static final int MOVE_ATTEMPTS = 16;

    private final Path root;
    private final SharedAgents shared;
    /** Versions read back, by "name@version": they never change. */
    private final Map<String, AgentVersion> read = new ConcurrentHashMap<>();

    /** A store of one gateway, under {@code dataDir}. */
    public AgentStore(Path dataDir) {
        this(dataDir, null);
    }

    /**
     * A store under {@code dataDir} whose labels and versions are shared with other gateways through {@code shared}
     * (null: this gateway's alone).
     */
    public AgentStore(Path dataDir, SharedAgents shared) {
        this.root = requireNonNull(dataDir, "dataDir").resolve(DIR);
        this.shared = shared;
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
            Labels labels = readLabels(f.name());
            if (!labels.points.containsKey(AgentCatalog.PRODUCTION) || labels.unshared) {
                // The first version an agent is served with starts production; labels this gateway kept alone
                // before it shared them become the shared ones (unless another gateway's are there by now).
                labels = update(f.name(), l -> {
                    if (!l.points.containsKey(AgentCatalog.PRODUCTION)) {
                        l.move(new Move(wallMs, AgentCatalog.PRODUCTION, f.version(), null, "initial", "gateway"));
                        return l;
                    }
                    return shared != null && l.sharedText == null ? l : null;
                });
            }
            agents.put(f.name(), new AgentCatalog.Agent(f, versions(f), labels.points));
        }
        return new AgentCatalog(agents);
    }

    /**
     * Reads again the labels (and any version another gateway stored) of agent {@code name}, or of every agent when
     * it is null: what a move through another gateway changed.
     *
     * @return {@code current} with those agents' labels and versions as stored now
     */
    public AgentCatalog refresh(AgentCatalog current, String name) throws IOException {
        Map<String, AgentCatalog.Agent> agents = new HashMap<>();
        for (AgentCatalog.Agent x : current.agents()) {
            agents.put(x.name(), name == null || x.name().equals(name)
                    ? new AgentCatalog.Agent(x.files(), versions(x.files()), readLabels(x.name()).points) : x);
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
        Labels labels = update(name, l -> {
            l.move(new Move(wallMs, label, version, l.points.get(label), action, actor));
            return l;
        });
        Map<String, AgentCatalog.Agent> agents = new HashMap<>();
        for (AgentCatalog.Agent x : current.agents()) {
            agents.put(x.name(), x.name().equals(name) ? new AgentCatalog.Agent(x.files(), x.versions(),
                    labels.points) : x);
        }
        return new AgentCatalog(agents);
    }

    /** Records a promotion that waits for approval; returns it with its id. */
    public Pending request(String name, String label, String version, String actor, long wallMs) throws IOException {
        byte[] random = new byte[6];
        new SecureRandom().nextBytes(random);
        Pending p = new Pending("pr-" + HexFormat.of().formatHex(random), label, version, actor, wallMs);
        update(name, l -> {
            l.pending.add(p);
            return l;
        });
        return p;
    }

    /** The promotions of agent {@code name} that wait for approval, oldest first. */
    public List<Pending> pending(String name) throws IOException {
        return List.copyOf(readLabels(name).pending);
    }

    /** Removes and returns the waiting promotion {@code id} of agent {@code name}, or null. */
    public Pending takePending(String name, String id) throws IOException {
        Pending[] taken = new Pending[1];
        update(name, l -> {
            taken[0] = null;
            for (Pending p : l.pending) {
                if (p.id().equals(id)) {
                    l.pending.remove(p);
                    taken[0] = p;
                    return l;
                }
            }
            return null;
        });
        return taken[0];
    }

    /** Every move of every label of agent {@code name}, oldest first. */
    public List<Move> history(String name) throws IOException {
        return List.copyOf(readLabels(name).history);
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

    /** The files of {@code v} as one JSON object (file name to text), as the shared store keeps a version. */
    private static String filesJson(AgentVersion v) {
        ObjectNode doc = JSON.createObjectNode();
        doc.put(AgentVersion.SETTINGS_FILE, v.settingsText());
        doc.put(AgentVersion.PROMPT_FILE, v.prompt());
        v.contexts().forEach((f, text) -> doc.put(AgentVersion.CONTEXT_DIR + "/" + f, text));
        return doc.toString();
    }

    /**
     * Copies here each version of {@code files}' agent that another gateway put in the shared store (when its files
     * hash to its name), and puts there each version stored here that it lacks. Without a shared store, or while it
     * cannot be reached, nothing.
     */
    private void exchangeVersions(AgentVersion files, Path versions) throws IOException {
        if (shared == null) {
            return;
        }
        String name = files.name();
        try {
            Set<String> there = shared.versions(name);
            for (String v : there) {
                if (!AgentVersion.VERSION.matcher(v).matches() || Files.isDirectory(versions.resolve(v))) {
                    continue;
                }
                AgentVersion copy = fromJson(name, v, shared.version(name, v));
                if (copy != null) {
                    store(copy);
                }
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(versions)) {
                for (Path p : ds) {
                    String v = p.getFileName().toString();
                    if (AgentVersion.VERSION.matcher(v).matches() && !there.contains(v)) {
                        AgentVersion local = v.equals(files.version()) ? files : read.get(name + "@" + v);
                        if (local == null) {
                            local = readStored(p, name, v);
                        }
                        if (local != null) {
                            shared.putVersion(name, v, filesJson(local));
                        }
                    }
                }
            }
        } catch (IllegalStateException e) {
            LOG.warn("agent '{}': the shared agent store cannot be reached, serving the versions stored here: {}",
                    name, e.getMessage());
        }
    }

    /** A version as the shared store gave it, or null (logged) when it is not readable or not what its name says. */
    private static AgentVersion fromJson(String name, String version, String json) {
        if (json == null) {
            return null;
        }
        try {
            JsonNode doc = JSON.readTree(json);
            Map<String, String> contexts = new HashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = doc.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getKey().startsWith(AgentVersion.CONTEXT_DIR + "/")) {
                    contexts.put(f.getKey().substring(AgentVersion.CONTEXT_DIR.length() + 1), f.getValue().asText());
                }
            }
            AgentVersion v = AgentSection.version("shared store: agent " + name + " version " + version, name,
                    doc.path(AgentVersion.SETTINGS_FILE).asText(), doc.path(AgentVersion.PROMPT_FILE).asText(),
                    contexts);
            if (v.version().equals(version)) {
                return v;
            }
            LOG.warn("agent '{}': the shared store's version {} hashes to {}: altered, not served", name, version,
                    v.version());
        } catch (IOException | ConfigException e) {
            LOG.warn("agent '{}': the shared store's version {} cannot be read, not served: {}", name, version,
                    e.getMessage());
        }
        return null;
    }

    /** A version stored under {@code dir}, or null (logged) when it cannot be read or its files were altered. */
    private static AgentVersion readStored(Path dir, String name, String version) {
        AgentVersion stored;
        try {
            stored = AgentSection.readDirectory(dir, name);
        } catch (ConfigException e) {
            LOG.warn("agent '{}': stored version {} cannot be read, not served: {}", name, version, e.getMessage());
            return null;
        }
        if (!stored.version().equals(version)) {
            LOG.warn("agent '{}': the files of stored version {} hash to {}: altered, not served", name, version,
                    stored.version());
            return null;
        }
        return stored;
    }

    /** Every stored version of {@code files}' agent, {@code files} among them. */
    private Map<String, AgentVersion> versions(AgentVersion files) throws IOException {
        Map<String, AgentVersion> out = new LinkedHashMap<>();
        Path versions = agentDir(files.name()).resolve(VERSIONS);
        exchangeVersions(files, versions);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(versions)) {
            for (Path p : ds) {
                String v = p.getFileName().toString();
                if (!AgentVersion.VERSION.matcher(v).matches()) {
                    continue;
                }
                AgentVersion stored = read.get(files.name() + "@" + v);
                if (stored == null) {
                    stored = readStored(p, files.name(), v);
                    if (stored == null) {
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
        /** The shared document as read (null: none there, or no shared store): what a move replaces. */
        String sharedText;
        /** Read from this gateway's own copy while a shared store has none (or could not be reached). */
        boolean unshared;

        void move(Move m) {
            points.put(m.label(), m.version());
            history.add(m);
        }
    }

    /** A change of an agent's labels (made in place and returned), or null when there is nothing to write. */
    @FunctionalInterface
    private interface Change {
        Labels apply(Labels current);
    }

    /**
     * The labels of agent {@code name}: the shared document (kept here as a copy), else this gateway's own. While
     * the shared store cannot be reached, this gateway's copy, said so in the log.
     */
    private Labels readLabels(String name) throws IOException {
        if (shared != null) {
            String text;
            try {
                text = shared.labels(name);
            } catch (IllegalStateException e) {
                LOG.warn("agent '{}': the shared agent store cannot be reached, serving the labels last seen: {}",
                        name, e.getMessage());
                return localLabels(name);
            }
            if (text != null) {
                Labels l = parse(text);
                l.sharedText = text;
                writeLocal(name, text);
                return l;
            }
            Labels l = localLabels(name);
            l.unshared = true;
            return l;
        }
        return localLabels(name);
    }

    private Labels localLabels(String name) throws IOException {
        Path file = agentDir(name).resolve(LABELS_FILE);
        return Files.exists(file) ? parse(Files.readString(file, StandardCharsets.UTF_8)) : new Labels();
    }

    /**
     * Applies {@code change} to the labels of agent {@code name} as stored now and writes them: to the shared store
     * by compare and set, read again and tried again while another gateway moved them meanwhile.
     *
     * @return the labels as written, or as they are when {@code change} had nothing to write
     * @throws IOException when they cannot be written (the shared store out of reach, or too busy)
     */
    private Labels update(String name, Change change) throws IOException {
        for (int attempt = 0; attempt < MOVE_ATTEMPTS; attempt++) {
            Labels current;
            if (shared == null) {
                current = localLabels(name);
            } else {
                try {
                    String text = shared.labels(name);
                    current = text == null ? localLabels(name) : parse(text);
                    current.sharedText = text;
                } catch (IllegalStateException e) {
                    throw new IOException(e.getMessage(), e);
                }
            }
            Labels written = change.apply(current);
            if (written == null) {
                return current;
            }
            String doc = render(written);
            if (shared == null) {
                writeLocal(name, doc);
                return written;
            }
            try {
                if (shared.replaceLabels(name, written.sharedText, doc)) {
                    written.sharedText = doc;
                    writeLocal(name, doc);
                    return written;
                }
            } catch (IllegalStateException e) {
                throw new IOException(e.getMessage(), e);
            }
        }
        throw new IOException("the labels of agent '" + name + "' kept changing through other gateways: try again");
    }

    private static Labels parse(String text) throws IOException {
        Labels l = new Labels();
        JsonNode doc = JSON.readTree(text);
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

    private static String render(Labels labels) throws IOException {
        ObjectNode doc = JSON.createObjectNode();
        ObjectNode points = doc.putObject("labels");
        new TreeMap<>(labels.points).forEach(points::put);
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
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(doc);
    }

    /** Writes {@code doc} as this gateway's {@code labels.json} (replaced whole), unless it already says that. */
    private void writeLocal(String name, String doc) throws IOException {
        Path dir = Files.createDirectories(agentDir(name));
        Path file = dir.resolve(LABELS_FILE);
        if (Files.exists(file) && Files.readString(file, StandardCharsets.UTF_8).equals(doc)) {
            return;
        }
        Path tmp = Files.createTempFile(dir, "." + LABELS_FILE + ".", ".tmp");
        try {
            Files.writeString(tmp, doc, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The store shared with other gateways, or null. */
    public SharedAgents shared() {
        return shared;
    }

    /** Closes the shared store, if any. */
    @Override
    public void close() {
        if (shared != null) {
            shared.close();
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
