package dev.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bench.internal.EventLoopThreadExecutor;

import io.netty.util.concurrent.FastThreadLocalThread;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

@Timeout(30)
class JvmFlagsTest {

    @Test
    void shouldMatchTheRootPomProperty() throws IOException {
        String pom = Files.readString(Path.of("..", "pom.xml"));
        Matcher m = Pattern.compile("<sluice\\.jvm\\.flags>([^<]*)</sluice\\.jvm\\.flags>").matcher(pom);
        assertThat(m.find()).as("root pom defines sluice.jvm.flags").isTrue();
        assertThat(JvmFlags.ALL).containsExactly(m.group(1).trim().split("\\s+"));
    }

    @ParameterizedTest
    @ValueSource(classes = {SseScanBenchmark.class, SseRelayBenchmark.class, RequestScanBenchmark.class,
        RouteLookupBenchmark.class, JournalAppendBenchmark.class})
    void shouldForkOnceWithTheFlagsAndExplicitIterations(Class<?> benchmark) {
        Fork fork = benchmark.getAnnotation(Fork.class);
        assertThat(fork.value()).isEqualTo(1);
        List<String> args = Arrays.asList(fork.jvmArgsAppend());
        assertThat(args).containsAll(JvmFlags.ALL).contains(JvmFlags.EXECUTOR, JvmFlags.EXECUTOR_CLASS);
        assertThat(benchmark.getAnnotation(BenchmarkMode.class).value()).containsExactly(Mode.AverageTime);
        assertThat(benchmark.getAnnotation(OutputTimeUnit.class).value()).isEqualTo(TimeUnit.NANOSECONDS);
        assertThat(benchmark.getAnnotation(Warmup.class).iterations()).isPositive();
        assertThat(benchmark.getAnnotation(Measurement.class).iterations()).isPositive();
    }

    @Test
    void shouldRunBenchmarkThreadsAsNettyEventLoopThreads() throws Exception {
        String executorClass = JvmFlags.EXECUTOR_CLASS.substring(JvmFlags.EXECUTOR_CLASS.indexOf('=') + 1);
        assertThat(executorClass).isEqualTo(EventLoopThreadExecutor.class.getName());
        EventLoopThreadExecutor executor = (EventLoopThreadExecutor) Class.forName(executorClass)
                .getConstructor(int.class, String.class).newInstance(2, "bench-test");
        try {
            assertThat(executor.submit(() -> Thread.currentThread() instanceof FastThreadLocalThread).get(10,
                    TimeUnit.SECONDS)).isTrue();
            assertThat(executor.getMaximumPoolSize()).isEqualTo(2);
        } finally {
            executor.shutdownNow();
        }
    }
}
