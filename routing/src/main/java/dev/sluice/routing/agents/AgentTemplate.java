package dev.sluice.routing.agents;

import com.github.mustachejava.Code;
import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.Mustache;
import com.github.mustachejava.MustacheException;
import com.github.mustachejava.codes.ValueCode;
import com.github.mustachejava.reflect.MapObjectHandler;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.Collections;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * An agent's system prompt as a Mustache template ({@code {{variable}}}; sections and inverted sections work as
 * Mustache defines them). Values are inserted as they are: a prompt is not HTML, so nothing is escaped; names are
 * looked up in the request's variables only. The variables
 * named outside any section are required: a request that leaves one out is refused rather than sent with a hole in
 * its prompt. Thread-safe (the compiled template is immutable).
 */
public final class AgentTemplate {
    /**
     * Raw output (the factory's default would HTML-escape every value), and no partials: {@code {{> name}}} would
     * read a file or a class path resource into the prompt, which an agent's text must not be able to do.
     */
    private static final class PlainFactory extends DefaultMustacheFactory {
        PlainFactory() {
            setObjectHandler(new MapsOnly());
        }

        @Override
        public Reader getReader(String resourceName) {
            throw new MustacheException("partials ({{> " + resourceName + "}}) are not supported in an agent's prompt");
        }

        @Override
        public void encode(String value, Writer writer) {
            try {
                writer.write(value);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * Names are looked up in the variables' map and nowhere else: the default handler would also call methods and
     * read fields of the values ({@code {{customer.class}}}), which a prompt has no business doing.
     */
    private static final class MapsOnly extends MapObjectHandler {
        @Override
        public Object get(String name, Object scope) {
            return scope instanceof Map ? ((Map<?, ?>) scope).get(name) : null;
        }
    }

    private final Mustache mustache;
    private final SortedSet<String> variables;

    private AgentTemplate(Mustache mustache, SortedSet<String> variables) {
        this.mustache = mustache;
        this.variables = variables;
    }

    /**
     * Compiles {@code text}; {@code name} names it in errors.
     *
     * @throws IllegalArgumentException when the text is not a valid template (the message says where)
     */
    public static AgentTemplate compile(String name, String text) {
        Mustache m;
        try {
            // A new factory per template: the default one caches templates by name for ever.
            m = new PlainFactory().compile(new StringReader(text), name);
        } catch (MustacheException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        TreeSet<String> vars = new TreeSet<>();
        for (Code c : m.getCodes()) {
            // Only plain values at the top: a section's name, and what it names inside, may be left out.
            if (c instanceof ValueCode && c.getName() != null) {
                vars.add(c.getName());
            }
        }
        return new AgentTemplate(m, Collections.unmodifiableSortedSet(vars));
    }

    /** The variables a request must give (those named outside any section), sorted. */
    public SortedSet<String> variables() {
        return variables;
    }

    /** The first required variable {@code values} does not give, or null. */
    public String missing(Map<String, String> values) {
        for (String v : variables) {
            if (!values.containsKey(v)) {
                return v;
            }
        }
        return null;
    }

    /** Renders the prompt with {@code values} (text as given, never escaped). */
    public String render(Map<String, String> values) {
        StringWriter out = new StringWriter();
        mustache.execute(out, values);
        return out.toString();
    }
}
