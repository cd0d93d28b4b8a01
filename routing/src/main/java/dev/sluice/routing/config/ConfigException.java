package dev.sluice.routing.config;

/**
 * A configuration that cannot be used, with where the problem is: {@code file:line: field: message}.
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final int line;
    private final String field;

    public ConfigException(String file, int line, String field, String message) {
        super(format(file, line, field, message));
        this.file = file;
        this.line = line;
        this.field = field;
    }

    private static String format(String file, int line, String field, String message) {
        StringBuilder b = new StringBuilder(file);
        if (line > 0) {
            b.append(':').append(line);
        }
        b.append(": ");
        if (field != null && !field.isEmpty()) {
            b.append(field).append(": ");
        }
        return b.append(message).toString();
    }

    public String file() {
        return file;
    }

    /** Returns the 1-based line of the offending value, or 0 when unknown. */
    public int line() {
        return line;
    }

    /** Returns the dotted path of the offending field, or {@code null}. */
    public String field() {
        return field;
    }
}
