/**
 * The gateway process and its wiring. {@link Gateway} starts and stops one: event loops (epoll when available, one
 * per core by default), the client API and the loopback-only admin API, the journal with one producer per event
 * loop, admission (local or through Redis) seeded with the journal's spend, the run-time key store, and the
 * built-in mock provider when the configuration uses it; {@link Gateway#apply} puts a new snapshot in use.
 * {@link ConfigReloader} re-reads the configuration on a file change, {@code SIGHUP} or {@code POST /admin/reload},
 * and keeps the running snapshot when the file is invalid. {@link RelayHarness} opens the SSE relay to benchmarks
 * (the gateway never uses it); {@link Version} is the product version.
 * <p>
 * No request handling lives here: it is in {@code dev.sluice.proxy.internal}, which is not API. Provider host names
 * are resolved here, at start and on each apply, so that no event loop waits for DNS.
 * <p>
 * Threading: {@link Gateway} and {@link ConfigReloader} are thread-safe; {@link Gateway#start} and
 * {@link Gateway#apply} block and must not run on an event loop; every configuration change (reloads, key changes)
 * runs on the configuration agent's thread {@code sluice-config}, the file watch on {@code sluice-config-watch}; {@link RelayHarness} is confined to the client channel's event loop.
 */
package dev.sluice.proxy;
