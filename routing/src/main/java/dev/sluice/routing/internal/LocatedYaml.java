package dev.sluice.routing.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * A YAML document read into a tree together with the line of every value, so that configuration errors can say
 * {@code file:line: field}. Confined to the thread that loads the configuration.
 */
public final class LocatedYaml {
    private static final YAMLFactory YAML = new YAMLFactory();

    private final JsonNode root;
    private final Map<String, Integer> lines;

    private LocatedYaml(JsonNode root, Map<String, Integer> lines) {
        this.root = root;
        this.lines = lines;
    }

    /** Parses {@code text}; a syntax error is thrown with its line. */
    public static LocatedYaml parse(String text) throws SyntaxError {
        Map<String, Integer> lines = new HashMap<>();
        try (JsonParser p = YAML.createParser(text)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return new LocatedYaml(JsonNodeFactory.instance.objectNode(), lines);
            }
            JsonNode root = read(p, "", lines);
            return new LocatedYaml(root, lines);
        } catch (SyntaxErrorIo e) {
            throw new SyntaxError(e.line, e.detail);
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw new SyntaxError(line, e.getOriginalMessage());
        } catch (IOException e) {
            throw new SyntaxError(0, e.getMessage());
        }
    }

    private static JsonNode read(JsonParser p, String path, Map<String, Integer> lines) throws IOException {
        lines.put(path, p.currentTokenLocation().getLineNr());
        JsonToken t = p.currentToken();
        JsonNodeFactory f = JsonNodeFactory.instance;
        switch (t) {
            case START_OBJECT: {
                ObjectNode o = f.objectNode();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    String at = path.isEmpty() ? name : path + '.' + name;
                    if (o.has(name)) {
                        // YAML parsers keep the last of two equal keys: one of the two settings would be ignored.
                        throw new SyntaxErrorIo(p.currentTokenLocation().getLineNr(), "'" + at + "' is set twice"
                                + " (also on line " + lines.get(at) + ")");
                    }
                    p.nextToken();
                    o.set(name, read(p, at, lines));
                }
                return o;
            }
            case START_ARRAY: {
                ArrayNode a = f.arrayNode();
                int i = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    a.add(read(p, path + '[' + i++ + ']', lines));
                }
                return a;
            }
            case VALUE_STRING:
                return f.textNode(p.getText());
            case VALUE_NUMBER_INT:
                return f.numberNode(p.getLongValue());
            case VALUE_NUMBER_FLOAT:
                return f.numberNode(p.getDecimalValue());
            case VALUE_TRUE:
                return f.booleanNode(true);
            case VALUE_FALSE:
                return f.booleanNode(false);
            case VALUE_NULL:
                return f.nullNode();
            default:
                throw new SyntaxErrorIo(p.currentTokenLocation().getLineNr(), "unexpected " + t);
        }
    }

    public JsonNode root() {
        return root;
    }

    /** Returns the line of the value at a dotted path, or the nearest enclosing value's line, or 0. */
    public int lineOf(String path) {
        String p = path;
        while (true) {
            Integer l = lines.get(p);
            if (l != null) {
                return l;
            }
            int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
            if (cut <= 0) {
                Integer top = lines.get("");
                return top == null ? 0 : top;
            }
            p = p.substring(0, cut);
        }
    }

    /** A YAML syntax error at a line (0 when unknown). */
    public static final class SyntaxError extends Exception {
        private static final long serialVersionUID = 1L;
        private final int line;

        SyntaxError(int line, String message) {
            super(message);
            this.line = line;
        }

        public int line() {
            return line;
        }
    }

    private static final class SyntaxErrorIo extends IOException {
        private static final long serialVersionUID = 1L;
        private final int line;
        private final String detail;

        SyntaxErrorIo(int line, String message) {
            super("line " + line + ": " + message);
            this.line = line;
            this.detail = message;
        }
    }
}
