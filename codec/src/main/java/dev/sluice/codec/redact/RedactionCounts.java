package dev.sluice.codec.redact;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;

/**
 * How many values were redacted, per type label ({@code email}, {@code card}, a custom pattern's name, ...). A small
 * table of labels and {@code int} counts: no boxing, and no allocation once a label has been seen. The built-in
 * labels come first, in a fixed order, then other labels in the order they were first added; {@link #size()},
 * {@link #label(int)} and {@link #count(int)} iterate the labels whose count is not zero in that order.
 * <p>
 * Confined to one thread.
 */
public final class RedactionCounts {
    private static final String[] BUILT_IN = {"email", "phone", "card", "iban", "ssn", "ip", "secret"};

    private String[] labels = Arrays.copyOf(BUILT_IN, BUILT_IN.length + 4);
    private int[] counts = new int[labels.length];
    private int labelCount = BUILT_IN.length;

    /** Adds {@code n} to the count of {@code label}. */
    public void add(String label, int n) {
        requireNonNull(label, "label");
        if (n < 0) {
            throw new IllegalArgumentException("n: " + n + " (expected: >= 0)");
        }
        counts[indexOf(label)] += n;
    }

    /** The count of {@code label}; 0 for a label never added. */
    public int count(String label) {
        requireNonNull(label, "label");
        for (int i = 0; i < labelCount; i++) {
            if (labels[i].equals(label)) {
                return counts[i];
            }
        }
        return 0;
    }

    /** The sum of all counts. */
    public int total() {
        int sum = 0;
        for (int i = 0; i < labelCount; i++) {
            sum += counts[i];
        }
        return sum;
    }

    /** How many labels have a count that is not zero. */
    public int size() {
        int n = 0;
        for (int i = 0; i < labelCount; i++) {
            if (counts[i] != 0) {
                n++;
            }
        }
        return n;
    }

    /** The label of the {@code i}-th non-zero entry, {@code 0 <= i < size()}. */
    public String label(int i) {
        return labels[slot(i)];
    }

    /** The count of the {@code i}-th non-zero entry, {@code 0 <= i < size()}. */
    public int count(int i) {
        return counts[slot(i)];
    }

    /** Sets every count to zero; the labels stay known (no allocation when they come again). */
    public void clear() {
        Arrays.fill(counts, 0);
    }

    /** Adds every count of {@code other} to this one. */
    public void addAll(RedactionCounts other) {
        requireNonNull(other, "other");
        for (int i = 0; i < other.labelCount; i++) {
            if (other.counts[i] != 0) {
                counts[indexOf(other.labels[i])] += other.counts[i];
            }
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("RedactionCounts{");
        for (int i = 0, n = size(); i < n; i++) {
            sb.append(i == 0 ? "" : ", ").append(label(i)).append('=').append(count(i));
        }
        return sb.append('}').toString();
    }

    private int slot(int i) {
        int seen = 0;
        for (int k = 0; k < labelCount; k++) {
            if (counts[k] != 0 && seen++ == i) {
                return k;
            }
        }
        throw new IndexOutOfBoundsException("i: " + i + " (expected: 0 <= i < " + size() + ")");
    }

    private int indexOf(String label) {
        for (int i = 0; i < labelCount; i++) {
            // Labels are usually the same constant: identity first, then equality.
            if (labels[i] == label || labels[i].equals(label)) {
                return i;
            }
        }
        if (labelCount == labels.length) {
            labels = Arrays.copyOf(labels, labelCount * 2);
            counts = Arrays.copyOf(counts, labelCount * 2);
        }
        labels[labelCount] = label;
        return labelCount++;
    }
}
