package dev.sluice.cluster;

import dev.sluice.cluster.internal.ChangeFeed;
import dev.sluice.cluster.internal.RedisClients;
import dev.sluice.cluster.internal.RedisKeys;
import dev.sluice.routing.config.SharedAgents;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * The agents' labels and versions shared by every gateway through Redis: agent NAME's labels document is the string
 * {@code <prefix>:agent:NAME:labels}, replaced under {@code WATCH} only when it is still the one read, and each
 * change is announced on {@code <prefix>:agents:changed}; its versions are the hash
 * {@code <prefix>:agent:NAME:versions} (field = version, value = its files as JSON), each written once
 * ({@code HSETNX}). Calls block up to the command timeout and throw {@link IllegalStateException} when Redis cannot
 * be reached: never call them on an event loop. Thread-safe.
 */
public final class RedisSharedAgents implements SharedAgents {
    private final RedisClient client;
    private final RedisKeys names;
    private final StatefulRedisConnection<String, String> connection;
    private final ChangeFeed changes;

    private RedisSharedAgents(RedisClient client, RedisKeys names, StatefulRedisConnection<String, String> connection) {
        this.client = client;
        this.names = names;
        this.connection = connection;
        this.changes = new ChangeFeed(client, names.agentsChanged(), "agent");
    }

    /**
     * Connects to Redis at {@code uri}; blocks up to the connect timeout.
     *
     * @throws IllegalStateException when Redis cannot be reached
     */
    public static RedisSharedAgents connect(String uri, String prefix) {
        requireNonNull(prefix, "prefix");
        RedisURI redisUri = RedisClients.uri(uri);
        RedisClient client = RedisClients.create(redisUri);
        try {
            return new RedisSharedAgents(client, new RedisKeys(prefix), client.connect());
        } catch (RuntimeException e) {
            RedisClients.shutdown(client);
            throw new IllegalStateException("agent store unreachable (redis " + redisUri.getHost() + ':'
                    + redisUri.getPort() + "): " + e.getMessage(), e);
        }
    }

    @Override
    public String labels(String name) {
        return call("read the labels of agent " + name, () -> connection.sync().get(names.agentLabels(name)));
    }

    @Override
    public boolean replaceLabels(String name, String expected, String doc) {
        requireNonNull(doc, "doc");
        String key = names.agentLabels(name);
        return call("move the labels of agent " + name, () -> {
            RedisCommands<String, String> sync = connection.sync();
            sync.watch(key);
            if (!Objects.equals(sync.get(key), expected)) {
                sync.unwatch();
                return false;
            }
            sync.multi();
            sync.set(key, doc);
            sync.publish(changes.channel(), changes.message(name));
            TransactionResult result = sync.exec();
            return !result.wasDiscarded();
        });
    }

    @Override
    public Set<String> versions(String name) {
        return Set.copyOf(call("list the versions of agent " + name,
                () -> connection.sync().hkeys(names.agentVersions(name))));
    }

    @Override
    public String version(String name, String version) {
        return call("read version " + version + " of agent " + name,
                () -> connection.sync().hget(names.agentVersions(name), version));
    }

    @Override
    public void putVersion(String name, String version, String files) {
        requireNonNull(files, "files");
        call("store version " + version + " of agent " + name,
                () -> connection.sync().hsetnx(names.agentVersions(name), version, files));
    }

    /** Subscribes on the first call; later calls add listeners. Moves made through this instance are not echoed. */
    @Override
    public void watch(Consumer<String> onChange) {
        changes.listen(onChange);
    }

    @Override
    public void close() {
        changes.close();
        connection.close();
        RedisClients.shutdown(client);
    }

    /**
     * Runs {@code command} alone on the connection: WATCH and MULTI on a shared connection must not have another
     * thread's commands fall between them.
     */
    private <T> T call(String what, Supplier<T> command) {
        synchronized (connection) {
            try {
                return command.get();
            } catch (RuntimeException e) {
                throw new IllegalStateException("agent store unreachable (redis): " + what + ": " + e.getMessage(),
                        e);
            }
        }
    }
}
