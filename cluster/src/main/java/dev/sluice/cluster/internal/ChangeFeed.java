package dev.sluice.cluster.internal;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketAddress;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import static java.util.Objects.requireNonNull;

/**
 * A Redis pub/sub channel on which gateways tell each other what they changed: a message is this node's random id,
 * a space and the subject (a key id, an agent's name). A node hears the other nodes' messages, never its own, and
 * hears null once its subscription is restored after a loss (it may have missed some: read everything again).
 * Thread-safe; listeners are called on Lettuce's thread.
 */
public final class ChangeFeed implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ChangeFeed.class);

    private final RedisClient client;
    private final String channel;
    private final String what;
    private final String nodeId;
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    private volatile StatefulRedisPubSubConnection<String, String> subscription;

    /**
     * @param channel the pub/sub channel
     * @param what    what changes, for messages ("key", "agent")
     */
    public ChangeFeed(RedisClient client, String channel, String what) {
        this.client = requireNonNull(client, "client");
        this.channel = requireNonNull(channel, "channel");
        this.what = requireNonNull(what, "what");
        byte[] random = new byte[6];
        new SecureRandom().nextBytes(random);
        this.nodeId = HexFormat.of().formatHex(random);
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> handler, SocketAddress address) {
                if (handler == subscription) {
                    tell(null);
                }
            }
        });
    }

    /** The pub/sub channel. */
    public String channel() {
        return channel;
    }

    /** The message that announces a change of {@code subject} by this node (to PUBLISH on {@link #channel}). */
    public String message(String subject) {
        return nodeId + ' ' + subject;
    }

    /**
     * Calls {@code onChange} with the subject of each change another node announces (null: read everything again).
     * Subscribes on the first call.
     *
     * @throws IllegalStateException when Redis cannot be reached
     */
    public void listen(Consumer<String> onChange) {
        listeners.add(requireNonNull(onChange, "onChange"));
        synchronized (listeners) {
            if (subscription != null) {
                return;
            }
            StatefulRedisPubSubConnection<String, String> pubSub = null;
            try {
                pubSub = client.connectPubSub();
                pubSub.addListener(new RedisPubSubAdapter<>() {
                    @Override
                    public void message(String ch, String message) {
                        int space = message.indexOf(' ');
                        if (space > 0 && !message.startsWith(nodeId + ' ')) {
                            tell(message.substring(space + 1));
                        }
                    }
                });
                pubSub.sync().subscribe(channel);
            } catch (RuntimeException e) {
                if (pubSub != null) {
                    pubSub.close();
                }
                throw new IllegalStateException(what + " store unreachable (redis): subscribe to " + what
                        + " changes: " + e.getMessage(), e);
            }
            subscription = pubSub;
        }
    }

    private void tell(String subject) {
        for (Consumer<String> listener : listeners) {
            try {
                listener.accept(subject);
            } catch (RuntimeException e) {
                LOG.warn("{} change listener failed", what, e);
            }
        }
    }

    @Override
    public void close() {
        synchronized (listeners) {
            if (subscription != null) {
                subscription.close();
                subscription = null;
            }
        }
    }
}
