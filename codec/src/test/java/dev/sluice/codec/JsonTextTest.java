package dev.sluice.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class JsonTextTest {
    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void shouldQuoteEveryCharacterThatJsonOrAJavaScriptEmbedderCannotTakeAsIs() throws Exception {
        String nasty = "a\"b\\c\nd\re\tf\bg\fh\u0001i\u001fj\u2028k\u2029l é 漢 \uD83D\uDE00";
        String quoted = JsonText.quote(nasty);
        assertThat(quoted).isEqualTo("\"a\\\"b\\\\c\\nd\\re\\tf\\bg\\fh\\u0001i\\u001fj\\u2028k\\u2029l é 漢 \uD83D\uDE00\"");
        assertThat(mapper.readValue(quoted, String.class)).isEqualTo(nasty);
        assertThat(JsonText.escape(nasty)).isEqualTo(quoted.substring(1, quoted.length() - 1));
    }

    @Test
    void shouldWriteNullAsTheLiteral() {
        assertThat(JsonText.quote((String) null)).isEqualTo("null");
        assertThat(JsonText.quote(new StringBuilder("x:"), null).toString()).isEqualTo("x:null");
        assertThat(JsonText.quote("")).isEqualTo("\"\"");
    }
}
