package dev.sluice.bench;

import java.util.List;

/**
 * The JVM flags every forked benchmark JVM runs with: the root pom property {@code sluice.jvm.flags}, one
 * constant per flag because a JMH {@code @Fork(jvmArgsAppend = ...)} element must be a compile-time constant.
 * {@code JvmFlagsTest} fails when the root pom and these drift apart. {@link #EXECUTOR} and {@link #EXECUTOR_CLASS}
 * come on top: benchmark threads are Netty event-loop threads. On JDK 24+ also pass
 * {@code -jvmArgsPrepend "--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow"}.
 * Thread-safe (constants).
 */
public final class JvmFlags {
    /** Agrona 2.x. */
    public static final String EXPORT_MISC = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";
    /** Chronicle. */
    public static final String OPEN_REFLECT = "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED";
    /** Chronicle. */
    public static final String EXPORT_NIO_CH = "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED";
    /** Chronicle (recommended). */
    public static final String EXPORT_REF = "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED";
    /** Chronicle (recommended). */
    public static final String OPEN_LANG = "--add-opens=java.base/java.lang=ALL-UNNAMED";
    /** Chronicle and Netty direct buffers. */
    public static final String OPEN_NIO = "--add-opens=java.base/java.nio=ALL-UNNAMED";
    /** Chronicle and Netty direct buffers. */
    public static final String OPEN_NIO_CH = "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED";
    /** Chronicle (recommended). */
    public static final String EXPORT_JAVAC_FILE = "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED";
    /** Chronicle: no usage analytics. */
    public static final String NO_ANALYTICS = "-Dchronicle.analytics.disable=true";
    /** Chronicle: no start-up banner. */
    public static final String NO_ANNOUNCER = "-Dchronicle.announcer.disable=true";

    /** Benchmark threads from {@link #EXECUTOR_CLASS} instead of JMH's plain threads. */
    public static final String EXECUTOR = "-Djmh.executor=CUSTOM";
    /** Netty {@code FastThreadLocalThread}s, as the gateway's event loops are. */
    public static final String EXECUTOR_CLASS =
        "-Djmh.executor.class=dev.sluice.bench.internal.EventLoopThreadExecutor";

    /** Every flag of the root pom property, in its order (not the executor flags). */
    public static final List<String> ALL = List.of(EXPORT_MISC, OPEN_REFLECT, EXPORT_NIO_CH, EXPORT_REF, OPEN_LANG,
        OPEN_NIO, OPEN_NIO_CH, EXPORT_JAVAC_FILE, NO_ANALYTICS, NO_ANNOUNCER);

    private JvmFlags() {
    }
}
