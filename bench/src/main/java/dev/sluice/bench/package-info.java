/**
 * The JMH benchmarks of the hot paths: {@link RequestScanBenchmark} (body scan and rewrite),
 * {@link RouteLookupBenchmark} (model alias and key lookups), {@link RoutePickBenchmark} (choice of a deployment and
 * its health report), {@link SseScanBenchmark} (SSE scanning), {@link SseRelayBenchmark} (the relay, through the
 * proxy's {@code RelayHarness}) and {@link JournalAppendBenchmark} (journal appends, direct and hand-off); every
 * forked JVM gets the flags of {@link JvmFlags}. Figures are recorded in {@code bench/RESULTS.md}, never asserted
 * by a test.
 * <p>
 * Not part of the gateway: no module depends on this one, and it uses the other modules through their API only,
 * never an {@code internal} package. Shared fixtures are in {@code dev.sluice.bench.internal}, the load driver in
 * {@code dev.sluice.bench.load}, the peer comparison in {@code dev.sluice.bench.compare}.
 * <p>
 * Threading: each benchmark's state is confined to its benchmark thread, a Netty {@code FastThreadLocalThread} from
 * JMH's custom executor ({@link JvmFlags#EXECUTOR}) so that allocator caches behave as on an event loop;
 * {@link JournalAppendBenchmark} in hand-off mode also runs the journal's own thread.
 */
package dev.sluice.bench;
