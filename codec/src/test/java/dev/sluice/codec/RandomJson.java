package dev.sluice.codec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A seeded generator of valid JSON request bodies: random key order and whitespace, strings with every kind of
 * escape and raw UTF-8, numbers in every JSON form, and decoy members with the tracked names nested below the
 * top level.
 */
final class RandomJson {
    private static final String[] NAMES = {"model", "stream", "max_tokens", "user", "stream_options",
        "max_completion_tokens", "include_usage", "metadata", "messages", "role", "content", "x", "tools", ""};
    private static final String PALETTE = "abcXYZ019 -_.:/\"\\\n\t\r\b\f\u0001\u001f\u007f\u00e9\u4e2d\ud83d\ude00";

    private final Random random;

    RandomJson(long seed) {
        this.random = new Random(seed);
    }

    Random random() {
        return random;
    }

    /** A top-level object; each tracked member is present with some probability. */
    byte[] requestBody() {
        List<String> members = new ArrayList<>();
        if (random.nextInt(4) != 0) {
            members.add(member("model", string(randomText(12))));
        }
        if (random.nextBoolean()) {
            members.add(member("stream", random.nextBoolean() ? "true" : "false"));
        }
        if (random.nextInt(3) == 0) {
            members.add(member("stream_options", streamOptions()));
        }
        for (String name : new String[] {"max_completion_tokens", "max_tokens", "max_output_tokens"}) {
            if (random.nextInt(3) == 0) {
                members.add(member(name, Long.toString(random.nextInt(3) == 0 ? 0 : random.nextInt(1 << 20))));
            }
        }
        if (random.nextInt(3) == 0) {
            members.add(member("user", string(randomText(8))));
        }
        if (random.nextInt(3) == 0) {
            members.add(member("metadata", object(2)));
        }
        int extra = random.nextInt(5);
        for (int i = 0; i < extra; i++) {
            members.add(member("extra" + i, value(4)));
        }
        Collections.shuffle(members, random);
        return join('{', members, '}').getBytes(StandardCharsets.UTF_8);
    }

    private String streamOptions() {
        List<String> members = new ArrayList<>();
        int pick = random.nextInt(4);
        if (pick == 1) {
            members.add(member("include_usage", "true"));
        } else if (pick == 2) {
            members.add(member("include_usage", "false"));
        } else if (pick == 3) {
            members.add(member("include_usage", "null"));
        }
        if (random.nextBoolean()) {
            members.add(member("include_obfuscation", random.nextBoolean() ? "true" : "false"));
        }
        if (random.nextInt(4) == 0) {
            members.add(member("model", string("nested")));
        }
        Collections.shuffle(members, random);
        return join('{', members, '}');
    }

    String value(int depth) {
        int kind = random.nextInt(depth <= 0 ? 6 : 8);
        switch (kind) {
            case 0:
                return string(randomText(10));
            case 1:
                return number();
            case 2:
                return "true";
            case 3:
                return "false";
            case 4:
                return "null";
            case 5:
                return Integer.toString(random.nextInt(1000));
            case 6:
                return object(depth - 1);
            default:
                List<String> items = new ArrayList<>();
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    items.add(ws() + value(depth - 1) + ws());
                }
                return join('[', items, ']');
        }
    }

    private String object(int depth) {
        List<String> members = new ArrayList<>();
        int n = random.nextInt(4);
        for (int i = 0; i < n; i++) {
            // Nested decoys use the tracked names; keys stay unique within one object.
            members.add(member(NAMES[random.nextInt(NAMES.length)] + i, depth <= 0 ? number() : value(depth)));
            if (random.nextInt(3) == 0) {
                members.add(member(NAMES[random.nextInt(NAMES.length)], value(depth - 1)));
                break;
            }
        }
        return join('{', members, '}');
    }

    String number() {
        StringBuilder sb = new StringBuilder();
        if (random.nextBoolean()) {
            sb.append('-');
        }
        if (random.nextInt(4) == 0) {
            sb.append('0');
        } else {
            sb.append(1 + random.nextInt(9));
            int digits = random.nextInt(6);
            for (int i = 0; i < digits; i++) {
                sb.append(random.nextInt(10));
            }
        }
        if (random.nextBoolean()) {
            sb.append('.').append(random.nextInt(1000));
        }
        if (random.nextInt(3) == 0) {
            sb.append(random.nextBoolean() ? 'e' : 'E');
            int sign = random.nextInt(3);
            if (sign == 1) {
                sb.append('+');
            } else if (sign == 2) {
                sb.append('-');
            }
            sb.append(random.nextInt(30));
        }
        return sb.toString();
    }

    String randomText(int maxLength) {
        StringBuilder sb = new StringBuilder();
        int n = random.nextInt(maxLength + 1);
        while (sb.length() < n) {
            int cp = PALETTE.codePointAt(random.nextInt(PALETTE.length() - 1));
            if (Character.isLowSurrogate((char) cp)) {
                continue;
            }
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }

    /** Encodes text as a JSON string, choosing at random among raw, short escapes and unicode escapes. */
    String string(String text) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int mode = random.nextInt(5);
            if (c == '"' || c == '\\') {
                sb.append(mode == 0 ? String.format("\\u%04x", (int) c) : "\\" + c);
            } else if (c < 0x20) {
                String shortForm = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" : c == '\b' ? "\\b"
                        : c == '\f' ? "\\f" : null;
                sb.append(shortForm != null && mode != 0 ? shortForm : String.format("\\u%04X", (int) c));
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length()) {
                // A pair is escaped as a pair or written raw as a pair: one half escaped is an unpaired surrogate.
                char low = text.charAt(++i);
                sb.append(mode == 0 ? String.format("\\u%04x\\u%04x", (int) c, (int) low) : "" + c + low);
            } else if (mode == 0) {
                sb.append(String.format("\\u%04x", (int) c));
            } else if (c == '/' && mode == 1) {
                sb.append("\\/");
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    private String member(String name, String value) {
        return ws() + string(name) + ws() + ':' + ws() + value + ws();
    }

    private String join(char open, List<String> items, char close) {
        return open + (items.isEmpty() ? ws() : String.join(",", items)) + close;
    }

    String ws() {
        int n = random.nextInt(4) == 0 ? random.nextInt(3) : 0;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(" \t\n\r".charAt(random.nextInt(4)));
        }
        return sb.toString();
    }
}
