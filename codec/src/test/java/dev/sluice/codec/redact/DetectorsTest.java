package dev.sluice.codec.redact;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Each built-in detector on plain text (a body that is not JSON is scanned as one text). */
class DetectorsTest {

    private static String redact(String text, RedactionCounts counts) {
        return Redact.body(text, counts);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "email|john.smith@example.com",
        "email|a+tag_1%x@mail.sub.example.co.uk",
        "email|x-y@d-e.io",
        "phone|+1 555 123 4567",
        "phone|+44 (0)20 7946 0958",
        "phone|+49-30-1234567",
        "phone|+33.1.23.45.67.89",
        "phone|+14155552671",
        "phone|(555) 123-4567",
        "phone|(555)123-4567",
        "phone|555-123-4567",
        "phone|555.123.4567",
        "card|4111 1111 1111 1111",
        "card|4111-1111-1111-1111",
        "card|4111111111111111",
        "card|5500 0000 0000 0004",
        "card|3782 822463 10005",
        "card|6011000990139424",
        "iban|DE89 3704 0044 0532 0130 00",
        "iban|DE89370400440532013000",
        "iban|GB82 WEST 1234 5698 7654 32",
        "iban|FR1420041010050500013M02606",
        "iban|NO9386011117947",
        "ssn|123-45-6789",
        "ssn|078-05-1120",
        "ip|192.168.1.1",
        "ip|10.0.0.255",
        "ip|0.0.0.0",
        "ip|2001:0db8:85a3:0000:0000:8a2e:0370:7334",
        "ip|2001:db8::8a2e:370:7334",
        "ip|::1",
        "ip|fe80::1",
        "secret|sk-abcdefghijklmnopqrstuvwxyz0123456789ABCD",
        "secret|sk-proj-Abc_def-ghi0123456789jklmnopqrstu",
        "secret|sk-ant-api03-abcdefghijklmnopqrstuvwxyz012345-ABC",
        "secret|AKIAIOSFODNN7EXAMPLE",
        "secret|ASIAY34FZKBOKMUTVV7A",
        "secret|ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        "secret|gho_abcdefghijklmnopqrstuvwxyz0123456789",
        "secret|ghs_abcdefghijklmnopqrstuvwxyz0123456789",
        "secret|github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
        "secret|xoxb-1234567890-abcdefghij",
        "secret|xoxp-1234567890-1234567890-abcdef",
        "secret|AIzaSyA-abcdefghijklmnopqrstuvwxyz01234",
        "secret|sk_live_abcdefghijklmnop1234",
        "secret|rk_live_abcdefghijklmnop1234",
        "secret|eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    })
    void shouldRedactValueInProse(String label, String value) {
        RedactionCounts counts = new RedactionCounts();
        String out = redact("before " + value + " after", counts);
        assertThat(out).isEqualTo("before [REDACTED:" + label + "] after");
        assertThat(counts.count(label)).isEqualTo(1);
        assertThat(counts.total()).isEqualTo(1);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "email|mail me (john@example.com).",
        "email|<john@example.com>",
        "phone|call 555-123-4567, thanks",
        "ip|host 10.1.2.3:8080 up",
        "ip|[::1]:8080",
        "card|card:4111111111111111;",
    })
    void shouldRedactValueBetweenPunctuation(String label, String text) {
        RedactionCounts counts = new RedactionCounts();
        String out = redact(text, counts);
        assertThat(out).contains("[REDACTED:" + label + "]");
        assertThat(counts.count(label)).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "4111 1111 1111 1112",          // Luhn fails
        "4111111111111112",
        "1234567890123",                 // Luhn fails
        "DE88 3704 0044 0532 0130 00",   // bad IBAN check
        "DE89 3704 0044 0532 0130 02",
        "DE00370400440532013000",
        "000-12-3456",                   // SSN area 000
        "666-12-3456",
        "900-12-3456",
        "123-00-4567",
        "123-45-0000",
        "999.1.1.1",                     // octet > 255
        "1.2.3.256",
        "1.2.3",
        "1.2.3.4.5",
        "v1.2.3.4",
        "12:30:45",                      // times
        "at 12:30 or 23:59:59",
        "2024-01-15",                    // ISO dates
        "2024-01-15T10:20:30Z",
        "version 1.2.3 and 10.20.30-beta",
        "order_4111111111111111",       // inside an identifier
        "id4111111111111111",
        "sk-short",
        "AKIAIOSFODNN7EXAMPL",
        "AKIAIOSFODNN7EXAMPLE1",
        "ghp_short",
        "eyJhbGciOiJIUzI1NiJ9",
        "Bearer abc",
        "Bearer 2024-01-15",
        "john@localhost",
        "john@example.c",
        "john@example.123",
        "@example.com",
        "std::vector and Foo::Bar",
        "+1 23",
        "123456789012345678901234",
        "a:b:c",
        "ab::",
        "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----",
        "plain words with no data",
    })
    void shouldNotRedactNearMiss(String text) {
        RedactionCounts counts = new RedactionCounts();
        assertThat(redact(text, counts)).isEqualTo(text);
        assertThat(counts.total()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bearer", "bearer", "BEARER"})
    void shouldRedactOnlyTheBearerToken(String word) {
        RedactionCounts counts = new RedactionCounts();
        String out = redact("Authorization: " + word + " abc.DEF-ghi_jkl~123+/=", counts);
        assertThat(out).isEqualTo("Authorization: " + word + " [REDACTED:secret]");
        assertThat(counts.count("secret")).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY",
        "ENCRYPTED PRIVATE KEY"})
    void shouldRedactWholePemBlock(String kind) {
        String pem = "-----BEGIN " + kind + "-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7\n"
            + "abcdefghijklmnopqrstuvwxyz0123456789+/==\n-----END " + kind + "-----";
        RedactionCounts counts = new RedactionCounts();
        assertThat(redact("key:\n" + pem + "\nend", counts)).isEqualTo("key:\n[REDACTED:secret]\nend");
        assertThat(counts.count("secret")).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.2.3.4 5", "192.168.0.1", "2001:db8:0:0:0:0:2:1"})
    void shouldCountEachAddress(String ip) {
        RedactionCounts counts = new RedactionCounts();
        redact(ip + " and " + ip, counts);
        assertThat(counts.count("ip")).isEqualTo(2);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "4111 1111 1111 1111 2024|[REDACTED:card] 2024",
        "DE89 3704 0044 0532 0130 00 THE END|[REDACTED:iban] THE END",
        "mail john@example.com.|mail [REDACTED:email].",
        "+1 555 123 4567 ext|[REDACTED:phone] ext",
    })
    void shouldStopAtTheEndOfTheValue(String text, String expected) {
        assertThat(redact(text, new RedactionCounts())).isEqualTo(expected);
    }
}
