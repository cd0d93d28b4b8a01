package dev.sluice.journal.internal;

import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import org.agrona.concurrent.IdleStrategy;

/**
 * Idle strategy of the journal thread: spin, then yield, then park until a producer calls {@link #wake()} (or
 * a safety timeout passes). The thread advertises that it is parked through a volatile flag, so producers pay
 * for an unpark only when the journal thread really sleeps; under load there is no system call per record.
 * Before parking it checks for work once more, after publishing the flag, so a record committed concurrently
 * is never left waiting for the timeout.
 * <p>
 * {@link #idle(int)} is confined to the journal thread; {@link #wake()} is thread-safe.
 */
public final class ParkingIdleStrategy implements IdleStrategy {
    /** Busy spins before yielding: a few microseconds. */
    public static final int DEFAULT_MAX_SPINS = 100;
    /** Yields before parking: tens of microseconds. */
    public static final int DEFAULT_MAX_YIELDS = 0;
    /** Longest park; a wake-up normally comes much sooner. */
    public static final long DEFAULT_MAX_PARK_NS = 100_000_000L;

    private final BooleanSupplier hasWork;
    private final int maxSpins;
    private final int maxYields;
    private final long maxParkNs;
    private volatile boolean parked;
    private volatile Thread owner;
    private int spins;
    private int yields;

    public ParkingIdleStrategy(BooleanSupplier hasWork) {
        this(hasWork, DEFAULT_MAX_SPINS, DEFAULT_MAX_YIELDS, DEFAULT_MAX_PARK_NS);
    }

    public ParkingIdleStrategy(BooleanSupplier hasWork, int maxSpins, int maxYields, long maxParkNs) {
        this.hasWork = hasWork;
        this.maxSpins = maxSpins;
        this.maxYields = maxYields;
        this.maxParkNs = maxParkNs;
    }

    /** Binds the strategy to the calling thread, the one {@link #wake()} unparks. */
    public void bindToCurrentThread() {
        owner = Thread.currentThread();
    }

    @Override
    public void idle(int workCount) {
        if (workCount > 0) {
            reset();
        } else {
            idle();
        }
    }

    @Override
    public void idle() {
        if (spins < maxSpins) {
            spins++;
            Thread.onSpinWait();
        } else if (yields < maxYields) {
            yields++;
            Thread.yield();
        } else {
            parked = true;
            // The volatile write above and this read are ordered: a producer that committed before we published
            // `parked` is seen here; one that commits after sees `parked` and unparks us.
            if (!hasWork.getAsBoolean()) {
                LockSupport.parkNanos(this, maxParkNs);
            }
            parked = false;
            reset();
        }
    }

    @Override
    public void reset() {
        spins = 0;
        yields = 0;
    }

    /** Unparks the journal thread if it advertises that it is parked; call after a full fence. */
    public void wake() {
        if (parked) {
            Thread t = owner;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
    }

    /** Unparks the journal thread unconditionally (used on close). */
    public void wakeAlways() {
        Thread t = owner;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    @Override
    public String alias() {
        return "sluice-parking";
    }
}
