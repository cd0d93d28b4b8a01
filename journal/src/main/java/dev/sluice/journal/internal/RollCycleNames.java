package dev.sluice.journal.internal;

import java.util.Locale;

import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;

/**
 * Maps a roll cycle name from the settings to a Chronicle {@link RollCycle}.
 * <p>
 * Thread-safe (stateless).
 */
public final class RollCycleNames {
    private RollCycleNames() {
    }

    /**
     * The roll cycle named {@code name} (case-insensitive): {@code DAILY} and {@code HOURLY} mean Chronicle's
     * {@code FAST_DAILY} and {@code FAST_HOURLY}; any other {@link RollCycles} or {@link TestRollCycles} name is
     * taken as is.
     *
     * @throws IllegalArgumentException when the name is unknown
     */
    public static RollCycle resolve(String name) {
        String upper = name.trim().toUpperCase(Locale.ROOT);
        switch (upper) {
            case "DAILY":
                return RollCycles.FAST_DAILY;
            case "HOURLY":
                return RollCycles.FAST_HOURLY;
            default:
                break;
        }
        for (RollCycles c : RollCycles.values()) {
            if (c.name().equals(upper)) {
                return c;
            }
        }
        for (TestRollCycles c : TestRollCycles.values()) {
            if (c.name().equals(upper)) {
                return c;
            }
        }
        throw new IllegalArgumentException("rollCycle: " + name + " (expected: DAILY, HOURLY, a RollCycles name or"
            + " a TestRollCycles name)");
    }
}
