/**
 * The {@code sluice} command line (picocli). {@link SluiceCommand} mounts {@link ServeCommand} ({@code serve}: load
 * and validate the configuration, start a gateway and its configuration reloader, run until Ctrl-C or SIGTERM),
 * {@link KeysCommand} ({@code keys}), and the verbs other modules provide ({@code journal}, {@code spend},
 * {@code mock-provider}). {@code keys hash} and {@code keys generate} work offline and print the hash line the
 * configuration stores; {@code create}, {@code list}, {@code revoke}, {@code rotate}, {@code disable} and
 * {@code enable} act on a running gateway's run-time keys through its admin API ({@link AdminClient}).
 * <p>
 * The key verbs change no file or store themselves: they call the admin API over HTTP with the admin token and never
 * follow redirects. A secret is printed once, when it is made; the gateway keeps only its hash.
 * <p>
 * Threading: each command runs on the thread that invoked it (the main thread); {@code serve} then waits there while
 * the gateway runs on its own threads, and a shutdown hook ({@code sluice-shutdown}) closes it.
 */
package dev.sluice.proxy.cli;
