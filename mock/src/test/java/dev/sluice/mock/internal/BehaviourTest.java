package dev.sluice.mock.internal;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BehaviourTest {
    @Test
    void shouldUseDefaultsWithoutHeadersOrDirective() {
        assertThat(Behaviour.parse(new DefaultHttpHeaders(), "plain text")).isSameAs(Behaviour.DEFAULT);
        assertThat(Behaviour.DEFAULT.tokens()).isEqualTo(12);
        assertThat(Behaviour.DEFAULT.truncateAfter()).isEqualTo(-1);
        assertThat(Behaviour.DEFAULT.truncateMode()).isEqualTo(Behaviour.TruncateMode.FIN);
    }

    @Test
    void shouldParseEveryDirectiveParameter() {
        final Behaviour b = Behaviour.parse(new DefaultHttpHeaders(), "before [[mock tokens=40 first_token_ms=300 "
            + "token_ms=20 status=200 truncate_after=10 truncate_mode=rst stall_ms=-1 malformed_after=3 cached=7 "
            + "retry_after=2]] after");

        assertThat(b).isEqualTo(new Behaviour(40, 300, 20, 200, 2, 10, Behaviour.TruncateMode.RST, -1, 3, 7,
            0, false, null, false, false, null, UsageMode.NORMAL, -1, -1, 0, false, false, 0, null, null, null, null,
            null, null, false));
    }

    @Test
    void shouldParseEveryFaultParameter() {
        final Behaviour b = Behaviour.parse(new DefaultHttpHeaders().add("x-mock-content-type", "text/html; q=1"),
            "[[mock head_delay_ms=-1 reset_before_head=1 status=307 location=http://127.0.0.9/steal set_cookie=1 "
                + "hop_headers=true usage=in_choices huge_line=1048576 error_event_after=3 tool_call=2 thinking=1 "
                + "stop=1 echo=3 content_encoding=gzip error_message=at%20io.x]]");

        assertThat(b).isEqualTo(new Behaviour(12, 0, 0, 307, -1, -1, Behaviour.TruncateMode.FIN, 0, -1, 0,
            -1, true, "http://127.0.0.9/steal", true, true, "text/html; q=1", UsageMode.IN_CHOICES, 1_048_576, 3, 2,
            true, true, 3, "gzip", "at io.x", null, null, null, null, false));
        assertThat(b.isRedirect()).isTrue();
        assertThat(b.isError()).isFalse();
    }

    @Test
    void shouldLetTheRequestWinOverTheModelDefaults() {
        final Behaviour b = Behaviour.parse(new DefaultHttpHeaders().add("x-mock-tokens", "2"),
            "[[mock status=200]]", Behaviour.pairs("status=503 tokens=9 usage=none"));

        assertThat(b.status()).isEqualTo(200);
        assertThat(b.tokens()).isEqualTo(2);
        assertThat(b.usage()).isEqualTo(UsageMode.NONE);
    }

    @Test
    void shouldRejectInvalidFaultValuesNamingTheParameter() {
        assertThatThrownBy(() -> Behaviour.parse(new DefaultHttpHeaders(), "[[mock usage=lots]]"))
            .hasMessageStartingWith("usage: lots");
        assertThatThrownBy(() -> Behaviour.parse(new DefaultHttpHeaders(), "[[mock tool_call=3]]"))
            .hasMessageStartingWith("tool_call: 3 (expected: 0..2)");
        assertThatThrownBy(() -> Behaviour.parse(new DefaultHttpHeaders(), "[[mock thinking=yes]]"))
            .hasMessageStartingWith("thinking: yes (expected: 1 or 0)");
        assertThatThrownBy(() -> Behaviour.parse(new DefaultHttpHeaders(), "[[mock head_delay_ms=-2]]"))
            .hasMessageStartingWith("head_delay_ms: -2");
        assertThatThrownBy(() -> Behaviour.parse(new DefaultHttpHeaders(), "[[mock status=250]]"))
            .hasMessageStartingWith("status: 250");
        assertThatThrownBy(() -> Behaviour.parse(new DefaultHttpHeaders(), "[[mock answers=a|b p=0.5|0.6]]"))
            .hasMessageStartingWith("p: 0.5|0.6 sums to");
        assertThatThrownBy(() -> Behaviour.parse(new DefaultHttpHeaders(), "[[mock answers=a|b p=1]]"))
            .hasMessageStartingWith("p: 1 probabilities for 2 answers");
        assertThatThrownBy(() -> Behaviour.parse(new DefaultHttpHeaders(), "[[mock seed=3]]"))
            .hasMessageStartingWith("seed: only with answers");
        assertThatThrownBy(() -> Behaviour.parse(new DefaultHttpHeaders(), "[[mock answers=a echo=2]]"))
            .hasMessageStartingWith("answers: not with echo");
        assertThatThrownBy(() -> Behaviour.parse(new DefaultHttpHeaders(), "[[mock judge=1 answers=a]]"))
            .hasMessageStartingWith("judge: not with answers");
        assertThatThrownBy(() -> Behaviour.parse(new DefaultHttpHeaders(), "[[mock answers=a|%zz]]"))
            .hasMessageStartingWith("answers: %zz");
        assertThat(Behaviour.parse(new DefaultHttpHeaders(), "[[mock answers=a|b|c|d]]").probabilities())
            .containsExactly(0.25, 0.25, 0.25, 0.25);
        final Behaviour drawn = Behaviour.parse(new DefaultHttpHeaders(), "[[mock answers=Paris|Lyon%20city "
            + "p=0.25|0.75 seed=9]]");
        assertThat(drawn.answers()).containsExactly("Paris", "Lyon city");
        assertThat(drawn.probabilities()).containsExactly(0.25, 0.75);
        assertThat(drawn.seed()).isEqualTo(9L);
        assertThatThrownBy(() -> Behaviour.pairs("status=503 oops"))
            .hasMessageStartingWith("directive: status=503 oops");
        assertThat(Behaviour.pairs("[[mock status=503 times=2]]")).containsExactly(
            java.util.Map.entry("status", "503"), java.util.Map.entry("times", "2"));
    }

    @Test
    void shouldApplyAModelProgrammeForTheNextTimesRequestsOnly() {
        final ModelBehaviours programmes = new ModelBehaviours();
        programmes.behave("a", "status=503 times=2");
        programmes.behave("b", "tokens=3");

        assertThat(programmes.take("a")).containsEntry("status", "503").doesNotContainKey("times");
        assertThat(programmes.take("a")).containsEntry("status", "503");
        assertThat(programmes.take("a")).isEmpty();
        assertThat(programmes.take("b")).containsEntry("tokens", "3");
        assertThat(programmes.take("b")).containsEntry("tokens", "3");
        assertThat(programmes.take("c")).isEmpty();
        assertThat(programmes.take(null)).isEmpty();
        assertThatThrownBy(() -> programmes.behave("a", "times=0")).hasMessageStartingWith("times: 0");
        assertThatThrownBy(() -> programmes.behave("a", "colour=red")).hasMessageStartingWith("unknown mock parameter");
        programmes.clear();
        assertThat(programmes.take("b")).isEmpty();
    }

    @Test
    void shouldLetHeadersWinPerParameter() {
        final HttpHeaders h = new DefaultHttpHeaders().add("X-Mock-Tokens", "5").add("x-mock-truncate-mode", "clean");
        final Behaviour b = Behaviour.parse(h, "[[mock tokens=40 token_ms=20 truncate_mode=fin]]");

        assertThat(b.tokens()).isEqualTo(5);
        assertThat(b.tokenMs()).isEqualTo(20);
        assertThat(b.truncateMode()).isEqualTo(Behaviour.TruncateMode.CLEAN);
    }

    @Test
    void shouldRejectInvalidValuesNamingTheParameter() {
        assertThatThrownBy(() -> Behaviour.parse(new DefaultHttpHeaders().add("x-mock-tokens", "many"), null))
            .isInstanceOf(IllegalArgumentException.class).hasMessage("tokens: many (expected: an integer)");
        assertThatThrownBy(() -> Behaviour.parse(new DefaultHttpHeaders(), "[[mock status=199]]"))
            .hasMessageStartingWith("status: 199");
        assertThatThrownBy(() -> Behaviour.parse(new DefaultHttpHeaders(), "[[mock truncate_mode=half]]"))
            .hasMessageStartingWith("truncate_mode: half");
        assertThatThrownBy(() -> Behaviour.parse(new DefaultHttpHeaders(), "[[mock stall_ms=-2]]"))
            .hasMessageStartingWith("stall_ms: -2");
        assertThatThrownBy(() -> Behaviour.parse(new DefaultHttpHeaders().add("x-mock-colour", "red"), null))
            .hasMessageStartingWith("unknown mock parameter: colour");
    }

    @Test
    void shouldMarkErrorStatuses() {
        assertThat(Behaviour.parse(new DefaultHttpHeaders(), "[[mock status=503]]").isError()).isTrue();
        assertThat(Behaviour.parse(new DefaultHttpHeaders(), "[[mock tokens=1]]").isError()).isFalse();
    }
}
