package dev.sluice.proxy.internal;

/**
 * Writes the Prometheus text exposition format (version 0.0.4): each family once, with its {@code # HELP} and
 * {@code # TYPE} lines before its samples, label values escaped. Not thread-safe (one per scrape).
 */
final class MetricsText {
    private final StringBuilder out;

    MetricsText(int capacity) {
        out = new StringBuilder(capacity);
    }

    /** Starts family {@code name} of {@code type} (counter, gauge, histogram). */
    MetricsText family(String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ');
        escape(help, false);
        out.append("\n# TYPE ").append(name).append(' ').append(type).append('\n');
        return this;
    }

    /** One sample without labels. */
    MetricsText sample(String name, long value) {
        out.append(name).append(' ').append(value).append('\n');
        return this;
    }

    /** One sample without labels. */
    MetricsText sample(String name, double value) {
        out.append(name).append(' ');
        number(value);
        out.append('\n');
        return this;
    }

    /** One sample; {@code labels} alternate names and values. */
    MetricsText sample(String name, long value, String... labels) {
        out.append(name);
        labels(labels, null, null);
        out.append(' ').append(value).append('\n');
        return this;
    }

    /** One sample; {@code labels} alternate names and values. */
    MetricsText sample(String name, double value, String... labels) {
        out.append(name);
        labels(labels, null, null);
        out.append(' ');
        number(value);
        out.append('\n');
        return this;
    }

    /**
     * The samples of one histogram series: cumulative {@code _bucket} lines (bounds divided by {@code scale} to the
     * family's unit), {@code _sum} and {@code _count}.
     */
    MetricsText histogram(String name, Histogram.Snapshot h, double scale, String... labels) {
        long[] bounds = h.bounds();
        long cumulative = 0;
        for (int i = 0; i <= bounds.length; i++) {
            cumulative += h.counts()[i];
            out.append(name).append("_bucket");
            labels(labels, "le", i == bounds.length ? "+Inf" : bound(bounds[i] / scale));
            out.append(' ').append(cumulative).append('\n');
        }
        out.append(name).append("_sum");
        labels(labels, null, null);
        out.append(' ');
        number(h.sum() / scale);
        out.append('\n').append(name).append("_count");
        labels(labels, null, null);
        out.append(' ').append(cumulative).append('\n');
        return this;
    }

    @Override
    public String toString() {
        return out.toString();
    }

    private void labels(String[] labels, String extraName, String extraValue) {
        if (labels.length == 0 && extraName == null) {
            return;
        }
        out.append('{');
        for (int i = 0; i < labels.length; i += 2) {
            if (i > 0) {
                out.append(',');
            }
            out.append(labels[i]).append("=\"");
            escape(labels[i + 1], true);
            out.append('"');
        }
        if (extraName != null) {
            if (labels.length > 0) {
                out.append(',');
            }
            out.append(extraName).append("=\"").append(extraValue).append('"');
        }
        out.append('}');
    }

    /** Appends {@code value} with backslash and newline escaped, and the double quote in a label value. */
    private void escape(String value, boolean labelValue) {
        if (value == null) {
            return;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\') {
                out.append("\\\\");
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c == '"' && labelValue) {
                out.append("\\\"");
            } else {
                out.append(c);
            }
        }
    }

    private void number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            out.append((long) v);
        } else if (Double.isNaN(v)) {
            out.append("NaN");
        } else if (Double.isInfinite(v)) {
            out.append(v > 0 ? "+Inf" : "-Inf");
        } else {
            out.append(v);
        }
    }

    private static String bound(double v) {
        String s = Double.toString(v);
        return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
    }
}
