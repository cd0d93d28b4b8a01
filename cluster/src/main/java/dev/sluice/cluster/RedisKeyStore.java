package dev.sluice.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.sluice.cluster.internal.ChangeFeed;
import dev.sluice.cluster.internal.RedisClients;
import dev.sluice.cluster.internal.RedisKeys;
import dev.sluice.routing.admission.KeyStore;
import dev.sluice.routing.admission.StoredKey;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * Keys created at run time, shared by every gateway through Redis: each key is JSON in the hash
 * {@code <prefix>:keys} (field = key id). {@link #put} also keeps {@code <prefix>:revoked} (the set the admission
 * script checks) in step and announces the change on {@code <prefix>:keys:changed}; {@link #watch} listens there
 * and calls back for changes made by other processes (and after a lost subscription is restored). Calls block up to the command timeout and throw
 * {@link IllegalStateException} when Redis cannot be reached: never call them on an event loop. Thread-safe.
 */
public final class RedisKeyStore implements KeyStore {
    private static final Logger LOG = LoggerFactory.getLogger(RedisKeyStore.class);
    private static final ObjectMapper JSON = JsonMapper.builder()
            // Records may gain components; an older node must still read what a newer one wrote.
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private final RedisClient client;
    private final RedisKeys names;
    private final StatefulRedisConnection<String, String> connection;
    private final ChangeFeed changes;

    private RedisKeyStore(RedisClient client, RedisKeys names, StatefulRedisConnection<String, String> connection) {
        this.client = client;
        this.names = names;
        this.connection = connection;
        this.changes = new ChangeFeed(client, names.keysChanged(), "key");
    }

    /**
     * Connects to Redis at {@code uri}; blocks up to the connect timeout.
     *
     * @throws IllegalStateException when Redis cannot be reached
     */
    public static RedisKeyStore connect(String uri, String prefix) {
        requireNonNull(prefix, "prefix");
        RedisURI redisUri = RedisClients.uri(uri);
        RedisClient client = RedisClients.create(redisUri);
        try {
            return new RedisKeyStore(client, new RedisKeys(prefix), client.connect());
        } catch (RuntimeException e) {
            RedisClients.shutdown(client);
            throw new IllegalStateException("key store unreachable (redis " + redisUri.getHost() + ':'
                    + redisUri.getPort() + "): " + e.getMessage(), e);
        }
    }

    @Override
    public List<StoredKey> load() {
        Map<String, String> all = call("load keys", () -> connection.sync().hgetall(names.keys()));
        List<StoredKey> keys = new ArrayList<>(all.size());
        for (Map.Entry<String, String> entry : all.entrySet()) {
            try {
                keys.add(JSON.readValue(entry.getValue(), StoredKey.class));
            } catch (JsonProcessingException e) {
                // One unreadable entry must not hide every other key; it is named so it can be fixed.
                LOG.warn("stored key {} is not readable, skipped: {}", entry.getKey(), e.getOriginalMessage());
            }
        }
        return keys;
    }

    @Override
    public void put(StoredKey key) {
        requireNonNull(key, "key");
        requireNonNull(key.id(), "key.id");
        String json;
        try {
            json = JSON.writeValueAsString(key);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("key " + key.id() + " cannot be written as JSON", e);
        }
        synchronized (connection) {
            // MULTI on a shared connection: another thread's commands must not fall inside this transaction.
            TransactionResult result = call("store key " + key.id(), () -> {
                RedisCommands<String, String> sync = connection.sync();
                sync.multi();
                sync.hset(names.keys(), key.id(), json);
                if (key.revoked()) {
                    sync.sadd(names.revoked(), key.id());
                } else {
                    sync.srem(names.revoked(), key.id());
                }
                sync.publish(changes.channel(), changes.message(key.id()));
                return sync.exec();
            });
            if (result.wasDiscarded()) {
                throw new IllegalStateException("key store: storing key " + key.id() + " was discarded");
            }
        }
    }

    /** Subscribes on the first call; later calls add listeners. Changes made through this instance are not echoed. */
    @Override
    public void watch(Runnable onChange) {
        requireNonNull(onChange, "onChange");
        changes.listen(keyId -> onChange.run());
    }

    @Override
    public void close() {
        changes.close();
        connection.close();
        RedisClients.shutdown(client);
    }

    private static <T> T call(String what, Supplier<T> command) {
        try {
            return command.get();
        } catch (RuntimeException e) {
            throw new IllegalStateException("key store unreachable (redis): " + what + ": " + e.getMessage(), e);
        }
    }
}
