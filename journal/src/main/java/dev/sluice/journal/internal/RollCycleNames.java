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

    /**
     * The settings' name of {@code cycle} ({@code DAILY}, {@code HOURLY}, a {@link RollCycles} or {@link TestRollCycles}
     * name), matched by length and file name format; else its format and length.
     */
    public static String nameOf(RollCycle cycle) {
        for (String name : new String[] {"DAILY", "HOURLY"}) {
            if (same(resolve(name), cycle)) {
                return name;
            }
        }
        for (RollCycles c : RollCycles.values()) {
            if (same(c, cycle)) {
                return c.name();
            }
        }
        for (TestRollCycles c : TestRollCycles.values()) {
            if (same(c, cycle)) {
                return c.name();
            }
        }
        return cycle.format() + " every " + CycleFiles.lengthMs(cycle) + " ms";
    }

    /** Whether two roll cycles cut and name their files alike (what a configuration can tell apart). */
    public static boolean same(RollCycle a, RollCycle b) {
        return CycleFiles.lengthMs(a) == CycleFiles.lengthMs(b) && a.format().equals(b.format());
    }
}
