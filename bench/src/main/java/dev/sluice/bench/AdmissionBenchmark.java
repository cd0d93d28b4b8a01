package dev.sluice.bench;

import dev.sluice.routing.admission.AdmissionCallback;
import dev.sluice.routing.admission.AdmissionDecision;
import dev.sluice.routing.admission.AdmissionRequest;
import dev.sluice.routing.admission.Budget;
import dev.sluice.routing.admission.BudgetPeriod;
import dev.sluice.routing.admission.LocalAdmission;
import dev.sluice.routing.admission.Limits;
import dev.sluice.routing.admission.Scope;

import java.time.ZoneOffset;
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
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Admission as the event loop runs it for every request with governance on: {@link LocalAdmission#admit} over the
 * scopes of the benchmark key of {@code bench/conf/sluice-bench.yaml} (requests- and tokens-per-minute and
 * concurrency limits and a monthly budget that is never reached, so every request is counted and reserves), then
 * {@link LocalAdmission#settle} with the real tokens and cost. {@code shape}: {@code key} (that one scope) or
 * {@code key-team-project} (three scopes, each with limits and a budget). Reports time and, under {@code -prof gc},
 * the bytes allocated per admitted and settled request. Confined to the benchmark thread.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {JvmFlags.EXPORT_MISC, JvmFlags.OPEN_REFLECT, JvmFlags.EXPORT_NIO_CH,
    JvmFlags.EXPORT_REF, JvmFlags.OPEN_LANG, JvmFlags.OPEN_NIO, JvmFlags.OPEN_NIO_CH, JvmFlags.EXPORT_JAVAC_FILE,
    JvmFlags.NO_ANALYTICS, JvmFlags.NO_ANNOUNCER, JvmFlags.EXECUTOR, JvmFlags.EXECUTOR_CLASS})
// style-exception(inlineFullyQualifiedName): JMH's Scope beside the admission's, which this benchmark is about
@State(org.openjdk.jmh.annotations.Scope.Thread)
public class AdmissionBenchmark {
    /** The scopes: {@code key} or {@code key-team-project}. */
    @Param({"key", "key-team-project"})
    public String shape;

    private LocalAdmission admission;
    private AdmissionRequest request;
    private final Holder holder = new Holder();

    @Setup(Level.Trial)
    public void setUp() {
        Limits limits = new Limits(1_000_000_000L, 1_000_000_000_000L, 1_000_000);
        Budget budget = new Budget(BudgetPeriod.MONTH, 10_000_000_000_000L, -1);
        Scope key = new Scope("key", "bench", limits, budget);
        List<Scope> scopes = shape.equals("key") ? List.of(key)
                : List.of(key, new Scope("team", "bench", limits, budget),
                        new Scope("project", "bench-project", limits, budget));
        admission = new LocalAdmission();
        request = new AdmissionRequest(scopes, 60, 45, System.currentTimeMillis(), ZoneOffset.UTC);
        if (admitAndSettle() == null) {
            throw new IllegalStateException("refused: " + holder.decision);
        }
    }

    /** One request admitted over its scopes, then settled with its real usage (what a finished request does). */
    @Benchmark
    public AdmissionDecision admitAndSettle() {
        admission.admit(request, holder);
        AdmissionDecision d = holder.decision;
        if (!d.admitted()) {
            return null;
        }
        admission.settle(d, 52, 39);
        return d;
    }

    /** Keeps the decision, as the request's exchange does. */
    private static final class Holder implements AdmissionCallback {
        AdmissionDecision decision;

        @Override
        public void decided(AdmissionDecision decision) {
            this.decision = decision;
        }
    }
}
