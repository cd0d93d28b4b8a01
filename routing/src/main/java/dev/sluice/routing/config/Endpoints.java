package dev.sluice.routing.config;

import dev.sluice.codec.Endpoint;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Endpoint sets as bit masks ({@code 1 << Endpoint.id()}), and the names configuration uses for endpoints: the
 * wire name ({@code chat.completions}) or the same with underscores ({@code chat_completions}). Thread-safe
 * (stateless).
 */
public final class Endpoints {
    /** The mask that allows every endpoint. */
    public static final int ALL = -1;

    private Endpoints() {
    }

    /** Returns the bit of one endpoint. */
    public static int bit(Endpoint e) {
        return 1 << e.id();
    }

    /** Parses a configuration name; returns {@code null} when it names no endpoint. */
    public static Endpoint parse(String name) {
        if (name == null) {
            return null;
        }
        String n = name.trim().toLowerCase(Locale.ROOT).replace('_', '.');
        for (Endpoint e : Endpoint.values()) {
            if (e.wireName().equals(n)) {
                return e;
            }
        }
        return null;
    }

    /** Returns the configuration names of every endpoint, for error messages. */
    public static String names() {
        List<String> out = new ArrayList<>();
        for (Endpoint e : Endpoint.values()) {
            out.add(e.wireName().replace('.', '_'));
        }
        return String.join(", ", out);
    }

    static boolean bit(long[] words, int index) {
        int word = index >>> 6;
        return word < words.length && (words[word] & (1L << index)) != 0;
    }
}
