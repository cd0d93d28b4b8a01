package dev.sluice.journal;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;

import dev.sluice.journal.internal.RollCycleNames;

/**
 * Settings of one {@link Journal}: where it lives, how big each producer's ring is, how the queue rolls, the
 * wall clock for the records the journal writes itself (recovery ends, boot record), and the version string
 * stamped into the boot record. Build with {@link #builder(Path)}.
 * <p>
 * Thread-safe (immutable).
 */
public final class JournalSettings {
    /** Default bytes of each producer's ring: 4 MiB (a power of two). */
    public static final int DEFAULT_RING_CAPACITY_BYTES = 4 * 1024 * 1024;
    /** Smallest ring: it must hold several maximum-size records (each string capped at 1 KiB). */
    public static final int MIN_RING_CAPACITY_BYTES = 64 * 1024;
    /** Default roll cycle: one file per UTC day. */
    public static final String DEFAULT_ROLL_CYCLE = "DAILY";
    /** Default free bytes below which new requests are refused: 0, no byte threshold (the gateway sets one). */
    public static final long DEFAULT_MIN_FREE_BYTES = 0;
    /** Default free percent below which new requests are refused: 0, no percent threshold. */
    public static final int DEFAULT_MIN_FREE_PERCENT = 0;
    /** How often the free space of the journal's file system is checked, in milliseconds. */
    public static final long DEFAULT_FREE_SPACE_CHECK_INTERVAL_MS = 250;
    /**
     * Default largest record a direct producer appends: the default capture limit (1 MiB of request and answer)
     * and room for the record's own fields.
     */
    public static final int DEFAULT_MAX_RECORD_BYTES = 2 * 1024 * 1024;
    /**
     * Smallest mapping block of a partition a journal writes (see {@link #blockBytes()}): Chronicle's own default.
     * Smaller blocks keep fewer pages resident but were measured to cost a quarter of the event loops' time when
     * answers are captured (Chronicle moving to the next block of the file under the writer).
     */
    public static final long MIN_BLOCK_BYTES = 64L * 1024 * 1024;
    /** Version string written into the boot record when none is set. */
    public static final String DEFAULT_VERSION = "dev";

    private final Path dir;
    private final int ringCapacityBytes;
    private final String rollCycle;
    private final Clock clock;
    private final Clock rollClock;
    private final String version;
    private final JournalMode mode;
    private final Path signingKeyFile;
    private final RecoveryPricer recoveryPricer;
    private final long minFreeBytes;
    private final int minFreePercent;
    private final long freeSpaceCheckIntervalMs;
    private final int maxRecordBytes;

    private JournalSettings(Builder b) {
        this.maxRecordBytes = b.maxRecordBytes;
        this.minFreeBytes = b.minFreeBytes;
        this.minFreePercent = b.minFreePercent;
        this.freeSpaceCheckIntervalMs = b.freeSpaceCheckIntervalMs;
        this.dir = b.dir;
        this.ringCapacityBytes = b.ringCapacityBytes;
        this.rollCycle = b.rollCycle;
        this.mode = b.mode;
        this.clock = b.clock;
        this.rollClock = b.rollClock;
        this.version = b.version;
        this.signingKeyFile = b.signingKeyFile;
        this.recoveryPricer = b.recoveryPricer;
    }

    /** A builder for a journal in {@code dir} (the queue directory itself). */
    public static Builder builder(Path dir) {
        return new Builder(dir);
    }

    public Path dir() {
        return dir;
    }

    public int ringCapacityBytes() {
        return ringCapacityBytes;
    }

    /** The roll cycle name, e.g. {@code DAILY}, {@code FAST_HOURLY}, {@code TEST_SECONDLY}. */
    /** How producers' records reach the queue file. */
    public JournalMode mode() {
        return mode;
    }

    public String rollCycle() {
        return rollCycle;
    }

    public Clock clock() {
        return clock;
    }

    /**
     * The clock that picks the cycle a record is appended to: the system's, except for a tool that writes a past
     * period (each day's records then land in that day's cycle, as a gateway running then would have put them).
     */
    public Clock rollClock() {
        return rollClock;
    }

    public String version() {
        return version;
    }

    /** The largest record a direct producer must be able to append (see {@link #blockBytes()}). */
    public int maxRecordBytes() {
        return maxRecordBytes;
    }

    /**
     * Bytes of each mapping block of the partitions this journal writes: large enough for the largest record
     * (Chronicle takes a record of at most a quarter of a block, so a 16 MiB capture did not fit its default
     * block): four times {@link #maxRecordBytes()} rounded up to a power of two, at least {@link #MIN_BLOCK_BYTES}.
     */
    public long blockBytes() {
        long wanted = 4L * maxRecordBytes;
        long pow2 = Long.highestOneBit(wanted) == wanted ? wanted : Long.highestOneBit(wanted) << 1;
        return Math.max(MIN_BLOCK_BYTES, pow2);
    }

    /** Free bytes of the journal's file system below which new requests are refused (0: none). */
    public long minFreeBytes() {
        return minFreeBytes;
    }

    /** Free percent of the journal's file system below which new requests are refused (0: none). */
    public int minFreePercent() {
        return minFreePercent;
    }

    /** Milliseconds between two checks of the free space. */
    public long freeSpaceCheckIntervalMs() {
        return freeSpaceCheckIntervalMs;
    }

    /**
     * The Ed25519 key file that signs the chain heads (created 0600 when missing), or null: records are chained
     * but no seal is written, so the chain alone proves only that nothing was changed by someone who did not
     * recompute it.
     */
    public Path signingKeyFile() {
        return signingKeyFile;
    }

    /** Prices the requests recovery finds interrupted, from the tokens their captured parts show. */
    public RecoveryPricer recoveryPricer() {
        return recoveryPricer;
    }

    /**
     * Builder of {@link JournalSettings}.
     * <p>
     * Confined to one thread.
     */
    public static final class Builder {
        private final Path dir;
        private int ringCapacityBytes = DEFAULT_RING_CAPACITY_BYTES;
        private String rollCycle = DEFAULT_ROLL_CYCLE;
        private Clock clock = Clock.systemUTC();
        private Clock rollClock = Clock.systemUTC();
        private String version = DEFAULT_VERSION;
        private JournalMode mode = JournalMode.HANDOFF;
        private Path signingKeyFile;
        private RecoveryPricer recoveryPricer = RecoveryPricer.NONE;
        private long minFreeBytes = DEFAULT_MIN_FREE_BYTES;
        private int minFreePercent = DEFAULT_MIN_FREE_PERCENT;
        private long freeSpaceCheckIntervalMs = DEFAULT_FREE_SPACE_CHECK_INTERVAL_MS;
        private int maxRecordBytes = DEFAULT_MAX_RECORD_BYTES;

        private Builder(Path dir) {
            this.dir = Objects.requireNonNull(dir, "dir");
        }

        /** Bytes of each producer's ring: a power of two, at least {@link #MIN_RING_CAPACITY_BYTES}. */
        public Builder ringCapacityBytes(int ringCapacityBytes) {
            if (ringCapacityBytes < MIN_RING_CAPACITY_BYTES || Integer.bitCount(ringCapacityBytes) != 1) {
                throw new IllegalArgumentException("ringCapacityBytes: " + ringCapacityBytes
                    + " (expected: a power of two >= " + MIN_RING_CAPACITY_BYTES + ")");
            }
            this.ringCapacityBytes = ringCapacityBytes;
            return this;
        }

        /** The roll cycle by name; {@code DAILY} (the default) and {@code HOURLY} map to Chronicle's FAST_ ones. */
        public Builder rollCycle(String rollCycle) {
            RollCycleNames.resolve(Objects.requireNonNull(rollCycle, "rollCycle"));
            this.rollCycle = rollCycle;
            return this;
        }

        public Builder mode(JournalMode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** See {@link JournalSettings#rollClock()}. */
        public Builder rollClock(Clock rollClock) {
            this.rollClock = Objects.requireNonNull(rollClock, "rollClock");
            return this;
        }

        /** See {@link JournalSettings#maxRecordBytes()}; between 64 KiB and 256 MiB. */
        public Builder maxRecordBytes(int maxRecordBytes) {
            if (maxRecordBytes < 64 * 1024 || maxRecordBytes > 256 * 1024 * 1024) {
                throw new IllegalArgumentException("maxRecordBytes: " + maxRecordBytes
                    + " (expected: 64 KiB to 256 MiB)");
            }
            this.maxRecordBytes = maxRecordBytes;
            return this;
        }

        public Builder version(String version) {
            this.version = Objects.requireNonNull(version, "version");
            return this;
        }

        /** The key file that signs chain heads; keep it outside the journal directory. Null: no seals. */
        public Builder signingKeyFile(Path signingKeyFile) {
            this.signingKeyFile = signingKeyFile;
            return this;
        }

        public Builder recoveryPricer(RecoveryPricer recoveryPricer) {
            this.recoveryPricer = Objects.requireNonNull(recoveryPricer, "recoveryPricer");
            return this;
        }

        /**
         * New requests are refused while the journal's file system has fewer than {@code minFreeBytes} free bytes
         * or less than {@code minFreePercent} percent free (either 0: that threshold is off).
         */
        public Builder minFree(long minFreeBytes, int minFreePercent) {
            if (minFreeBytes < 0) {
                throw new IllegalArgumentException("minFreeBytes: " + minFreeBytes + " (expected: >= 0)");
            }
            if (minFreePercent < 0 || minFreePercent > 100) {
                throw new IllegalArgumentException("minFreePercent: " + minFreePercent + " (expected: 0 to 100)");
            }
            this.minFreeBytes = minFreeBytes;
            this.minFreePercent = minFreePercent;
            return this;
        }

        /** Milliseconds between two free-space checks (at least 1). */
        public Builder freeSpaceCheckIntervalMs(long intervalMs) {
            if (intervalMs < 1) {
                throw new IllegalArgumentException("intervalMs: " + intervalMs + " (expected: >= 1)");
            }
            this.freeSpaceCheckIntervalMs = intervalMs;
            return this;
        }

        public JournalSettings build() {
            return new JournalSettings(this);
        }
    }
}
