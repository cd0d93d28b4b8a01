package dev.sluice.cluster.internal;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import static java.util.Objects.requireNonNull;

/**
 * A Lua script run by its SHA-1 ({@code EVALSHA}); when the server does not know it (first use, restarted or
 * flushed server) it is sent whole once with {@code EVAL}, which also caches it there. Thread-safe (immutable).
 */
public final class LuaScript {
    private final String source;
    private final String sha1;

    private LuaScript(String source) {
        this.source = source;
        this.sha1 = sha1Hex(source);
    }

    /** Loads a script from a class-path resource next to this class. */
    public static LuaScript resource(String name) {
        requireNonNull(name, "name");
        try (InputStream in = LuaScript.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing script resource: " + name);
            }
            return new LuaScript(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read script resource: " + name, e);
        }
    }

    public String sha1() {
        return sha1;
    }

    /**
     * Runs the script; completes on Lettuce's I/O thread with the reply, or exceptionally with the command's
     * failure (timeout, connection closed, script error). Never blocks.
     */
    public <T> CompletionStage<T> run(RedisAsyncCommands<String, String> commands, ScriptOutputType type,
                                      String[] keys, String[] args) {
        CompletableFuture<T> result = new CompletableFuture<>();
        commands.<T>evalsha(sha1, type, keys, args).whenComplete((value, error) -> {
            if (error == null) {
                result.complete(value);
            } else if (unwrap(error) instanceof RedisNoScriptException) {
                commands.<T>eval(source, type, keys, args).whenComplete((v, e) -> {
                    if (e == null) {
                        result.complete(v);
                    } else {
                        result.completeExceptionally(unwrap(e));
                    }
                });
            } else {
                result.completeExceptionally(unwrap(error));
            }
        });
        return result;
    }

    /** Returns the cause of a completion wrapper, the error itself otherwise. */
    public static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }

    private static String sha1Hex(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every JDK", e);
        }
    }
}
