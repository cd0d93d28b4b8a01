package dev.sluice.codec.redact;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StreamRedactionTest {

    private static List<String> events(Function<String, String> event, String... parts) {
        List<String> out = new ArrayList<>();
        for (String p : parts) {
            out.add(event.apply(p));
        }
        return out;
    }

    @Test
    void shouldCatchEmailSplitAcrossTwoOpenAiEvents() {
        List<String> in = events(Sse::openAiContent, "write to john.sm", "ith@example.com now");
        in.add(Sse.OPENAI_DONE);
        RedactionCounts counts = new RedactionCounts();
        String out = Redact.stream(in, counts);

        assertThat(out).doesNotContain("john.sm", "ith@example.com");
        assertThat(Sse.joined(out, "content")).isEqualTo("write to [REDACTED:email] now");
        assertThat(Sse.events(out)).hasSize(2);
        assertThat(out).endsWith(Sse.OPENAI_DONE);
        assertThat(counts.count("email")).isEqualTo(1);
        assertThat(counts.total()).isEqualTo(1);
    }

    @Test
    void shouldCatchCardSplitAcrossFiveAnthropicEvents() {
        List<String> in = new ArrayList<>();
        in.add(Sse.ANTHROPIC_START);
        in.addAll(events(Sse::anthropicText, "Your card 41", "11 11", "11 1111 ", "11", "11 is on file."));
        in.add(Sse.ANTHROPIC_STOP);
        RedactionCounts counts = new RedactionCounts();
        String out = Redact.stream(in, counts);

        assertThat(Sse.joined(out, "text")).isEqualTo("Your card [REDACTED:card] is on file.");
        assertThat(out).doesNotContain("41", "1111");
        assertThat(Sse.events(out)).hasSize(7);
        assertThat(counts.count("card")).isEqualTo(1);
    }

    @Test
    void shouldCatchSecretSplitAcrossFiveOpenAiEvents() {
        String key = "sk-proj-Abcdefghijklmnopqrstuvwxyz0123456789";
        List<String> in = events(Sse::openAiContent, "key: " + key.substring(0, 3), key.substring(3, 10),
            key.substring(10, 20), key.substring(20, 30), key.substring(30) + ".");
        RedactionCounts counts = new RedactionCounts();
        String out = Redact.stream(in, counts);

        assertThat(Sse.joined(out, "content")).isEqualTo("key: [REDACTED:secret].");
        assertThat(out).doesNotContain("Abcdefghij", "0123456789");
        assertThat(counts.count("secret")).isEqualTo(1);
    }

    @Test
    void shouldCatchValuesInToolArgumentsOfBothDialects() {
        RedactionCounts counts = new RedactionCounts();
        String openAi = Redact.stream(events(Sse::openAiArguments, "{\"phone\":\"+1 555", " 123 45", "67\"}"), counts);
        String anthropic = Redact.stream(
            events(Sse::anthropicPartialJson, "{\"ssn\": \"123-4", "5-6789\", \"ip\": \"192.16", "8.0.1\"}"), counts);

        assertThat(Sse.joined(openAi, "arguments")).isEqualTo("{\"phone\":\"[REDACTED:phone]\"}");
        assertThat(Sse.joined(anthropic, "partial_json"))
            .isEqualTo("{\"ssn\": \"[REDACTED:ssn]\", \"ip\": \"[REDACTED:ip]\"}");
        assertThat(counts.count("phone")).isEqualTo(1);
        assertThat(counts.count("ssn")).isEqualTo(1);
        assertThat(counts.count("ip")).isEqualTo(1);
    }

    @Test
    void shouldCatchValuesInThinkingAndResponsesDeltas() {
        RedactionCounts counts = new RedactionCounts();
        String thinking = Redact.stream(events(Sse::anthropicThinking, "user is jane@", "example.org."), counts);
        String responses = Redact.stream(events(Sse::responsesDelta, "IBAN GB82 WE", "ST 1234 5698 7654 32."), counts);

        assertThat(Sse.joined(thinking, "thinking")).isEqualTo("user is [REDACTED:email].");
        assertThat(Sse.joined(responses, "delta")).isEqualTo("IBAN [REDACTED:iban].");
        assertThat(counts.count("email")).isEqualTo(1);
        assertThat(counts.count("iban")).isEqualTo(1);
    }

    @Test
    void shouldCatchEscapedValueSplitAcrossEvents() {
        // The escapes stay as the provider wrote them (quote() would decode nothing: build the JSON by hand).
        String e1 = "data: {\"choices\":[{\"delta\":{\"content\":\"mail john\\u0040exa\"}}]}\n\n";
        String e2 = "data: {\"choices\":[{\"delta\":{\"content\":\"mple\\u002ecom\\n bye\"}}]}\n\n";
        RedactionCounts counts = new RedactionCounts();
        String out = Redact.stream(List.of(e1, e2), counts);

        assertThat(out).doesNotContain("john", "exa", "mple");
        assertThat(Sse.joined(out, "content")).isEqualTo("mail [REDACTED:email]\n bye");
        assertThat(counts.count("email")).isEqualTo(1);
    }

    @Test
    void shouldCatchValueWhenBytesSplitInsideAnEscape() {
        String sse = "data: {\"choices\":[{\"delta\":{\"content\":\"to john\\u0040example.com ok\"}}]}\n\n";
        for (int cut = 1; cut < sse.length(); cut++) {
            RedactionCounts counts = new RedactionCounts();
            String out = Redact.stream(List.of(sse.substring(0, cut), sse.substring(cut)), counts);
            assertThat(Sse.joined(out, "content")).as("cut at %d", cut).isEqualTo("to [REDACTED:email] ok");
            assertThat(counts.count("email")).isEqualTo(1);
        }
    }

    @Test
    void shouldRedactOtherFieldsOneByOne() {
        String e = "data: {\"id\":\"chatcmpl-1\",\"user\":\"john@example.com\",\"choices\":[]}\n\n";
        RedactionCounts counts = new RedactionCounts();
        String out = Redact.stream(List.of(e), counts);
        assertThat(out).isEqualTo("data: {\"id\":\"chatcmpl-1\",\"user\":\"[REDACTED:email]\",\"choices\":[]}\n\n");
        assertThat(counts.count("email")).isEqualTo(1);
    }

    @Test
    void shouldHoldPemBlockUntilItsEndLine() {
        String pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn\nygWyF8PbnGy0AHB7MbcdEfgh\n"
            + "-----END RSA PRIVATE KEY-----";
        List<String> in = new ArrayList<>();
        in.add(Sse.anthropicText("here: "));
        for (int i = 0; i < pem.length(); i += 7) {
            in.add(Sse.anthropicText(pem.substring(i, Math.min(pem.length(), i + 7))));
        }
        in.add(Sse.anthropicText("\ndone"));
        RedactionCounts counts = new RedactionCounts();
        String out = Redact.stream(in, counts);

        assertThat(Sse.joined(out, "text")).isEqualTo("here: [REDACTED:secret]\ndone");
        assertThat(out).doesNotContain("MIIE", "BEGIN", "END");
        assertThat(counts.count("secret")).isEqualTo(1);
    }

    @Test
    void shouldRedactUnterminatedPemToTheEndOfTheStream() {
        RedactionCounts counts = new RedactionCounts();
        String out = Redact.stream(events(Sse::openAiContent, "-----BEGIN PRIVATE KEY-----\nMIIE", "owIBAAKCAQEA"),
            counts);
        assertThat(Sse.joined(out, "content")).isEqualTo("[REDACTED:secret]");
        assertThat(counts.count("secret")).isEqualTo(1);
    }

    @Test
    void shouldRedactPemBlockLongerThanTheHoldBack() {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 1600; i++) {
            body.append("MIIEowIBAAKCAQEA0Z3VS5JJcds3xfnygWyF8PbnGy0AHB7MbcdEfghABCDEFGH").append(i % 10).append('\n');
        }
        String pem = "-----BEGIN PRIVATE KEY-----\n" + body + "-----END PRIVATE KEY-----";
        List<String> in = new ArrayList<>();
        in.add(Sse.openAiContent("key "));
        for (int i = 0; i < pem.length(); i += 500) {
            in.add(Sse.openAiContent(pem.substring(i, Math.min(pem.length(), i + 500))));
        }
        in.add(Sse.openAiContent(" and mail a@example.com"));
        RedactionCounts counts = new RedactionCounts();
        String out = Redact.stream(in, counts);

        // Over 100 KiB: the first 64 KiB are redacted when the cap is reached, the rest up to the END line after.
        assertThat(out).doesNotContain("MIIE", "END PRIVATE", "a@example.com");
        assertThat(Sse.joined(out, "content")).startsWith("key [REDACTED:secret]").endsWith(" and mail [REDACTED:email]");
        assertThat(counts.count("secret")).isEqualTo(1);
        assertThat(counts.count("email")).isEqualTo(1);
    }

    @Test
    void shouldReleaseBytesThatCannotStartAMatch() {
        StreamRedaction s = Redactor.builtIn().newStreamRedaction();
        RedactionCounts counts = new RedactionCounts();
        byte[] e1 = Sse.openAiContent("Hello there, how are you? ").getBytes(UTF_8);
        s.accept(e1, 0, e1.length);
        assertThat(new String(s.out(), 0, s.drain(counts), UTF_8)).isEqualTo(new String(e1, UTF_8));

        byte[] e2 = Sse.openAiContent("Mail john").getBytes(UTF_8);
        s.accept(e2, 0, e2.length);
        String held = new String(s.out(), 0, s.drain(counts), UTF_8);
        // "john" could still become an address: output stops right before it.
        assertThat(held).endsWith("\"content\":\"Mail ");
        assertThat(new String(s.out(), 0, s.finish(counts), UTF_8)).startsWith("john\"}");
    }

    @Test
    void shouldBoundTheHoldBack() {
        StreamRedaction s = Redactor.builtIn().newStreamRedaction();
        RedactionCounts counts = new RedactionCounts();
        String word = "abcdefgh".repeat(4);
        int drained = 0;
        int fed = 0;
        for (int i = 0; i < 2000; i++) {
            byte[] e = Sse.openAiContent(word).getBytes(UTF_8);
            s.accept(e, 0, e.length);
            fed += e.length;
            drained += s.drain(counts);
        }
        // One unbroken token of 64 KB: no more than about 8 KiB of its text is held.
        assertThat(fed - drained).isLessThan(8 * 1024 * 4);
        assertThat(drained + s.finish(counts)).isEqualTo(fed);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 7, 64, 1000})
    void shouldCopyStreamByteForByteWhenNothingMatches(int seed) {
        Random rnd = new Random(seed);
        StringBuilder sse = new StringBuilder(Sse.ANTHROPIC_START);
        String[] words = {"the", "quick", "brown", "fox", "at", "12:30", "on", "2024-01-15", "v1.2.3", "\u00e9t\u00e9",
            "\"quoted\"", "back\\slash", "line\nbreak", "sk-", "eyJ", "-----", "+1", "(555)", "@", "x@y", "1.2.3",
            "4111", "DE89", "Bearer", ":", "::", "\u2603", "\ud83d\ude00"};
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 400; i++) {
            text.append(words[rnd.nextInt(words.length)]).append(rnd.nextInt(4) == 0 ? ", " : " ");
            if (rnd.nextInt(5) == 0) {
                String t = text.toString();
                sse.append(rnd.nextBoolean() ? Sse.anthropicText(t) : Sse.openAiContent(t));
                text.setLength(0);
            }
        }
        sse.append(Sse.anthropicText(text.toString())).append(Sse.ANTHROPIC_STOP);
        byte[] all = sse.toString().getBytes(UTF_8);
        List<byte[]> chunks = new ArrayList<>();
        for (int i = 0; i < all.length; ) {
            int n = Math.min(all.length - i, 1 + rnd.nextInt(rnd.nextBoolean() ? 8 : 300));
            byte[] c = new byte[n];
            System.arraycopy(all, i, c, 0, n);
            chunks.add(c);
            i += n;
        }
        RedactionCounts counts = new RedactionCounts();
        String out = Redact.stream(Redactor.builtIn().newStreamRedaction(), chunks, counts);
        assertThat(out).isEqualTo(sse.toString());
        assertThat(counts.total()).isZero();
    }

    /**
     * How a stream is cut into reads changes nothing: a stream with values to redact (some split across events, some
     * escaped) gives the same output and counts fed whole, in random pieces, and one byte at a time.
     */
    @ParameterizedTest
    @ValueSource(ints = {5, 11, 42})
    void shouldRedactTheSameFedWholeInPiecesOrByteByByte(int seed) {
        Random rnd = new Random(seed);
        String[] words = {"mail", "ann@example.com", "sk-proj-4f9XkQ2mZ8vR1tY6uW3pL0aB5cD7eF9g", "4111 1111 1111 1111",
            "\\u0040", "back\\\\slash", "quote\\\"d", "line\\nbreak", "\u00e9t\u00e9", "DE89370400440532013000",
            "192.168.1.20", "ok", "the", "+1 (555) 010-9999", "ghp_16C7e42F292c6912E7710c838347Ae178B4a"};
        StringBuilder sse = new StringBuilder();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            text.append(words[rnd.nextInt(words.length)]).append(' ');
            if (rnd.nextInt(4) == 0) {
                sse.append(Sse.openAiContent(text.toString()));
                text.setLength(0);
            }
        }
        sse.append(Sse.openAiContent(text.toString()));
        byte[] all = sse.toString().getBytes(UTF_8);
        RedactionCounts wholeCounts = new RedactionCounts();
        String whole = Redact.stream(Redactor.builtIn().newStreamRedaction(), List.of(all), wholeCounts);
        assertThat(wholeCounts.total()).as("values were found").isPositive();
        List<byte[]> pieces = Redact.pieces(all, rnd, 200);
        List<byte[]> bytes = Redact.pieces(all, rnd, 1);
        RedactionCounts pieceCounts = new RedactionCounts();
        RedactionCounts byteCounts = new RedactionCounts();
        assertThat(Redact.stream(Redactor.builtIn().newStreamRedaction(), pieces, pieceCounts)).isEqualTo(whole);
        assertThat(Redact.stream(Redactor.builtIn().newStreamRedaction(), bytes, byteCounts)).isEqualTo(whole);
        assertThat(pieceCounts.total()).isEqualTo(wholeCounts.total());
        assertThat(byteCounts.total()).isEqualTo(wholeCounts.total());
    }

    @Test
    void shouldRedactChunksOfOneJsonBody() {
        String body = "{\"id\":\"chatcmpl-1\",\"choices\":[{\"message\":{\"role\":\"assistant\","
            + "\"content\":\"Reach me at +44 20 7946 0958 or 10.20.30.40\"}}]}";
        RedactionCounts counts = new RedactionCounts();
        String out = Redact.stream(List.of(body.substring(0, 70), body.substring(70, 90), body.substring(90)), counts);
        assertThat(out).isEqualTo("{\"id\":\"chatcmpl-1\",\"choices\":[{\"message\":{\"role\":\"assistant\","
            + "\"content\":\"Reach me at [REDACTED:phone] or [REDACTED:ip]\"}}]}");
        assertThat(counts.total()).isEqualTo(2);
    }

    @Test
    void shouldServeAnotherStreamAfterReset() {
        StreamRedaction s = Redactor.builtIn().newStreamRedaction();
        RedactionCounts counts = new RedactionCounts();
        byte[] half = Sse.openAiContent("to john.sm").getBytes(UTF_8);
        s.accept(half, 0, half.length);
        s.drain(counts);
        s.reset();
        String out = Redact.stream(s, List.of(Sse.openAiContent("@example.com").getBytes(UTF_8)), counts);
        // Nothing of the first stream is left to join "@example.com" into an address.
        assertThat(out).isEqualTo(Sse.openAiContent("@example.com"));
        assertThat(counts.total()).isZero();
    }

    @Test
    void shouldPassEverythingThroughWithNone() {
        String in = Sse.openAiContent("john@example.com");
        RedactionCounts counts = new RedactionCounts();
        String out = Redact.stream(Redactor.none().newStreamRedaction(), List.of(in.getBytes(UTF_8)), counts);
        assertThat(out).isEqualTo(in);
        assertThat(counts.total()).isZero();
    }
}
