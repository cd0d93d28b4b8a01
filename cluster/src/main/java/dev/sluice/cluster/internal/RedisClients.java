package dev.sluice.cluster.internal;

import dev.sluice.cluster.ClusterSettings;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/** Builds Lettuce clients with the cluster settings: short timeouts, fast reconnect, fail fast when down. Thread-safe. */
public final class RedisClients {
    private RedisClients() {
    }

    /** Parses {@code redis://host:port[/db]} (or {@code rediss://}, with credentials) and applies the timeouts. */
    public static RedisURI uri(String uri) {
        RedisURI redisUri = RedisURI.create(requireNonNull(uri, "uri"));
        // This timeout bounds the connection handshake (and blocking calls); commands are cut at the shorter
        // COMMAND_TIMEOUT by the TimeoutOptions below.
        redisUri.setTimeout(ClusterSettings.CONNECT_TIMEOUT);
        return redisUri;
    }

    /** Returns a client with its own small resources (two I/O threads, Lettuce's minimum); shut it down with {@link #shutdown}. */
    public static RedisClient create(RedisURI redisUri) {
        requireNonNull(redisUri, "redisUri");
        ClientResources resources = DefaultClientResources.builder()
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(2)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(10), ClusterSettings.MAX_RECONNECT_DELAY, 2,
                        TimeUnit.MILLISECONDS))
                .build();
        RedisClient client = RedisClient.create(resources, redisUri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                // Queued commands would wait for a reconnect; a gateway must decide now (policy), not later.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(ClusterSettings.COMMAND_TIMEOUT))
                .socketOptions(SocketOptions.builder().connectTimeout(ClusterSettings.CONNECT_TIMEOUT).build())
                .build());
        return client;
    }

    /** Shuts the client and its resources down without a quiet period. Blocks up to two seconds. */
    public static void shutdown(RedisClient client) {
        ClientResources resources = client.getResources();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
