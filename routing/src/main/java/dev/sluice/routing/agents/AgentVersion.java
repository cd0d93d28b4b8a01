package dev.sluice.routing.agents;

import static java.util.Objects.requireNonNull;

import dev.sluice.routing.admission.Scope;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One version of an agent: its settings, its prompt template and its context files, named by the content hash of
 * the three ({@link #version()}). Whatever the gateway serves is one of these, and every one it ever served is kept
 * in the version store. Thread-safe (immutable).
 */
public final class AgentVersion {
    /** Hex digits of a version name: 48 bits of SHA-256, as the configuration's own version. */
    public static final int VERSION_CHARS = 12;
    /** A version name, as it may follow {@code @} in a model name. */
    public static final Pattern VERSION = Pattern.compile("[0-9a-f]{" + VERSION_CHARS + "}");
    /** The file of the settings, of the prompt, and the directory of the context files, in an agent's directory. */
    public static final String SETTINGS_FILE = "agent.yaml";
    public static final String PROMPT_FILE = "prompt.md";
    public static final String CONTEXT_DIR = "context";

    private final String version;
    private final AgentSettings settings;
    private final String settingsText;
    private final String prompt;
    private final Map<String, String> contexts;
    private final AgentTemplate template;
    private final Scope scope;

    /**
     * @param settingsText the text of {@code agent.yaml}, as read
     * @param contexts     each context file's text by file name, in the order they are given to the model
     * @throws IllegalArgumentException when the prompt is not a valid template
     */
    public AgentVersion(AgentSettings settings, String settingsText, String prompt, Map<String, String> contexts) {
        this.settings = requireNonNull(settings, "settings");
        this.settingsText = requireNonNull(settingsText, "settingsText");
        this.prompt = requireNonNull(prompt, "prompt");
        this.contexts = Collections.unmodifiableMap(new LinkedHashMap<>(contexts));
        this.template = AgentTemplate.compile(settings.name() + "/" + PROMPT_FILE, prompt);
        this.version = hash(settingsText, prompt, this.contexts);
        this.scope = settings.scope();
    }

    /** The content hash of these files: what the version store and the journal call this version. */
    public static String hash(String settingsText, String prompt, Map<String, String> contexts) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        part(sha, SETTINGS_FILE, settingsText);
        part(sha, PROMPT_FILE, prompt);
        for (Map.Entry<String, String> c : contexts.entrySet()) {
            part(sha, CONTEXT_DIR + "/" + c.getKey(), c.getValue());
        }
        return HexFormat.of().formatHex(sha.digest()).substring(0, VERSION_CHARS);
    }

    /** Each file as its name, a zero byte, its length and its bytes: no two sets of files hash the same way. */
    private static void part(MessageDigest sha, String name, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        sha.update(name.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        long n = bytes.length;
        for (int i = 56; i >= 0; i -= 8) {
            sha.update((byte) (n >>> i));
        }
        sha.update(bytes);
    }

    public String name() {
        return settings.name();
    }

    public String version() {
        return version;
    }

    public AgentSettings settings() {
        return settings;
    }

    /** The text of {@code agent.yaml} this version was made from. */
    public String settingsText() {
        return settingsText;
    }

    /** The prompt template, as written. */
    public String prompt() {
        return prompt;
    }

    /** The context files' texts by file name, in the order they are given to the model. */
    public Map<String, String> contexts() {
        return contexts;
    }

    public AgentTemplate template() {
        return template;
    }

    /** The admission scope of these settings' limits and budget ({@code agent:NAME}), or null when none. */
    public Scope scope() {
        return scope;
    }

    /**
     * The system text of a request: the prompt rendered with {@code variables} (without trailing white space),
     * then each context file in a {@code <context file="NAME">} element of its own, a blank line before each.
     *
     * @throws IllegalArgumentException naming the first required variable {@code variables} does not give
     */
    public String systemText(Map<String, String> variables) {
        String missing = template.missing(variables);
        if (missing != null) {
            throw new IllegalArgumentException(missing);
        }
        // Trailing blank lines of the file are not part of the prompt: what follows starts after one blank line.
        StringBuilder b = new StringBuilder(template.render(variables).stripTrailing());
        for (Map.Entry<String, String> c : contexts.entrySet()) {
            b.append("\n\n<context file=\"").append(c.getKey()).append("\">\n").append(c.getValue());
            if (!c.getValue().endsWith("\n")) {
                b.append('\n');
            }
            b.append("</context>");
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return "AgentVersion{" + settings.name() + "@" + version + '}';
    }
}
