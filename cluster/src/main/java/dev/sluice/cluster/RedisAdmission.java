package dev.sluice.cluster;

import dev.sluice.cluster.internal.AdmitCall;
import dev.sluice.cluster.internal.FallbackTicket;
import dev.sluice.cluster.internal.LuaScript;
import dev.sluice.cluster.internal.RedisClients;
import dev.sluice.cluster.internal.RedisKeys;
import dev.sluice.cluster.internal.RedisTicket;
import dev.sluice.routing.admission.Admission;
import dev.sluice.routing.admission.AdmissionCallback;
import dev.sluice.routing.admission.AdmissionDecision;
import dev.sluice.routing.admission.AdmissionRequest;
import dev.sluice.routing.admission.BudgetWatch;
import dev.sluice.routing.admission.Refusals;
import dev.sluice.routing.admission.Scope;
import dev.sluice.routing.admission.Ticket;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import static java.util.Objects.requireNonNull;

/**
 * Admission whose counters live in Redis, so several gateway processes share rate limits, concurrency slots,
 * budget reservations and key revocations. One Lua script decides a request atomically over all its scopes
 * (revocation, requests and tokens per sliding minute, concurrency, budgets); a second one settles it. Windows use
 * the Redis server's clock; budget periods use the request's time and zone.
 *
 * <p>When Redis cannot be reached (refused, closed, or a command past {@link ClusterSettings#COMMAND_TIMEOUT}),
 * the policy decides: fail closed refuses 503 {@code admission_unavailable}; fail open asks the local
 * {@code fallback}. {@link #health()} says which state it is in; the client reconnects on its own.
 *
 * <p>Thread-safe. {@link #admit} and {@link #settle} never block; the callback runs on Lettuce's I/O thread (or
 * on the caller's when the decision needs no Redis round trip), so it must not block either.
 */
public final class RedisAdmission implements Admission {
    private static final Logger LOG = LoggerFactory.getLogger(RedisAdmission.class);
    private static final LuaScript ADMIT = LuaScript.resource("admit.lua");
    private static final LuaScript SETTLE = LuaScript.resource("settle.lua");
    private static final int WARM_UP_ATTEMPTS = 5;

    private final RedisClient client;
    private final RedisURI uri;
    private final RedisKeys names;
    private final boolean failOpen;
    private final Admission fallback;
    private final BudgetWatch watch;
    private final Clock clock;
    private final String nodeId;
    private final AtomicLong ticketSequence = new AtomicLong();
    private final LongAdder failures = new LongAdder();
    private final LongAdder droppedSettles = new LongAdder();
    private final ConcurrentLinkedQueue<PendingSettle> pendingSettles = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pendingCount = new AtomicInteger();
    private final AtomicBoolean draining = new AtomicBoolean();

    private volatile StatefulRedisConnection<String, String> connection;
    /** Why the last attempt to use Redis failed; null after a success or a reconnect. */
    private volatile String lastError = "not connected yet";
    private volatile Seed seed = new Seed(Map.of(), Long.MIN_VALUE);
    private volatile boolean closed;

    private RedisAdmission(RedisURI uri, String prefix, boolean failOpen, Admission fallback, Clock clock) {
        this.uri = uri;
        this.names = new RedisKeys(prefix);
        this.failOpen = failOpen;
        this.fallback = fallback;
        this.watch = fallback != null ? fallback.budgets() : new BudgetWatch();
        this.clock = clock;
        byte[] random = new byte[6];
        new SecureRandom().nextBytes(random);
        this.nodeId = HexFormat.of().formatHex(random);
        this.client = RedisClients.create(uri);
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> handler, SocketAddress address) {
                lastError = null;
                drainPendingSettles();
            }

            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
                if (!closed) {
                    lastError = "connection lost";
                }
            }
        });
    }

    /**
     * Connects to Redis at {@code uri} ({@code redis://host:port}). Waits for the first connection attempt (up to
     * {@link ClusterSettings#CONNECT_TIMEOUT}); when it fails, returns anyway, reports it in {@link #health()},
     * applies the failure policy and keeps trying in the background. Call it at startup, not on an event loop.
     *
     * @param prefix   prefix of every Redis key ({@link ClusterSettings#DEFAULT_PREFIX} by default)
     * @param failOpen false: refuse 503 while Redis is unreachable; true: decide with {@code fallback}
     * @param fallback the local admission used when failing open (owned by the caller, not closed here); may be
     *                 null only when {@code failOpen} is false
     */
    public static RedisAdmission connect(String uri, String prefix, boolean failOpen, Admission fallback) {
        return connect(uri, prefix, failOpen, fallback, Clock.systemUTC());
    }

    /** As {@link #connect(String, String, boolean, Admission)}, with the clock that stamps seeded spend. */
    public static RedisAdmission connect(String uri, String prefix, boolean failOpen, Admission fallback,
                                         Clock clock) {
        requireNonNull(prefix, "prefix");
        requireNonNull(clock, "clock");
        if (failOpen) {
            requireNonNull(fallback, "fallback");
        }
        RedisAdmission admission = new RedisAdmission(RedisClients.uri(uri), prefix, failOpen, fallback, clock);
        admission.connectFirst();
        return admission;
    }

    private void connectFirst() {
        try {
            client.connectAsync(StringCodec.UTF8, uri).whenComplete(this::connected)
                    .toCompletableFuture()
                    .get(ClusterSettings.CONNECT_TIMEOUT.toMillis() + 500, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // Reported through health(); connected() retries in the background.
            LOG.debug("first connection to redis failed", e);
            return;
        }
        warmUp();
    }

    /**
     * Runs both scripts once on an empty request, so the server caches them and this JVM has loaded and compiled
     * the path before the first real request meets the command timeout.
     */
    private void warmUp() {
        AdmissionRequest empty = new AdmissionRequest(List.of(), 0, 0, clock.millis(), ZoneOffset.UTC);
        for (int attempt = 0; attempt < WARM_UP_ATTEMPTS; attempt++) {
            StatefulRedisConnection<String, String> c = connection;
            if (c == null) {
                return;
            }
            AdmitCall call = AdmitCall.prepare(names, empty, nodeId + "-warm-up-" + attempt, Map.of(), Long.MIN_VALUE);
            try {
                List<Object> reply = ADMIT.<List<Object>>run(c.async(), ScriptOutputType.MULTI, call.keys(),
                        call.args()).toCompletableFuture().get(2, TimeUnit.SECONDS);
                AdmissionDecision decision = call.decide(reply);
                RedisTicket ticket = (RedisTicket) decision.ticket();
                SETTLE.<List<Object>>run(c.async(), ScriptOutputType.MULTI, ticket.settleKeys(),
                                ticket.settleArgs(0, 0))
                        .toCompletableFuture().get(2, TimeUnit.SECONDS);
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                LOG.debug("warm-up of the admission scripts failed", e);
            }
        }
    }

    private void connected(StatefulRedisConnection<String, String> made, Throwable error) {
        if (error == null) {
            if (closed) {
                made.closeAsync();
                return;
            }
            connection = made;
            lastError = null;
            return;
        }
        failures.increment();
        lastError = describe(error);
        if (!closed) {
            // Lettuce reconnects a connection it once had; the first one is ours to retry.
            client.getResources().eventExecutorGroup().schedule(
                    () -> {
                        if (!closed) {
                            client.connectAsync(StringCodec.UTF8, uri).whenComplete(this::connected);
                        }
                    },
                    ClusterSettings.MAX_RECONNECT_DELAY.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void admit(AdmissionRequest request, AdmissionCallback callback) {
        requireNonNull(request, "request");
        requireNonNull(callback, "callback");
        StatefulRedisConnection<String, String> c = connection;
        if (closed || c == null || !c.isOpen()) {
            String reason = closed ? "closed" : lastError != null ? lastError : "connection lost";
            unavailable(request, callback, reason);
            return;
        }
        Seed s = seed;
        String ticketId = nodeId + '-' + ticketSequence.incrementAndGet();
        AdmitCall call = AdmitCall.prepare(names, request, ticketId, s.spentMicros(), s.atMs());
        ADMIT.<List<Object>>run(c.async(), ScriptOutputType.MULTI, call.keys(), call.args())
                .whenComplete((reply, error) -> {
                    AdmissionDecision decision;
                    try {
                        if (error != null) {
                            throw error;
                        }
                        decision = call.decide(reply);
                    } catch (Throwable e) {
                        failed(e);
                        // The script may have run before the reply was lost: undo it (idempotent through the
                        // ticket key, and ordered after the admission on the same connection).
                        runSettle(call.ticket(clock.millis() / ClusterSettings.WINDOW_MS), 0, 0);
                        unavailable(request, callback, describe(e));
                        return;
                    }
                    succeeded();
                    deliver(callback, decision);
                });
    }

    @Override
    public void settle(Ticket ticket, long stamp, long realTokens, long realCostMicros) {
        requireNonNull(ticket, "ticket");
        if (ticket instanceof FallbackTicket local) {
            fallback.settle(local.inner(), local.stamp(), realTokens, realCostMicros);
            return;
        }
        if (!(ticket instanceof RedisTicket redisTicket)) {
            throw new IllegalArgumentException("ticket: " + ticket + " (expected: one issued by this admission)");
        }
        if (redisTicket.markSettled()) {
            runSettle(redisTicket, realTokens, realCostMicros);
        }
    }

    private void runSettle(RedisTicket ticket, long realTokens, long realCostMicros) {
        runSettle(new PendingSettle(ticket.settleKeys(), ticket.settleArgs(realTokens, realCostMicros), ticket,
                Math.max(0, realCostMicros)));
    }

    private void runSettle(PendingSettle settle) {
        StatefulRedisConnection<String, String> c = connection;
        if (closed || c == null || !c.isOpen()) {
            keepForLater(settle);
            return;
        }
        SETTLE.<List<Object>>run(c.async(), ScriptOutputType.MULTI, settle.keys(), settle.args())
                .whenComplete((reply, error) -> {
                    if (error != null) {
                        failed(error);
                        keepForLater(settle);
                    } else {
                        succeeded();
                        reportSpend(settle, reply);
                    }
                });
    }

    /** Hands the budgets' spend the settle script returned to the watch (the soft thresholds are checked there). */
    private void reportSpend(PendingSettle settle, List<Object> reply) {
        if (reply == null || reply.isEmpty() || !Long.valueOf(1).equals(reply.get(0))) {
            return;
        }
        Scope[] scopes = settle.ticket().budgetScopes();
        for (int i = 0; i < scopes.length && i + 1 < reply.size(); i++) {
            if (reply.get(i + 1) instanceof Long spent) {
                watch.spent(scopes[i], settle.ticket().atMs(), settle.ticket().zone(), spent, settle.costMicros());
            }
        }
    }

    private void keepForLater(PendingSettle settle) {
        failures.increment();
        if (pendingCount.incrementAndGet() > ClusterSettings.MAX_PENDING_SETTLES) {
            pendingCount.decrementAndGet();
            droppedSettles.increment();
            return;
        }
        pendingSettles.offer(settle);
    }

    private void drainPendingSettles() {
        if (pendingCount.get() == 0 || !draining.compareAndSet(false, true)) {
            return;
        }
        try {
            // Only what is queued now: a settle that fails again is queued behind and waits for the next success.
            for (int n = pendingCount.get(); n > 0; n--) {
                PendingSettle settle = pendingSettles.poll();
                if (settle == null) {
                    break;
                }
                pendingCount.decrementAndGet();
                runSettle(settle);
            }
        } finally {
            draining.set(false);
        }
    }

    /**
     * Budgets start from this spend in the period that contains now, on the first use of a period that Redis does
     * not have yet. Counters that Redis already holds are kept: other gateways may have started earlier and be
     * spending, so a restarting node never overwrites the shared state.
     */
    @Override
    public void seedSpend(Map<String, Long> spentMicrosByBudgetKey) {
        seed = new Seed(Map.copyOf(requireNonNull(spentMicrosByBudgetKey, "spentMicrosByBudgetKey")), clock.millis());
    }

    /** Returns "ok", or "redis unavailable: &lt;reason&gt;". */
    @Override
    public BudgetWatch budgets() {
        return watch;
    }

    @Override
    public String health() {
        if (closed) {
            return "redis unavailable: closed";
        }
        StatefulRedisConnection<String, String> c = connection;
        String error = lastError;
        if (c == null || !c.isOpen()) {
            return "redis unavailable: " + (error != null ? error : "connection lost");
        }
        return error == null ? "ok" : "redis unavailable: " + error;
    }

    /** Returns whether a connection to Redis is open now. */
    public boolean connected() {
        StatefulRedisConnection<String, String> c = connection;
        return !closed && c != null && c.isOpen();
    }

    /**
     * Returns how many operations could not be done in Redis since start: admissions decided by the failure
     * policy, settles queued for later, failed revocations and connection attempts.
     */
    public long failures() {
        return failures.sum();
    }

    /** Returns how many settles wait for Redis to come back. */
    public int pendingSettles() {
        return pendingCount.get();
    }

    /** Returns how many settles were dropped because too many were waiting (their reservations stay until expiry). */
    public long droppedSettles() {
        return droppedSettles.sum();
    }

    /** Closes the connection and the client. Does not close the fallback (the caller's). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        StatefulRedisConnection<String, String> c = connection;
        if (c != null) {
            c.close();
        }
        RedisClients.shutdown(client);
    }

    private void unavailable(AdmissionRequest request, AdmissionCallback callback, String reason) {
        failures.increment();
        if (!failOpen) {
            deliver(callback, Refusals.unavailable(reason));
            return;
        }
        try {
            fallback.admit(request, decision -> deliver(callback, decision.admitted()
                    ? AdmissionDecision.admit(new FallbackTicket(decision.ticket(), decision.stamp()),
                    decision.requests(), decision.tokens())
                    : decision));
        } catch (RuntimeException e) {
            LOG.warn("fallback admission failed", e);
            deliver(callback, Refusals.unavailable(reason + "; local fallback failed"));
        }
    }

    private static void deliver(AdmissionCallback callback, AdmissionDecision decision) {
        try {
            callback.decided(decision);
        } catch (RuntimeException e) {
            // Thrown into Lettuce's completion it would vanish; a failing callback is a bug worth a line.
            LOG.warn("admission callback failed", e);
        }
    }

    private void failed(Throwable error) {
        lastError = describe(error);
    }

    private void succeeded() {
        if (lastError != null) {
            lastError = null;
        }
        drainPendingSettles();
    }

    private static String describe(Throwable error) {
        Throwable e = LuaScript.unwrap(error);
        if (e instanceof RedisCommandTimeoutException) {
            return "command timed out after " + ClusterSettings.COMMAND_TIMEOUT.toMillis() + " ms";
        }
        String message = e.getMessage();
        return message == null || message.isEmpty() ? e.getClass().getSimpleName() : message;
    }

    @Override
    public String toString() {
        return "RedisAdmission[" + uri.getHost() + ':' + uri.getPort() + ", " + health() + ']';
    }

    private record Seed(Map<String, Long> spentMicros, long atMs) {
    }

    private record PendingSettle(String[] keys, String[] args, RedisTicket ticket, long costMicros) {
    }
}
