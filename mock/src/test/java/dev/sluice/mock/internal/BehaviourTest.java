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

        assertThat(b).isEqualTo(new Behaviour(40, 300, 20, 200, 2, 10, Behaviour.TruncateMode.RST, -1, 3, 7));
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
        assertThatThrownBy(() -> Behaviour.parse(new DefaultHttpHeaders(), "[[mock status=302]]"))
            .hasMessageStartingWith("status: 302");
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
