package dev.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bench.internal.ChatBodies;
import dev.sluice.codec.BodyRewriter;
import dev.sluice.codec.RequestFacts;
import dev.sluice.codec.RequestScanner;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class RequestScanBenchmarkTest {
    private final RequestScanBenchmark bench = new RequestScanBenchmark();

    @BeforeEach
    void setUp() {
        bench.setUp();
    }

    @AfterEach
    void tearDown() {
        bench.tearDown();
    }

    @Test
    void shouldBuildBodiesOfExactlyTheNamedSize() {
        assertThat(ChatBodies.chat("gpt-4o", RequestScanBenchmark.SMALL_BYTES, 0)).hasSize(1024);
        assertThat(ChatBodies.chat("gpt-4o", RequestScanBenchmark.LARGE_BYTES, 40)).hasSize(32 * 1024);
    }

    @Test
    void shouldFindTheRoutedMembersInBothBodies() {
        bench.scan1KiB();
        assertThat(bench.facts().modelEquals(bench.small(), "gpt-4o".getBytes(StandardCharsets.US_ASCII))).isTrue();
        assertThat(bench.facts().maxTokens).isEqualTo(512);
        assertThat(bench.facts().streaming()).isTrue();
        assertThat(bench.facts().objectEnd).isEqualTo(1024);
        bench.scan32KiB();
        assertThat(bench.facts().maxTokens).isEqualTo(512);
        assertThat(bench.facts().objectEnd).isEqualTo(32 * 1024);
        assertThat(bench.facts().metadataStart).isPositive();
    }

    @Test
    void shouldRewriteTheModelAndAddIncludeUsage() {
        assertThat(bench.rewrite1KiB()).isEqualTo(1024 + "-2024-08-06".length()
                + ",\"stream_options\":{\"include_usage\":true}".length());
        ByteBuf out = BodyRewriter.rewrite(PooledByteBufAllocator.DEFAULT, bench.small(), scanned(bench.small()),
                RequestScanBenchmark.UPSTREAM_MODEL, true);
        try {
            String json = out.toString(StandardCharsets.UTF_8);
            assertThat(json).contains("\"model\":\"gpt-4o-2024-08-06\",\"messages\"")
                    .startsWith("{\"stream_options\":{\"include_usage\":true},").doesNotContain("\"gpt-4o\"");
            RequestFacts facts = new RequestFacts();
            ByteBuf copy = Unpooled.copiedBuffer(json, StandardCharsets.UTF_8);
            try {
                assertThat(new RequestScanner().scan(copy, facts)).isEqualTo(RequestScanner.OK);
                assertThat(facts.includeUsage).isEqualTo(1);
            } finally {
                copy.release();
            }
        } finally {
            out.release();
        }
        assertThat(bench.small().refCnt()).isEqualTo(1);
    }

    private static RequestFacts scanned(ByteBuf body) {
        RequestFacts facts = new RequestFacts();
        assertThat(new RequestScanner().scan(body, facts)).isEqualTo(RequestScanner.OK);
        return facts;
    }
}
