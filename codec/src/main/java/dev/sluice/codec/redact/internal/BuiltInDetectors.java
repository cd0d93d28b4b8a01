package dev.sluice.codec.redact.internal;

/**
 * The built-in detectors: hand-written scanners over the bytes of a text view, tried at each position in priority
 * order (secrets, email, IBAN, SSN, card, phone, IP). {@link #find} reports the leftmost match, or the leftmost
 * position where a match could still start if more text came ({@link #HOLD}): every read past the end of the text
 * marks the attempt as undecided, so a value split across stream events is held back until it is decided.
 * <p>
 * No allocation: the only scratch is a fixed array held in a field.
 * Confined to one thread.
 */
public final class BuiltInDetectors {
    /** {@link #find} result: nothing matches and nothing is undecided. */
    public static final int NONE = 0;
    /** {@link #find} result: a match at {@link #matchStart}..{@link #matchEnd} of type {@link #matchType}. */
    public static final int FOUND = 1;
    /** {@link #find} result: a match could still start at {@link #holdAt} once more text comes. */
    public static final int HOLD = 2;

    /** Type index of an email address; also its index in {@link #LABELS}. */
    public static final int EMAIL = 0;
    /** Type index of a phone number. */
    public static final int PHONE = 1;
    /** Type index of a payment card number. */
    public static final int CARD = 2;
    /** Type index of an IBAN. */
    public static final int IBAN = 3;
    /** Type index of a US social security number. */
    public static final int SSN = 4;
    /** Type index of an IPv4 or IPv6 address. */
    public static final int IP = 5;
    /** Type index of a credential: provider key, bearer token, JWT, PEM private key. */
    public static final int SECRET = 6;

    /** The labels of the built-in types, by type index. */
    public static final String[] LABELS = {"email", "phone", "card", "iban", "ssn", "ip", "secret"};

    private static final int CARD_MAX_DIGITS = 19;
    private static final int IBAN_MAX_CHARS = 34;
    private static final int IBAN_MIN_CHARS = 15;
    private static final int IPV6_MAX_CHARS = 39;
    private static final byte[] PEM_BEGIN = ascii("-----BEGIN ");
    private static final byte[] PEM_END = ascii("-----END ");
    private static final byte[] PRIVATE_KEY = ascii("PRIVATE KEY-----");
    private static final int PEM_HEADER_MAX_BYTES = 64;
    private static final byte[] DASHES = ascii("-----");
    private static final byte[] GITHUB_PAT = ascii("github_pat_");
    private static final byte[] BEARER_LOWER = ascii("arer ");
    private static final byte[] BEARER_UPPER = ascii("ARER ");

    /** Start of the match (inclusive) after {@link #FOUND}. */
    public int matchStart;
    /** End of the match (exclusive) after {@link #FOUND}. */
    public int matchEnd;
    /** Type index of the match after {@link #FOUND}. */
    public int matchType;
    /** Where a match could still start after {@link #HOLD}. */
    public int holdAt;
    /** After {@link #HOLD}: whether the undecided match is a PEM block (which may be held longer). */
    public boolean holdIsPem;
    /** After {@link #FOUND} with {@code fin}: the match is a PEM block whose END line was not in the text. */
    public boolean pemUnterminated;

    private final byte[] scratch = new byte[IBAN_MAX_CHARS + 4];
    private final int[] groupEnds = new int[CARD_MAX_DIGITS + 1];
    private final int[] groupCounts = new int[CARD_MAX_DIGITS + 1];
    private byte[] t;
    private int end;
    private boolean hitEnd;
    private boolean pemAttempt;
    /** Where the token of a "Bearer <token>" match starts, or -1. */
    private int bearerStart;

    /**
     * Finds the leftmost match in {@code text[from, end)}; {@code text[from - 1]} (when {@code from > 0}) is read
     * as left context only. With {@code fin}, the text is complete: nothing is {@link #HOLD held}.
     *
     * @return {@link #NONE}, {@link #FOUND} or {@link #HOLD}
     */
    public int find(byte[] text, int from, int end, boolean fin) {
        this.t = text;
        this.end = end;
        for (int p = from; p < end; p++) {
            int prev = p > 0 ? text[p - 1] & 0xFF : 0;
            int c = text[p] & 0xFF;
            if (alnum(c) && alnum(prev)) {
                // Inside a word: every detector needs a boundary before its start (secrets, e-mail, IBAN,
                // numbers and addresses all refuse a letter or digit before them), so none starts here.
                continue;
            }
            hitEnd = false;
            pemAttempt = false;
            pemUnterminated = false;
            int type = -1;
            int e = secret(p, c, prev);
            if (e > 0) {
                type = SECRET;
            } else if ((fin || !hitEnd) && (e = email(p, c, prev)) > 0) {
                type = EMAIL;
            } else if ((fin || !hitEnd) && (e = iban(p, c, prev)) > 0) {
                type = IBAN;
            } else if ((fin || !hitEnd) && (e = ssn(p, c, prev)) > 0) {
                type = SSN;
            } else if ((fin || !hitEnd) && (e = card(p, c, prev)) > 0) {
                type = CARD;
            } else if ((fin || !hitEnd) && (e = phone(p, c, prev)) > 0) {
                type = PHONE;
            } else if ((fin || !hitEnd) && (e = ip(p, c, prev)) > 0) {
                type = IP;
            }
            if (hitEnd && !fin) {
                holdAt = p;
                holdIsPem = pemAttempt;
                return HOLD;
            }
            if (type >= 0) {
                // A bearer token is found at "Bearer" but the match is the token alone.
                matchStart = type == SECRET && bearerStart >= 0 ? bearerStart : p;
                matchEnd = e;
                matchType = type;
                return FOUND;
            }
        }
        return NONE;
    }

    /**
     * The end of a PEM block that began before {@code from} and whose start was already redacted: the end of its
     * END line; with {@code fin}, the end of the text when there is none; otherwise -1 when there is none yet.
     */
    public int pemTail(byte[] text, int from, int end, boolean fin) {
        this.t = text;
        this.end = end;
        int e = pemEnd(from);
        return e >= 0 ? e : fin ? end : -1;
    }

    // --- reading ---------------------------------------------------------------------------------------------

    /** The byte at {@code i}, or -1 past the end (noting that the answer depends on text not yet seen). */
    private int at(int i) {
        if (i >= end) {
            hitEnd = true;
            return -1;
        }
        return t[i] & 0xFF;
    }

    private boolean startsWith(int p, byte[] prefix) {
        for (int k = 0; k < prefix.length; k++) {
            if (at(p + k) != prefix[k]) {
                return false;
            }
        }
        return true;
    }

    private static boolean digit(int c) {
        return c >= '0' && c <= '9';
    }

    private static boolean upper(int c) {
        return c >= 'A' && c <= 'Z';
    }

    private static boolean letter(int c) {
        return upper(c) || c >= 'a' && c <= 'z';
    }

    private static boolean alnum(int c) {
        return digit(c) || letter(c);
    }

    private static boolean tokenChar(int c) {
        return alnum(c) || c == '_' || c == '-';
    }

    private static boolean hex(int c) {
        return digit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
    }

    private int run(int i) {
        while (tokenChar(at(i))) {
            i++;
        }
        return i;
    }

    // --- secrets ---------------------------------------------------------------------------------------------

    private int secret(int p, int c, int prev) {
        bearerStart = -1;
        if (c == '-') {
            return prev == '-' ? -1 : pem(p);
        }
        if (tokenChar(prev) || prev == '.') {
            return -1;
        }
        switch (c) {
            case 's':
                if (at(p + 1) == 'k') {
                    int d = at(p + 2);
                    if (d == '-') {
                        int e = run(p + 3);
                        return e - (p + 3) >= 20 ? e : -1;
                    }
                    if (d == '_') {
                        return live(p);
                    }
                }
                return -1;
            case 'r':
                return at(p + 1) == 'k' && at(p + 2) == '_' ? live(p) : -1;
            case 'A':
                return aws(p);
            case 'g':
                return github(p);
            case 'x':
                return slack(p);
            case 'e':
                return jwt(p);
            case 'B':
            case 'b':
                return bearer(p);
            default:
                return -1;
        }
    }

    private int live(int p) {
        if (at(p + 3) != 'l' || at(p + 4) != 'i' || at(p + 5) != 'v' || at(p + 6) != 'e' || at(p + 7) != '_') {
            return -1;
        }
        int e = run(p + 8);
        return e - (p + 8) >= 16 ? e : -1;
    }

    private int aws(int p) {
        int b = at(p + 1);
        if (b == 'K' || b == 'S') {
            if (at(p + 2) != 'I' || at(p + 3) != 'A') {
                return -1;
            }
            int i = p + 4;
            while (upper(at(i)) || digit(at(i))) {
                i++;
            }
            return i - (p + 4) == 16 && !tokenChar(at(i)) ? i : -1;
        }
        if (b == 'I' && at(p + 2) == 'z' && at(p + 3) == 'a') {
            int e = run(p + 4);
            return e - (p + 4) == 35 ? e : -1;
        }
        return -1;
    }

    private int github(int p) {
        int b1 = at(p + 1);
        if (b1 == 'h') {
            int b = at(p + 2);
            if ((b == 'p' || b == 'o' || b == 's' || b == 'u' || b == 'r') && at(p + 3) == '_') {
                int e = run(p + 4);
                return e - (p + 4) >= 30 ? e : -1;
            }
            return -1;
        }
        if (b1 == 'i' && startsWith(p, GITHUB_PAT)) {
            int e = run(p + GITHUB_PAT.length);
            return e - (p + GITHUB_PAT.length) >= 22 ? e : -1;
        }
        return -1;
    }

    private int slack(int p) {
        if (at(p + 1) != 'o' || at(p + 2) != 'x') {
            return -1;
        }
        int b = at(p + 3);
        if ((b == 'a' || b == 'b' || b == 'p' || b == 'r') && at(p + 4) == '-') {
            int e = run(p + 5);
            return e - (p + 5) >= 10 ? e : -1;
        }
        return -1;
    }

    private int jwt(int p) {
        if (at(p + 1) != 'y' || at(p + 2) != 'J') {
            return -1;
        }
        int e1 = run(p + 3);
        if (e1 - p < 10 || at(e1) != '.') {
            return -1;
        }
        int e2 = run(e1 + 1);
        if (e2 - (e1 + 1) < 4 || at(e2) != '.') {
            return -1;
        }
        int e3 = run(e2 + 1);
        // A fourth segment is something else; a dot alone ends the sentence.
        return at(e3) == '.' && tokenChar(at(e3 + 1)) ? -1 : e3;
    }

    private int bearer(int p) {
        int c1 = at(p + 1);
        boolean lower = c1 == 'e';
        if (!lower && c1 != 'E') {
            return -1;
        }
        byte[] rest = lower ? BEARER_LOWER : BEARER_UPPER;
        for (int k = 0; k < rest.length; k++) {
            if (at(p + 2 + k) != rest[k]) {
                return -1;
            }
        }
        int s = p + 2 + rest.length;
        int i = s;
        while (bearerChar(at(i))) {
            i++;
        }
        // Real tokens are long; "Bearer 2024-01-15" in prose is not one.
        if (i - s < 16) {
            return -1;
        }
        bearerStart = s;
        return i;
    }
    private static boolean bearerChar(int c) {
        return tokenChar(c) || c == '.' || c == '~' || c == '+' || c == '/' || c == '=';
    }

    private boolean isPemBegin(int p) {
        return startsWith(p, PEM_BEGIN);
    }

    private int pem(int p) {
        pemAttempt = true;
        if (!isPemBegin(p)) {
            return -1;
        }
        // Header: "-----BEGIN <words> PRIVATE KEY-----" on one line.
        int i = p + PEM_BEGIN.length;
        int limit = i + PEM_HEADER_MAX_BYTES;
        while (true) {
            int b = at(i);
            if (b == '-' || b < 0) {
                break;
            }
            if (!upper(b) && !digit(b) && b != ' ' || i >= limit) {
                return -1;
            }
            i++;
        }
        int k = i - (PRIVATE_KEY.length - 5);
        if (k < p + PEM_BEGIN.length || !startsWith(k, PRIVATE_KEY)) {
            return -1;
        }
        int e = pemEnd(k + PRIVATE_KEY.length);
        if (e < 0) {
            pemUnterminated = true;
            return end;
        }
        return e;
    }

    /** The end of the first "-----END ... PRIVATE KEY-----" at or after {@code i}, or -1. */
    private int pemEnd(int i) {
        while (true) {
            int b = at(i);
            if (b < 0) {
                return -1;
            }
            if (b == '-' && startsWith(i, PEM_END)) {
                int j = i + PEM_END.length;
                while (true) {
                    int c = at(j);
                    if (c < 0) {
                        return -1;
                    }
                    if (c == '-') {
                        break;
                    }
                    j++;
                }
                if (startsWith(j, DASHES)) {
                    return j + DASHES.length;
                }
                i = j;
                continue;
            }
            i++;
        }
    }

    // --- email -----------------------------------------------------------------------------------------------

    private static boolean localChar(int c) {
        return alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
    }

    private int email(int p, int c, int prev) {
        if (!localChar(c) || c == '.' || localChar(prev) || prev == '@') {
            return -1;
        }
        int i = p;
        while (localChar(at(i))) {
            i++;
        }
        if (at(i) != '@' || i == p) {
            return -1;
        }
        i++;
        int labels = 0;
        int lastStart = -1;
        int lastEnd = -1;
        while (true) {
            int s = i;
            while (alnum(at(i)) || at(i) == '-') {
                i++;
            }
            if (i == s) {
                break;
            }
            labels++;
            lastStart = s;
            lastEnd = i;
            if (at(i) == '.' && alnum(at(i + 1))) {
                i++;
                continue;
            }
            break;
        }
        if (labels < 2 || lastEnd - lastStart < 2) {
            return -1;
        }
        for (int k = lastStart; k < lastEnd; k++) {
            if (!letter(t[k] & 0xFF)) {
                return -1;
            }
        }
        return lastEnd;
    }

    // --- numbers ---------------------------------------------------------------------------------------------

    /** Left boundary for a number: not inside a word, a longer number, a decimal or a version. */
    private static boolean numberStart(int prev) {
        return !alnum(prev) && prev != '_' && prev != '.' && prev != '-' && prev != '+' && prev != '/';
    }

    /** Right boundary after a number ending before {@code i}: no word, no further number or dotted part. */
    private boolean numberEnd(int i) {
        int b = at(i);
        if (alnum(b) || b == '_') {
            return false;
        }
        if (b == '-' || b == '.' || b == '/') {
            return !digit(at(i + 1));
        }
        return true;
    }

    private int digits(int i, int n) {
        for (int k = 0; k < n; k++) {
            if (!digit(at(i + k))) {
                return -1;
            }
        }
        return i + n;
    }

    private int num(int i, int n) {
        int v = 0;
        for (int k = 0; k < n; k++) {
            v = v * 10 + (t[i + k] - '0');
        }
        return v;
    }

    private int ssn(int p, int c, int prev) {
        if (!digit(c) || !numberStart(prev)) {
            return -1;
        }
        if (digits(p, 3) < 0 || at(p + 3) != '-' || digits(p + 4, 2) < 0 || at(p + 6) != '-'
            || digits(p + 7, 4) < 0 || !numberEnd(p + 11)) {
            return -1;
        }
        int area = num(p, 3);
        if (area == 0 || area == 666 || area >= 900 || num(p + 4, 2) == 0 || num(p + 7, 4) == 0) {
            return -1;
        }
        return p + 11;
    }

    private int card(int p, int c, int prev) {
        if (!digit(c) || !numberStart(prev)) {
            return -1;
        }
        int n = 0;
        int groups = 0;
        int i = p;
        int sep = 0;
        boolean overflow = false;
        while (true) {
            int b = at(i);
            if (digit(b)) {
                if (n == CARD_MAX_DIGITS) {
                    overflow = true;
                    break;
                }
                scratch[n++] = (byte) (b - '0');
                i++;
                continue;
            }
            // Grouped by one kind of separator throughout: "4111 1111 1111 1111 123-45-6789" is two values.
            if ((b == ' ' || b == '-') && (sep == 0 || b == sep) && digit(at(i + 1))) {
                sep = b;
                groupEnds[groups] = i;
                groupCounts[groups++] = n;
                i++;
                continue;
            }
            break;
        }
        if (!overflow && numberEnd(i) && n >= 13 && luhn(n)) {
            return i;
        }
        for (int g = groups - 1; g >= 0; g--) {
            int count = groupCounts[g];
            if (count >= 13 && count <= CARD_MAX_DIGITS && luhn(count)) {
                return groupEnds[g];
            }
        }
        return -1;
    }

    private boolean luhn(int n) {
        int sum = 0;
        for (int k = 0; k < n; k++) {
            int d = scratch[n - 1 - k];
            if ((k & 1) == 1) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
        }
        return sum % 10 == 0;
    }

    private int phone(int p, int c, int prev) {
        if (c == '+') {
            return international(p, prev);
        }
        if (c != '(' && !digit(c) || !numberStart(prev) || prev == '(') {
            return -1;
        }
        int i;
        if (c == '(') {
            if (digits(p + 1, 3) < 0 || at(p + 4) != ')') {
                return -1;
            }
            i = at(p + 5) == ' ' ? p + 6 : p + 5;
            if (digits(i, 3) < 0 || at(i + 3) != '-' || digits(i + 4, 4) < 0) {
                return -1;
            }
            i += 8;
        } else {
            int sep = at(p + 3);
            if (digits(p, 3) < 0 || sep != '-' && sep != '.' || digits(p + 4, 3) < 0 || at(p + 7) != sep
                || digits(p + 8, 4) < 0) {
                return -1;
            }
            i = p + 12;
        }
        return numberEnd(i) ? i : -1;
    }

    private int international(int p, int prev) {
        if (alnum(prev) || prev == '+' || !digit(at(p + 1)) || at(p + 1) == '0') {
            return -1;
        }
        int i = p + 1;
        int n = 0;
        int lastDigitEnd = -1;
        int seps = 0;
        // The end of the last digit group at which the number was already long enough: a number that runs on
        // into the next value ("+972 801989 123-45-6789") ends there.
        int groupEnd = -1;
        while (true) {
            int b = at(i);
            if (digit(b)) {
                if (++n > 15) {
                    return groupEnd;
                }
                i++;
                lastDigitEnd = i;
                seps = 0;
            } else if ((b == ' ' || b == '-' || b == '.' || b == '(' || b == ')') && ++seps <= 2) {
                if (seps == 1 && n >= 8) {
                    groupEnd = i;
                }
                i++;
            } else {
                break;
            }
        }
        if (n < 8 || alnum(at(lastDigitEnd))) {
            return groupEnd;
        }
        return lastDigitEnd;
    }

    // --- IBAN ------------------------------------------------------------------------------------------------

    private int iban(int p, int c, int prev) {
        if (!upper(c) || alnum(prev)) {
            return -1;
        }
        if (!upper(at(p + 1)) || !digit(at(p + 2)) || !digit(at(p + 3))) {
            return -1;
        }
        for (int k = 0; k < 4; k++) {
            scratch[k] = t[p + k];
        }
        int n = 4;
        int i = p + 4;
        if (at(i) == ' ') {
            // Grouped in fours by single spaces; the last group may be shorter. Longest valid prefix wins.
            int best = -1;
            while (at(i) == ' ' && ibanChar(at(i + 1))) {
                int g = i + 1;
                int len = 0;
                while (len < 4 && ibanChar(at(g + len)) && n < IBAN_MAX_CHARS) {
                    scratch[n++] = t[g + len];
                    len++;
                }
                i = g + len;
                if (alnum(at(i))) {
                    break;
                }
                if (n >= IBAN_MIN_CHARS && mod97(n)) {
                    best = i;
                }
                if (len < 4) {
                    break;
                }
            }
            return best;
        }
        while (ibanChar(at(i))) {
            if (n == IBAN_MAX_CHARS) {
                return -1;
            }
            scratch[n++] = t[i++];
        }
        return !alnum(at(i)) && n >= IBAN_MIN_CHARS && mod97(n) ? i : -1;
    }

    private static boolean ibanChar(int c) {
        return upper(c) || digit(c);
    }

    private boolean mod97(int n) {
        int r = 0;
        for (int k = 4; k < n + 4; k++) {
            int ch = scratch[k % n];
            int v = ch <= '9' ? ch - '0' : ch - 'A' + 10;
            r = v >= 10 ? (r * 100 + v) % 97 : (r * 10 + v) % 97;
        }
        return r == 1;
    }

    // --- IP --------------------------------------------------------------------------------------------------

    private int ip(int p, int c, int prev) {
        if (alnum(prev) || prev == '.' || prev == ':' || prev == '_') {
            return -1;
        }
        int e = digit(c) ? ipv4(p) : -1;
        if (e > 0) {
            return e;
        }
        return hex(c) || c == ':' ? ipv6(p) : -1;
    }

    private int ipv4(int p) {
        int i = p;
        for (int part = 0; part < 4; part++) {
            if (part > 0) {
                if (at(i) != '.') {
                    return -1;
                }
                i++;
            }
            int s = i;
            int v = 0;
            while (digit(at(i))) {
                v = v * 10 + (t[i] - '0');
                i++;
                if (i - s > 3) {
                    return -1;
                }
            }
            if (i == s || v > 255) {
                return -1;
            }
        }
        return numberEnd(i) ? i : -1;
    }

    private int ipv6(int p) {
        int i = p;
        while (hex(at(i)) || at(i) == ':') {
            if (i - p == IPV6_MAX_CHARS) {
                return -1;
            }
            i++;
        }
        int b = at(i);
        // A dot and a digit would be an embedded IPv4 form, not taken; a dot alone ends a sentence.
        if (alnum(b) || b == '_' || b == '.' && digit(at(i + 1))) {
            return -1;
        }
        int groups = 0;
        int colons = 0;
        int doubles = 0;
        int groupLen = 0;
        boolean anyDigit = false;
        for (int k = p; k < i; k++) {
            int ch = t[k];
            if (ch == ':') {
                colons++;
                if (groupLen > 0) {
                    groups++;
                } else if (k > p && t[k - 1] == ':') {
                    doubles++;
                } else if (k + 1 >= i || t[k + 1] != ':') {
                    return -1;
                }
                groupLen = 0;
            } else {
                anyDigit |= digit(ch);
                if (++groupLen > 4) {
                    return -1;
                }
            }
        }
        if (groupLen > 0) {
            groups++;
        } else if (t[i - 1] == ':' && (i - 2 < p || t[i - 2] != ':')) {
            return -1;
        }
        if (colons < 2 || doubles > 1 || !anyDigit) {
            return -1;
        }
        boolean leadingDouble = t[p] == ':';
        if (doubles == 1) {
            return groups <= 7 && (groups >= 2 || leadingDouble && groups >= 1) ? i : -1;
        }
        return groups == 8 ? i : -1;
    }

    private static byte[] ascii(String s) {
        byte[] b = new byte[s.length()];
        for (int k = 0; k < b.length; k++) {
            b[k] = (byte) s.charAt(k);
        }
        return b;
    }
}
