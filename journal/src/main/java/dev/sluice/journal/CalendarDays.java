package dev.sluice.journal;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.concurrent.TimeUnit;

/**
 * The calendar day of a wall time in one zone, remembering the last day met: consecutive times (a journal's
 * records, in order) mostly share one, and need no date arithmetic.
 * <p>
 * Confined to the reading thread.
 */
final class CalendarDays {
    private final ZoneId zone;
    private long startMicros = Long.MAX_VALUE;
    private long endMicros = Long.MIN_VALUE;
    private long epochDay;
    private String isoDate;

    CalendarDays(ZoneId zone) {
        this.zone = zone;
    }

    /** The day of {@code wallMicros} (epoch microseconds) as days since 1970-01-01 in the zone. */
    long epochDay(long wallMicros) {
        move(wallMicros);
        return epochDay;
    }

    /** The day of {@code wallMicros} as an ISO date ({@code 2026-12-05}). */
    String isoDate(long wallMicros) {
        move(wallMicros);
        if (isoDate == null) {
            isoDate = LocalDate.ofEpochDay(epochDay).toString();
        }
        return isoDate;
    }

    private void move(long wallMicros) {
        if (wallMicros >= startMicros && wallMicros < endMicros) {
            return;
        }
        Instant instant = Instant.ofEpochSecond(Math.floorDiv(wallMicros, 1_000_000L),
            Math.floorMod(wallMicros, 1_000_000L) * 1000L);
        LocalDate date = LocalDate.ofInstant(instant, zone);
        startMicros = micros(date.atStartOfDay(zone).toInstant());
        endMicros = micros(date.plusDays(1).atStartOfDay(zone).toInstant());
        epochDay = date.toEpochDay();
        isoDate = null;
    }

    private static long micros(Instant instant) {
        return TimeUnit.SECONDS.toMicros(instant.getEpochSecond()) + instant.getNano() / 1000;
    }
}
