package dev.sluice.proxy.cli;

import dev.sluice.routing.config.KeyDigester;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.security.SecureRandom;
import java.util.concurrent.Callable;

/**
 * {@code sluice keys}: make client keys and the hashes {@code conf/sluice.yaml} stores instead of them.
 */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "Client keys (stored as hashes only).",
        subcommands = {KeysCommand.Hash.class, KeysCommand.Generate.class})
public final class KeysCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code sluice keys hash SECRET}. */
    @Command(name = "hash", mixinStandardHelpOptions = true,
            description = "Print the hash line for a key secret, to paste under keys: in conf/sluice.yaml.")
    static final class Hash implements Callable<Integer> {
        @Parameters(paramLabel = "SECRET", description = "The key the client will send.")
        String secret;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().getOut().println("hash: sha256:" + KeyDigester.sha256Hex(secret));
            return 0;
        }
    }

    /** {@code sluice keys generate}. */
    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = "Make a new random key; prints the secret once and its hash line.")
    static final class Generate implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            byte[] b = new byte[24];
            new SecureRandom().nextBytes(b);
            StringBuilder s = new StringBuilder("sk-sluice-");
            for (byte x : b) {
                s.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println("secret: " + s + "   (shown once; give it to the client)");
            out.println("hash: sha256:" + KeyDigester.sha256Hex(s.toString()));
            return 0;
        }
    }
}
