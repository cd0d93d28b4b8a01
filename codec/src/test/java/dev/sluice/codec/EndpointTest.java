package dev.sluice.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

class EndpointTest {

    @Test
    void shouldFindEndpointsByExactPathIgnoringTheQuery() {
        assertThat(Endpoint.forPath("/v1/chat/completions")).isEqualTo(Endpoint.CHAT_COMPLETIONS);
        assertThat(Endpoint.forPath("/v1/messages?beta=true")).isEqualTo(Endpoint.MESSAGES);
        assertThat(Endpoint.forPath("/v1/responses?")).isEqualTo(Endpoint.RESPONSES);
        assertThat(Endpoint.forPath(new StringBuilder("/v1/embeddings"))).isEqualTo(Endpoint.EMBEDDINGS);
        assertThat(Endpoint.forPath("/v1/models")).isEqualTo(Endpoint.MODELS);
        assertThat(Endpoint.forPath("/v1/completions")).isEqualTo(Endpoint.COMPLETIONS);
        assertThat(Endpoint.forPath("/v1/chat/completions/")).isNull();
        assertThat(Endpoint.forPath("/v1/chat/completion")).isNull();
        assertThat(Endpoint.forPath("/V1/messages")).isNull();
        assertThat(Endpoint.forPath("/v1/messages/count_tokens")).isNull();
        assertThat(Endpoint.forPath("")).isNull();
        assertThat(Endpoint.forPath("?/v1/messages")).isNull();
    }

    @Test
    void shouldKeepStableJournalIdsAndNames() {
        assertThat(Arrays.stream(Endpoint.values()).map(e -> e.id() + ":" + e.wireName() + ":" + e.dialect()))
                .containsExactly("1:chat.completions:OPENAI", "2:completions:OPENAI", "3:embeddings:OPENAI",
                        "4:responses:OPENAI", "5:messages:ANTHROPIC", "6:models:OPENAI", "7:feedback:OPENAI");
        for (Endpoint e : Endpoint.values()) {
            assertThat(Endpoint.fromId(e.id())).isEqualTo(e);
            assertThat(Endpoint.forPath(e.path())).isEqualTo(e);
        }
        assertThatThrownBy(() -> Endpoint.fromId((byte) 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Endpoint.fromId((byte) 8)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Endpoint.fromId((byte) -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
