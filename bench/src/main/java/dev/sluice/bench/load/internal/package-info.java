/**
 * The load driver's moving parts, not API: a {@link Lane} is one event loop's share of a run (its connections, its
 * request schedule, its counters), a {@link LoadConnection} one keep-alive connection sending the request bytes
 * that {@link RequestBytes} encodes once, and a {@link ResponseReader} reads one HTTP/1.1 response at a time (by
 * length, chunks or close) and, for streams, counts SSE {@code data:} lines and checks the terminal event.
 * <p>
 * Bodies are scanned, never kept; the reader allocates nothing per response or per byte. Latency is taken from the
 * intended send time, and requests intended before the warm-up ends are counted apart, not recorded.
 * <p>
 * Threading: a {@link Lane}, its connections and their readers are confined to the lane's event loop, except
 * {@link Lane#start()}, {@link Lane#done()} and the counters, which are read after {@code done()} completed;
 * {@link RequestBytes} is stateless.
 */
package dev.sluice.bench.load.internal;
