package dev.sluice.codec.redact;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class JsonRedactionTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldRedactOpenAiRequestMessagesAndToolArguments() throws Exception {
        String body = "{\"model\":\"gpt-4o\",\"messages\":["
            + "{\"role\":\"system\",\"content\":\"Support agent. Escalate to ops@example.com.\"},"
            + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"my card is 4111 1111 1111 1111\"}]},"
            + "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":"
            + "{\"name\":\"lookup\",\"arguments\":\"{\\\"ssn\\\":\\\"123-45-6789\\\",\\\"ip\\\":\\\"10.0.0.1\\\"}\"}}]}"
            + "],\"user\":\"john@example.com\",\"max_tokens\":100}";
        RedactionCounts counts = new RedactionCounts();
        String out = Redact.body(body, counts);

        assertThat(out).doesNotContain("ops@example.com", "4111", "123-45-6789", "10.0.0.1", "john@example.com");
        JsonNode tree = JSON.readTree(out);
        assertThat(tree.at("/messages/0/content").asText()).isEqualTo("Support agent. Escalate to [REDACTED:email].");
        assertThat(tree.at("/messages/1/content/0/text").asText()).isEqualTo("my card is [REDACTED:card]");
        assertThat(tree.at("/messages/2/tool_calls/0/function/arguments").asText())
            .isEqualTo("{\"ssn\":\"[REDACTED:ssn]\",\"ip\":\"[REDACTED:ip]\"}");
        assertThat(tree.at("/user").asText()).isEqualTo("[REDACTED:email]");
        assertThat(tree.at("/model").asText()).isEqualTo("gpt-4o");
        assertThat(tree.at("/max_tokens").asInt()).isEqualTo(100);
        assertThat(counts.count("email")).isEqualTo(2);
        assertThat(counts.count("card")).isEqualTo(1);
        assertThat(counts.count("ssn")).isEqualTo(1);
        assertThat(counts.count("ip")).isEqualTo(1);
        assertThat(counts.total()).isEqualTo(5);
    }

    @Test
    void shouldRedactAnthropicRequestSystemMessagesAndToolResults() throws Exception {
        String body = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1024,"
            + "\"system\":[{\"type\":\"text\",\"text\":\"Key: sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123\"}],"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"IBAN DE89 3704 0044 0532 0130 00 please\"},"
            + "{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"toolu_01\",\"name\":\"pay\","
            + "\"input\":{\"phone\":\"+1 555 123 4567\"}}]},"
            + "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_01\","
            + "\"content\":\"sent from 2001:db8::1\"}]}]}";
        RedactionCounts counts = new RedactionCounts();
        String out = Redact.body(body, counts);

        JsonNode tree = JSON.readTree(out);
        assertThat(tree.at("/system/0/text").asText()).isEqualTo("Key: [REDACTED:secret]");
        assertThat(tree.at("/messages/0/content").asText()).isEqualTo("IBAN [REDACTED:iban] please");
        assertThat(tree.at("/messages/1/content/0/input/phone").asText()).isEqualTo("[REDACTED:phone]");
        assertThat(tree.at("/messages/2/content/0/content").asText()).isEqualTo("sent from [REDACTED:ip]");
        assertThat(tree.at("/messages/1/content/0/id").asText()).isEqualTo("toolu_01");
        assertThat(counts.total()).isEqualTo(4);
    }

    @Test
    void shouldNotRedactKeys() {
        String body = "{\"john@example.com\":\"x\",\"a\":{\"10.0.0.1\":1}}";
        RedactionCounts counts = new RedactionCounts();
        assertThat(Redact.body(body, counts)).isEqualTo(body);
        assertThat(counts.total()).isZero();
    }

    @Test
    void shouldCatchEscapedValuesAndReplaceTheWholeEscape() throws Exception {
        String body = "{\"content\":\"mail john\\u0040example.com or j\\u006fhn\\u002esmith\\u0040example\\u002ecom\\n"
            + "card 4111\\u00201111\\u00201111\\u00201111\"}";
        RedactionCounts counts = new RedactionCounts();
        String out = Redact.body(body, counts);
        assertThat(JSON.readTree(out).get("content").asText())
            .isEqualTo("mail [REDACTED:email] or [REDACTED:email]\ncard [REDACTED:card]");
        assertThat(counts.count("email")).isEqualTo(2);
        assertThat(counts.count("card")).isEqualTo(1);
    }

    @Test
    void shouldRedactValuesInALargeBody() throws Exception {
        String filler = "lorem ipsum dolor sit amet ".repeat(20_000);
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + filler + "x@example.com "
            + filler + "4111 1111 1111 1111\"}]}";
        RedactionCounts counts = new RedactionCounts();
        String out = Redact.body(body, counts);
        assertThat(JSON.readTree(out).at("/messages/0/content").asText())
            .isEqualTo(filler + "[REDACTED:email] " + filler + "[REDACTED:card]");
        assertThat(counts.total()).isEqualTo(2);
    }

    @Test
    void shouldRedactTextThatIsNotJson() {
        RedactionCounts counts = new RedactionCounts();
        assertThat(Redact.body("plain \"text\" from john@example.com {", counts))
            .isEqualTo("plain \"text\" from [REDACTED:email] {");
        assertThat(counts.count("email")).isEqualTo(1);
    }

    @Test
    void shouldCopyBodyWithNothingToRedact() {
        String body = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"caf\\u00e9 \u00e9t\u00e9 at 12:30\"}],"
            + "\"temperature\":0.7,\"stream\":true,\"stop\":null}";
        RedactionCounts counts = new RedactionCounts();
        assertThat(Redact.body(body, counts)).isEqualTo(body);
        assertThat(counts.total()).isZero();
    }

    @Test
    void shouldBeReusableAcrossBodies() {
        JsonRedaction j = Redactor.builtIn().newJsonRedaction();
        RedactionCounts counts = new RedactionCounts();
        byte[] first = "{\"content\":\"a@example.com and more text here\"}".getBytes(UTF_8);
        byte[] second = "{\"content\":\"10.1.1.1\"}".getBytes(UTF_8);
        j.redact(first, 0, first.length, counts);
        int n = j.redact(second, 0, second.length, counts);
        assertThat(new String(j.out(), 0, n, UTF_8)).isEqualTo("{\"content\":\"[REDACTED:ip]\"}");
        assertThat(counts.count("email")).isEqualTo(1);
        assertThat(counts.count("ip")).isEqualTo(1);
    }

    @Test
    void shouldRedactOnlyTheGivenRange() {
        byte[] b = "xx{\"a\":\"john@example.com\"}yy".getBytes(UTF_8);
        JsonRedaction j = Redactor.builtIn().newJsonRedaction();
        int n = j.redact(b, 2, b.length - 4, new RedactionCounts());
        assertThat(new String(j.out(), 0, n, UTF_8)).isEqualTo("{\"a\":\"[REDACTED:email]\"}");
    }

    @Test
    void shouldCopyEverythingWithNone() {
        String body = "{\"content\":\"john@example.com\"}";
        RedactionCounts counts = new RedactionCounts();
        assertThat(Redact.body(Redactor.none(), body, counts)).isEqualTo(body);
        assertThat(counts.total()).isZero();
        assertThat(Redactor.none().isEnabled()).isFalse();
        assertThat(Redactor.builtIn().isEnabled()).isTrue();
    }
}
