package dev.sluice.bench;

import dev.sluice.bench.internal.ChatBodies;
import dev.sluice.codec.RequestFacts;
import dev.sluice.codec.RequestScanner;
import dev.sluice.routing.config.ApiKey;
import dev.sluice.routing.config.KeyDigester;
import dev.sluice.routing.config.KeyTable;
import dev.sluice.routing.config.Price;
import dev.sluice.routing.config.ProviderConfig;
import dev.sluice.routing.config.ProviderKind;
import dev.sluice.routing.config.Route;
import dev.sluice.routing.config.RouteTable;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.BitSet;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The tagging lookups of a request: {@link RouteTable#lookup(ByteBuf, int, int)} straight from the model bytes of
 * a scanned body, and the client key (SHA-256 of the {@code Authorization} value by {@link KeyDigester}, then
 * {@link KeyTable#lookup}), with {@code size} routes and as many keys. Confined to the benchmark thread.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {JvmFlags.EXPORT_MISC, JvmFlags.OPEN_REFLECT, JvmFlags.EXPORT_NIO_CH,
    JvmFlags.EXPORT_REF, JvmFlags.OPEN_LANG, JvmFlags.OPEN_NIO, JvmFlags.OPEN_NIO_CH, JvmFlags.EXPORT_JAVAC_FILE,
    JvmFlags.NO_ANALYTICS, JvmFlags.NO_ANNOUNCER, JvmFlags.EXECUTOR, JvmFlags.EXECUTOR_CLASS})
@State(Scope.Thread)
public class RouteLookupBenchmark {
    private static final String[] FAMILIES = {"gpt-4o", "gpt-4o-mini", "o3-mini", "claude-sonnet-4",
        "claude-haiku-3-5", "text-embedding-3-small", "gpt-4.1", "llama-3.1-70b"};

    /** Routes in the table, and keys in the key table. */
    @Param({"8", "200"})
    public int size;

    private final KeyDigester digester = new KeyDigester();
    private RouteTable routes;
    private KeyTable keys;
    private ByteBuf body;
    private int modelStart;
    private int modelEnd;
    private String authorization;
    private Route expectedRoute;
    private ApiKey expectedKey;

    @Setup(Level.Trial)
    public void setUp() {
        ProviderConfig openai = new ProviderConfig("openai", ProviderKind.OPENAI, false, true, "api.openai.com", 443,
                "/v1", "sk-provider", null);
        List<Route> list = new ArrayList<>(size);
        List<ApiKey> keyList = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            String name = aliasName(i);
            list.add(new Route(i, name, openai, name, new Price(2_500_000, 10_000_000, 1_250_000, 0)));
            keyList.add(new ApiKey("key-" + i, sha256(secret(i)), "user-" + i, "team-" + (i % 7), true, new BitSet()));
        }
        routes = new RouteTable(list);
        keys = new KeyTable(keyList);
        // The route and key asked for sit in the middle of the configuration.
        int wanted = size / 2 + 1;
        expectedRoute = list.get(wanted);
        expectedKey = keyList.get(wanted);
        byte[] bytes = ChatBodies.chat(aliasName(wanted), 1024, 0);
        body = PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length).writeBytes(bytes);
        RequestFacts facts = new RequestFacts();
        if (new RequestScanner().scan(body, facts) != RequestScanner.OK) {
            throw new IllegalStateException("fixture body does not scan");
        }
        modelStart = facts.modelStart;
        modelEnd = facts.modelEnd;
        authorization = "Bearer " + secret(wanted);
        if (routeFromBody() != expectedRoute || keyFromHeader() != expectedKey) {
            throw new IllegalStateException("lookup misses its fixture (expected: route " + expectedRoute + ", key "
                    + expectedKey + ")");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        body.release();
    }

    @Benchmark
    public Route routeFromBody() {
        return routes.lookup(body, modelStart, modelEnd);
    }

    /** SHA-256 of the presented key (after {@code "Bearer "}) into a reused array, then the table probe. */
    @Benchmark
    public ApiKey keyFromHeader() {
        return keys.lookup(digester.digest(authorization, 7, authorization.length()));
    }

    static String aliasName(int i) {
        String family = FAMILIES[i % FAMILIES.length];
        return i < FAMILIES.length ? family : "team-" + (i / FAMILIES.length) + "/" + family;
    }

    static String secret(int i) {
        return "sk-sluice-bench-" + Integer.toHexString(0x9e3779b9 * (i + 1)) + "-secret-" + i;
    }

    private static byte[] sha256(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
