/**
 * The end-to-end load driver, run as {@code sluice bench} ({@link BenchCommand}). A {@link LoadSpec} says what to
 * send where: closed loop (a fixed number of connections, each sending its next request when the previous response
 * ended) or open loop (requests due at fixed intended times). {@link LoadDriver} runs it and returns a
 * {@link LoadResult}: errors by {@link LoadError} kind, status counts, and HdrHistogram histograms of time to first
 * event and total time, both measured from the intended send time so that coordinated omission does not hide
 * stalls.
 * <p>
 * A plain HTTP/1.1 client over Netty that uses no gateway code, so it measures any target alike (the gateway, a peer
 * proxy, the upstream directly). Lanes, connections and the response reader are in
 * {@code dev.sluice.bench.load.internal}, which is not API.
 * <p>
 * Threading: {@link BenchCommand} and the {@link LoadDriver} calls ({@code start}, {@code await}, {@code close}) run
 * on one thread (the main thread); the load itself runs on the driver's own event loops, one lane each;
 * {@link LoadSpec} and {@link LoadResult} are immutable.
 */
package dev.sluice.bench.load;
