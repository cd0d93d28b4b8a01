package dev.sluice.testsupport;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Random;

/**
 * Random values of every type the journal's redaction detects, each valid by its type's rules (a card passes Luhn,
 * an IBAN its check digits), for the planted corpus tests: plant them, then look for them where they must not be.
 * <p>
 * Confined to one thread (it draws from the caller's {@link Random}).
 */
public final class PlantedValues {
    /** The types, by their redaction labels. */
    public static final String[] TYPES = {"email", "phone", "card", "iban", "ssn", "ip", "secret"};

    private static final String LOWER = "abcdefghijklmnopqrstuvwxyz";
    private static final String UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private static final String DIGITS = "0123456789";
    private static final String ALNUM = LOWER + UPPER + DIGITS;
    private static final String[][] IBAN_COUNTRIES = {{"DE", "18"}, {"GB", "18"}, {"FR", "23"}, {"NO", "11"},
        {"NL", "14"}, {"ES", "20"}};

    private final Random rnd;
    /** For a bearer token the raw value is the token alone; the rest of the planted text stays. */
    public String raw;

    public PlantedValues(Random rnd) {
        this.rnd = rnd;
    }

    /** A value of {@code type}, as it is planted in text; {@link #raw} is what must not survive. */
    public String next(String type) {
        String v = switch (type) {
            case "email" -> email();
            case "phone" -> phone();
            case "card" -> card();
            case "iban" -> iban();
            case "ssn" -> ssn();
            case "ip" -> ip();
            case "secret" -> secret();
            default -> throw new IllegalArgumentException(type);
        };
        if (raw == null) {
            raw = v;
        }
        return v;
    }

    private String pick(String from, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(from.charAt(rnd.nextInt(from.length())));
        }
        return sb.toString();
    }

    private int between(int lo, int hi) {
        return lo + rnd.nextInt(hi - lo + 1);
    }

    private String email() {
        String local = pick(LOWER, 1) + pick(LOWER + DIGITS + "._+-", between(0, 12)) + pick(LOWER + DIGITS, 1);
        local = local.replace("..", ".x");
        StringBuilder domain = new StringBuilder();
        for (int i = between(1, 3); i > 0; i--) {
            domain.append(pick(LOWER + DIGITS, between(1, 10))).append('.');
        }
        return local + "@" + domain + pick(LOWER, between(2, 6));
    }

    private String phone() {
        if (rnd.nextBoolean()) {
            String a = between(2, 9) + pick(DIGITS, 2);
            String b = pick(DIGITS, 3);
            String c = pick(DIGITS, 4);
            return switch (rnd.nextInt(4)) {
                case 0 -> "(" + a + ") " + b + "-" + c;
                case 1 -> a + "-" + b + "-" + c;
                case 2 -> a + "." + b + "." + c;
                default -> "(" + a + ")" + b + "-" + c;
            };
        }
        String cc = between(1, 9) + pick(DIGITS, between(0, 2));
        String rest = pick(DIGITS, between(8, 15) - cc.length());
        if (rest.isEmpty()) {
            rest = pick(DIGITS, 1);
        }
        String sep = new String[] {" ", "-", ".", ""}[rnd.nextInt(4)];
        StringBuilder sb = new StringBuilder("+").append(cc);
        for (int i = 0; i < rest.length(); i += 3) {
            sb.append(sep.isEmpty() && i == 0 ? " " : sep).append(rest, i, Math.min(rest.length(), i + 3));
        }
        return sb.toString();
    }

    private String card() {
        String[] prefixes = {"4", "51", "55", "37", "6011", "35"};
        String p = prefixes[rnd.nextInt(prefixes.length)];
        int len = between(13, 19);
        String body = p + pick(DIGITS, len - 1 - p.length());
        String number = body + luhnDigit(body);
        String sep = new String[] {" ", "-", ""}[rnd.nextInt(3)];
        if (sep.isEmpty()) {
            return number;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < number.length(); i += 4) {
            sb.append(i == 0 ? "" : sep).append(number, i, Math.min(number.length(), i + 4));
        }
        return sb.toString();
    }

    private static int luhnDigit(String body) {
        int sum = 0;
        for (int i = 0; i < body.length(); i++) {
            int d = body.charAt(body.length() - 1 - i) - '0';
            if (i % 2 == 0) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
        }
        return (10 - sum % 10) % 10;
    }

    private String iban() {
        String[] c = IBAN_COUNTRIES[rnd.nextInt(IBAN_COUNTRIES.length)];
        int n = Integer.parseInt(c[1]);
        String bban = c[0].equals("GB") || c[0].equals("NL")
            ? pick(UPPER, 4) + pick(DIGITS, n - 4) : pick(DIGITS, n);
        StringBuilder num = new StringBuilder();
        for (char ch : (bban + c[0] + "00").toCharArray()) {
            num.append(Character.digit(ch, 36));
        }
        int check = 98 - new BigInteger(num.toString()).mod(BigInteger.valueOf(97)).intValue();
        String iban = c[0] + (check < 10 ? "0" : "") + check + bban;
        if (rnd.nextBoolean()) {
            return iban;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < iban.length(); i += 4) {
            sb.append(i == 0 ? "" : " ").append(iban, i, Math.min(iban.length(), i + 4));
        }
        return sb.toString();
    }

    private String ssn() {
        int area;
        do {
            area = between(1, 899);
        } while (area == 666);
        return String.format("%03d-%02d-%04d", area, between(1, 99), between(1, 9999));
    }

    private String ip() {
        if (rnd.nextBoolean()) {
            return between(0, 255) + "." + between(0, 255) + "." + between(0, 255) + "." + between(0, 255);
        }
        String[] g = new String[8];
        for (int i = 0; i < 8; i++) {
            g[i] = Integer.toHexString(rnd.nextInt(0x10000));
        }
        g[0] = "2001";
        if (rnd.nextBoolean()) {
            return String.join(":", g);
        }
        int keep = between(1, 3);
        return g[0] + ":" + g[1] + "::" + String.join(":", Arrays.copyOfRange(g, 8 - keep, 8));
    }

    private String secret() {
        String token = pick(ALNUM, between(40, 60));
        switch (rnd.nextInt(14)) {
            case 0: return "sk-" + pick(ALNUM, 48);
            case 1: return "sk-proj-" + pick(ALNUM + "_-", 40) + pick(ALNUM, 4);
            case 2: return "sk-ant-api03-" + pick(ALNUM + "_-", 80) + pick(ALNUM, 4);
            case 3: return "AKIA" + pick(UPPER + DIGITS, 16);
            case 4: return "ASIA" + pick(UPPER + DIGITS, 16);
            case 5: return "gh" + "posu".charAt(rnd.nextInt(4)) + "_" + pick(ALNUM, 36);
            case 6: return "github_pat_" + pick(ALNUM, 22) + "_" + pick(ALNUM, 59);
            case 7: return "xox" + "abpr".charAt(rnd.nextInt(4)) + "-" + pick(DIGITS, 12) + "-" + pick(ALNUM, 24);
            case 8: return "AIza" + pick(ALNUM + "_-", 34) + pick(ALNUM, 1);
            case 9: return (rnd.nextBoolean() ? "sk" : "rk") + "_live_" + pick(ALNUM, 24);
            case 10: return "eyJ" + pick(ALNUM + "_-", between(10, 40)) + "." + pick(ALNUM + "_-", between(10, 80))
                + "." + pick(ALNUM + "_-", 42) + pick(ALNUM, 1);
            case 11:
                raw = token;
                return "Bearer " + token;
            default:
                StringBuilder pem = new StringBuilder("-----BEGIN RSA PRIVATE KEY-----\n");
                for (int i = between(2, 6); i > 0; i--) {
                    pem.append(pick(ALNUM + "+/", 64)).append('\n');
                }
                return pem.append("-----END RSA PRIVATE KEY-----").toString();
        }
    }
}
