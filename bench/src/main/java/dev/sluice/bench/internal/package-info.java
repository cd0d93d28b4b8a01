/**
 * Fixtures shared by the benchmarks, the load driver and the comparison, not API: chat request bodies of an exact
 * size ({@link ChatBodies}), real OpenAI and Anthropic SSE streams byte for byte ({@link SseStreams}), the socket
 * reads a stream arrives in ({@link ReadPlan}), a client end that releases every write ({@link ReleasingSink}), the
 * JMH executor of Netty {@code FastThreadLocalThread}s ({@link EventLoopThreadExecutor}), the epoll-or-NIO choice
 * the gateway also makes ({@link Transport}), and temporary directory clean-up ({@link TempDirs}).
 * <p>
 * It measures nothing itself. A buffer a {@link ReadPlan} hands out belongs to the caller; {@link ReleasingSink}
 * releases whatever is written to it, so no buffer outlives its write.
 * <p>
 * Threading: the fixtures are immutable or stateless and thread-safe; {@link ReleasingSink} is confined to its
 * channel's event loop; {@link EventLoopThreadExecutor} is thread-safe.
 */
package dev.sluice.bench.internal;
