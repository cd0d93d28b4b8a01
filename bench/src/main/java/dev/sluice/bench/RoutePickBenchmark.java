package dev.sluice.bench;

import dev.sluice.routing.config.CircuitSettings;
import dev.sluice.routing.config.Deployment;
import dev.sluice.routing.config.DeploymentHealth;
import dev.sluice.routing.config.Price;
import dev.sluice.routing.config.ProviderConfig;
import dev.sluice.routing.config.ProviderKind;
import dev.sluice.routing.config.Route;
import dev.sluice.routing.config.RoutePolicy;
import dev.sluice.routing.config.Strategy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Choosing a deployment for an attempt, as the event loop does for every request: {@link Route#pick(long, long)}
 * on a one-deployment alias, a three-deployment weighted alias and a three-deployment priority alias, alone and
 * followed by {@link Route#onSuccess} (the health counters and TTFT average it moves). Expected: tens of
 * nanoseconds and 0 B/op under {@code -prof gc}. Confined to the benchmark thread.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {JvmFlags.EXPORT_MISC, JvmFlags.OPEN_REFLECT, JvmFlags.EXPORT_NIO_CH,
    JvmFlags.EXPORT_REF, JvmFlags.OPEN_LANG, JvmFlags.OPEN_NIO, JvmFlags.OPEN_NIO_CH, JvmFlags.EXPORT_JAVAC_FILE,
    JvmFlags.NO_ANALYTICS, JvmFlags.NO_ANNOUNCER, JvmFlags.EXECUTOR, JvmFlags.EXECUTOR_CLASS})
@State(Scope.Thread)
public class RoutePickBenchmark {
    private static final String[] PROVIDERS = {"openai", "anthropic", "azure"};
    private static final String[] MODELS = {"gpt-4o", "claude-sonnet-4-20250514", "gpt-4o-eu"};

    /** The alias: {@code single}, {@code weighted3} or {@code priority3}. */
    @Param({"single", "weighted3", "priority3"})
    public String shape;

    private Route route;
    private long nowNs;
    private long ttftNs;

    @Setup(Level.Trial)
    public void setUp() {
        int n = shape.equals("single") ? 1 : 3;
        Strategy strategy = shape.equals("weighted3") ? Strategy.WEIGHTED : Strategy.PRIORITY;
        List<Deployment> deployments = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ProviderConfig p = new ProviderConfig(PROVIDERS[i], ProviderKind.OPENAI, false, true,
                    PROVIDERS[i] + ".example", 443, "/v1", "sk-" + PROVIDERS[i], null);
            deployments.add(new Deployment(i, p, MODELS[i], new Price(2_500_000, 10_000_000, 1_250_000, 0), 3 - i, i,
                    new DeploymentHealth()));
        }
        route = new Route(0, "smart", strategy, RoutePolicy.DEFAULTS.withCircuit(CircuitSettings.DEFAULTS),
                deployments);
        nowNs = System.nanoTime();
        ttftNs = TimeUnit.MILLISECONDS.toNanos(180);
        if (pick() == null || pickAndSucceed() == null) {
            throw new IllegalStateException("no deployment picked from " + route);
        }
    }

    @Benchmark
    public Deployment pick() {
        return route.pick(nowNs, 0);
    }

    /** A pick, then the success report of that attempt (counters, consecutive counts, TTFT average). */
    @Benchmark
    public Deployment pickAndSucceed() {
        Deployment d = route.pick(nowNs, 0);
        route.onSuccess(d, ttftNs);
        return d;
    }
}
