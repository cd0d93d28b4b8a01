package dev.sluice.routing.config;

/**
 * Where the gateway listens and the limits it applies to every client request. Thread-safe (immutable).
 *
 * @param host listen address of the client API (loopback by default)
 * @param port client API port, {@value #DEFAULT_PORT} by default
 * @param adminPort admin API port (loopback only), {@value #DEFAULT_ADMIN_PORT} by default
 * @param ioThreads event loops; 0 means one per available core
 * @param maxBodyBytes largest request body accepted (413 past it)
 * @param maxHeaderBytes largest header block accepted (431 past it)
 * @param maxRequestLineBytes longest request line accepted (414 past it)
 * @param journalRingBytes per-event-loop journal hand-off ring capacity (journal mode {@code handoff})
 * @param journalMode {@value #JOURNAL_DIRECT} (event loops append to the journal themselves, durable on return)
 *        or {@value #JOURNAL_HANDOFF} (they hand records to one journal thread)
 * @param journalMinFreeBytes new requests are refused (503 {@code audit_unavailable}) while the journal's file
 *        system has fewer free bytes than this, {@value #DEFAULT_JOURNAL_MIN_FREE_BYTES} by default (0: no byte
 *        threshold); the room left takes the END records of the requests in flight
 * @param journalMinFreePercent the same as a percentage of the file system, {@value #DEFAULT_JOURNAL_MIN_FREE_PERCENT}
 *        by default (0: no percent threshold); the request is refused when either threshold is crossed
 * @param drainTimeoutMs on SIGTERM, how long requests in flight may take to finish after the gateway stopped
 *        accepting new ones, {@value #DEFAULT_DRAIN_TIMEOUT_MS} by default; those still running then are cut
 * @param backgroundNice the nice value {@code sluice serve} gives the JVM's compiler threads and the gateway's own
 *        housekeeping threads on Linux, so that the event loops have a core first, {@value #DEFAULT_BACKGROUND_NICE}
 *        by default (0: every thread keeps the priority it started with); read at start
 * @param limits connection timeouts, connection and request caps and the memory guard of the client listener
 * @param tls the certificate and key of the client listener ({@code server.tls}), or {@code null}: plain HTTP. Applies
 *        on a reload, as {@code limits} do: connections opened afterwards use the files as they are then
 */
public record ServerSettings(String host, int port, int adminPort, int ioThreads, int maxBodyBytes,
                             int maxHeaderBytes, int maxRequestLineBytes, int journalRingBytes, String journalMode,
                             long journalMinFreeBytes, int journalMinFreePercent, long drainTimeoutMs,
                             int backgroundNice, ClientLimits limits, TlsSettings tls) {
    public static final String JOURNAL_DIRECT = "direct";
    public static final String JOURNAL_HANDOFF = "handoff";
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;
    public static final int DEFAULT_ADMIN_PORT = 8081;
    public static final int DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
    public static final int DEFAULT_MAX_HEADER_BYTES = 8 * 1024;
    public static final int DEFAULT_MAX_REQUEST_LINE_BYTES = 4 * 1024;
    public static final int DEFAULT_JOURNAL_RING_BYTES = 4 * 1024 * 1024;
    /** 128 MiB: far more than the END records of the requests in flight need while new ones are refused. */
    public static final long DEFAULT_JOURNAL_MIN_FREE_BYTES = 128L * 1024 * 1024;
    public static final int DEFAULT_JOURNAL_MIN_FREE_PERCENT = 1;
    public static final long DEFAULT_DRAIN_TIMEOUT_MS = 30_000;
    public static final int DEFAULT_BACKGROUND_NICE = 10;

    /**
     * Returns a copy with other client limits and TLS settings (they apply on a reload; the rest of the section needs
     * a restart).
     */
    public ServerSettings withReloadable(ClientLimits newLimits, TlsSettings newTls) {
        return new ServerSettings(host, port, adminPort, ioThreads, maxBodyBytes, maxHeaderBytes,
                maxRequestLineBytes, journalRingBytes, journalMode, journalMinFreeBytes, journalMinFreePercent,
                drainTimeoutMs, backgroundNice, newLimits, newTls);
    }

    /** Returns a copy listening on other ports (command-line overrides; 0 picks a free port). */
    public ServerSettings withPorts(int newPort, int newAdminPort) {
        return new ServerSettings(host, newPort, newAdminPort, ioThreads, maxBodyBytes, maxHeaderBytes,
                maxRequestLineBytes, journalRingBytes, journalMode, journalMinFreeBytes, journalMinFreePercent,
                drainTimeoutMs, backgroundNice, limits, tls);
    }
}
