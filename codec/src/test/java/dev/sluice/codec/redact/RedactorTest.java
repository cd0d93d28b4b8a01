package dev.sluice.codec.redact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RedactorTest {

    @Test
    void shouldRedactCustomPatternsUnderTheirNames() {
        Redactor r = Redactor.builtIn().withPatterns(Map.of("employee_id", "EMP-\\d{6}"));
        RedactionCounts counts = new RedactionCounts();
        String out = Redact.body(r, "{\"content\":\"EMP-123456 wrote from a@example.com\"}", counts);
        assertThat(out).isEqualTo("{\"content\":\"[REDACTED:employee_id] wrote from [REDACTED:email]\"}");
        assertThat(counts.count("employee_id")).isEqualTo(1);
        assertThat(counts.count("email")).isEqualTo(1);
    }

    @Test
    void shouldApplyCustomPatternsWithoutBuiltIns() {
        Redactor r = Redactor.none().withPatterns(Map.of("project", "Project [A-Z][a-z]+"));
        assertThat(r.isEnabled()).isTrue();
        RedactionCounts counts = new RedactionCounts();
        assertThat(Redact.body(r, "{\"content\":\"Project Falcon by a@example.com\"}", counts))
            .isEqualTo("{\"content\":\"[REDACTED:project] by a@example.com\"}");
        assertThat(counts.total()).isEqualTo(1);
    }

    @Test
    void shouldCatchCustomPatternSplitAcrossEvents() {
        Redactor r = Redactor.builtIn().withPatterns(Map.of("ticket", "TCK-\\d+"));
        RedactionCounts counts = new RedactionCounts();
        String out = Redact.stream(r.newStreamRedaction(), List.of(Sse.openAiContent("see TC").getBytes(),
            Sse.openAiContent("K-12").getBytes(), Sse.openAiContent("345 now").getBytes()), counts);
        assertThat(Sse.joined(out, "content")).isEqualTo("see [REDACTED:ticket] now");
        assertThat(counts.count("ticket")).isEqualTo(1);
    }

    @Test
    void shouldRejectBadPatternNamingIt() {
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("ok", "a+");
        bad.put("broken", "(unclosed");
        assertThatThrownBy(() -> Redactor.builtIn().withPatterns(bad))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("broken")
            .hasMessageContaining("(unclosed");
    }

    @Test
    void shouldRejectPatternMatchingNothing() {
        assertThatThrownBy(() -> Redactor.builtIn().withPatterns(Map.of("empty", "x*")))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("empty");
    }

    @Test
    void shouldRejectNameThatWouldBreakTheReplacement() {
        assertThatThrownBy(() -> Redactor.builtIn().withPatterns(Map.of("a\"b", "x")))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("a\"b");
    }

    @Test
    void shouldCountIntoTheTableInAStableOrder() {
        RedactionCounts counts = new RedactionCounts();
        counts.add("custom", 2);
        counts.add("secret", 1);
        counts.add("email", 3);
        counts.add("phone", 0);
        assertThat(counts.size()).isEqualTo(3);
        assertThat(List.of(counts.label(0), counts.label(1), counts.label(2)))
            .containsExactly("email", "secret", "custom");
        assertThat(List.of(counts.count(0), counts.count(1), counts.count(2))).containsExactly(3, 1, 2);
        assertThat(counts.total()).isEqualTo(6);

        RedactionCounts sum = new RedactionCounts();
        sum.add("email", 1);
        sum.addAll(counts);
        assertThat(sum.count("email")).isEqualTo(4);
        assertThat(sum.count("custom")).isEqualTo(2);
        sum.clear();
        assertThat(sum.size()).isZero();
        assertThat(sum.total()).isZero();
        assertThat(sum.count("never")).isZero();
    }
}
