package dev.sluice.journal.cli;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses {@code --since}: an ISO-8601 instant ({@code 2026-11-26T10:00:00Z}), offset date-time, local date-time
 * or date (both taken as UTC unless a zone is given), or a relative age ({@code 30s}, {@code 15m}, {@code 2h},
 * {@code 1d}) before now.
 * <p>
 * Thread-safe (stateless).
 */
public final class SinceParser {
    private static final Pattern RELATIVE = Pattern.compile("(\\d{1,9})([smhd])");

    private SinceParser() {
    }

    /**
     * The time as epoch microseconds, a relative age counted back from the system's clock.
     *
     * @throws IllegalArgumentException when the text matches none of the forms
     */
    public static long parseMicros(String text) {
        return parseMicros(text, Clock.systemUTC(), ZoneOffset.UTC);
    }

    /**
     * The time as epoch microseconds.
     *
     * @throws IllegalArgumentException when the text matches none of the forms
     */
    public static long parseMicros(String text, Clock clock) {
        return parseMicros(text, clock, ZoneOffset.UTC);
    }

    /**
     * The time as epoch microseconds; a local date-time or date is taken in {@code zone}.
     *
     * @throws IllegalArgumentException when the text matches none of the forms
     */
    public static long parseMicros(String text, Clock clock, ZoneId zone) {
        String t = text.trim();
        Matcher m = RELATIVE.matcher(t);
        if (m.matches()) {
            long amount = Long.parseLong(m.group(1));
            long ageMicros;
            switch (m.group(2)) {
                case "s":
                    ageMicros = TimeUnit.SECONDS.toMicros(amount);
                    break;
                case "m":
                    ageMicros = TimeUnit.MINUTES.toMicros(amount);
                    break;
                case "h":
                    ageMicros = TimeUnit.HOURS.toMicros(amount);
                    break;
                default:
                    ageMicros = TimeUnit.DAYS.toMicros(amount);
                    break;
            }
            return toMicros(clock.instant()) - ageMicros;
        }
        try {
            return toMicros(Instant.parse(t));
        } catch (DateTimeParseException ignored) {
            // try the next form
        }
        try {
            return toMicros(OffsetDateTime.parse(t).toInstant());
        } catch (DateTimeParseException ignored) {
            // try the next form
        }
        try {
            return toMicros(LocalDateTime.parse(t).atZone(zone).toInstant());
        } catch (DateTimeParseException ignored) {
            // try the next form
        }
        try {
            return toMicros(LocalDate.parse(t).atStartOfDay(zone).toInstant());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("--since: " + text
                + " (expected: an ISO-8601 instant or date, or an age like 15m, 2h, 1d)", e);
        }
    }

    static long toMicros(Instant instant) {
        return TimeUnit.SECONDS.toMicros(instant.getEpochSecond()) + instant.getNano() / 1000;
    }
}
