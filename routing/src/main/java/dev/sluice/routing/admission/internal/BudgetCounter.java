package dev.sluice.routing.admission.internal;

import dev.sluice.routing.admission.BudgetPeriod;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.TemporalAdjusters;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The spend of one scope in its current calendar period. Two words, each the period's 16-bit tag over 48 bits of
 * micro-units: {@code committed} (spent plus reserved, what admission checks against the hard cap) and
 * {@code spent} (settled costs only, what the soft threshold watches). Both change by compare-and-set, so a
 * reservation can never take the committed sum past the cap, whatever the race; a word whose tag is older than the
 * request's period starts over (at the seeded spend when the seed was taken in that period). Allocation-free except
 * once per period. Thread-safe.
 */
public final class BudgetCounter {
    /** The largest value a counter holds (micro-units), about 281 million in currency. */
    public static final long MAX_MICROS = (1L << 48) - 1;

    private final BudgetPeriod kind;
    private final ZoneId zone;
    private final int seedTag;
    private final long seedMicros;
    private final AtomicLong committed;
    private final AtomicLong spent;
    private volatile Period period;

    /**
     * @param seedMicros spend to start the period containing {@code seedMs} at (from the journal)
     * @param seedMs when the seed was taken, or -1 for no seed
     */
    public BudgetCounter(BudgetPeriod kind, ZoneId zone, long nowMs, long seedMicros, long seedMs) {
        this.kind = kind;
        this.zone = zone;
        Period now = Period.of(kind, zone, nowMs);
        this.period = now;
        if (seedMs >= 0 && seedMicros > 0) {
            this.seedTag = Period.of(kind, zone, seedMs).tag;
            this.seedMicros = Math.min(MAX_MICROS, seedMicros);
        } else {
            this.seedTag = -1;
            this.seedMicros = 0;
        }
        long initial = pack(now.tag, startOf(now.tag));
        this.committed = new AtomicLong(initial);
        this.spent = new AtomicLong(initial);
    }

    public BudgetPeriod kind() {
        return kind;
    }

    public ZoneId zone() {
        return zone;
    }

    /** Returns the tag of the period containing {@code nowMs}. */
    public int tagAt(long nowMs) {
        return periodAt(nowMs).tag;
    }

    /** Returns the milliseconds from {@code nowMs} to the start of the next period. */
    public long untilNextPeriodMs(long nowMs) {
        return periodAt(nowMs).endMs - nowMs;
    }

    /**
     * Reserves {@code costMicros} when spent plus reserved plus it stays within {@code hardMicros}; returns the tag
     * of the period it was charged to, or -1 when refused (nothing reserved).
     */
    public int tryReserve(long nowMs, long costMicros, long hardMicros) {
        int t = periodAt(nowMs).tag;
        long cost = Math.max(0, costMicros);
        while (true) {
            long s = committed.get();
            int st = tag(s);
            long v = value(s);
            if (st != t && newer(t, st)) {
                st = t;
                v = startOf(t);
            }
            if (v + cost > hardMicros || v + cost > MAX_MICROS) {
                return -1;
            }
            if (committed.compareAndSet(s, pack(st, v + cost))) {
                return st;
            }
        }
    }

    /** Replaces a reservation made in period {@code tag} by the real cost; nothing once that period is over. */
    public void settleReservation(int tag, long reservedMicros, long realMicros) {
        while (true) {
            long s = committed.get();
            if (tag(s) != tag) {
                return;
            }
            long v = Math.min(MAX_MICROS, Math.max(0, value(s) - Math.max(0, reservedMicros) + Math.max(0, realMicros)));
            if (committed.compareAndSet(s, pack(tag, v))) {
                return;
            }
        }
    }

    /** Adds a real cost to the spend of period {@code tag}; returns the spend afterwards, or -1 when it is over. */
    public long addSpent(int tag, long realMicros) {
        long add = Math.max(0, realMicros);
        while (true) {
            long s = spent.get();
            int st = tag(s);
            long v = value(s);
            if (st != tag) {
                if (!newer(tag, st)) {
                    return -1;
                }
                st = tag;
                v = startOf(tag);
            }
            long nv = Math.min(MAX_MICROS, v + add);
            if (spent.compareAndSet(s, pack(st, nv))) {
                return nv;
            }
        }
    }

    /** Returns the settled spend of the period containing {@code nowMs}. */
    public long spentMicros(long nowMs) {
        return valueAt(spent.get(), periodAt(nowMs).tag);
    }

    /** Returns spent plus reserved in the period containing {@code nowMs}. */
    public long committedMicros(long nowMs) {
        return valueAt(committed.get(), periodAt(nowMs).tag);
    }

    private long valueAt(long s, int t) {
        int st = tag(s);
        return st == t || !newer(t, st) ? value(s) : startOf(t);
    }

    private Period periodAt(long nowMs) {
        Period p = period;
        if (nowMs >= p.startMs && nowMs < p.endMs) {
            return p;
        }
        Period q = Period.of(kind, zone, nowMs);
        if (q.startMs > p.startMs) {
            period = q;
        }
        return q;
    }

    private long startOf(int tag) {
        return tag == seedTag ? seedMicros : 0;
    }

    private static boolean newer(int a, int b) {
        return (short) (a - b) > 0;
    }

    private static long pack(int tag, long micros) {
        return ((long) tag << 48) | micros;
    }

    private static int tag(long s) {
        return (int) (s >>> 48);
    }

    private static long value(long s) {
        return s & MAX_MICROS;
    }

    /** One calendar period: its tag (index mod 2^16) and bounds. Thread-safe (immutable). */
    static final class Period {
        final int tag;
        final long startMs;
        final long endMs;

        private Period(int tag, long startMs, long endMs) {
            this.tag = tag;
            this.startMs = startMs;
            this.endMs = endMs;
        }

        static Period of(BudgetPeriod kind, ZoneId zone, long nowMs) {
            LocalDate day = LocalDate.ofInstant(Instant.ofEpochMilli(nowMs), zone);
            LocalDate start;
            LocalDate end;
            long index;
            switch (kind) {
                case DAY:
                    start = day;
                    end = day.plusDays(1);
                    index = start.toEpochDay();
                    break;
                case WEEK:
                    start = day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
                    end = start.plusWeeks(1);
                    // 1970-01-05, epoch day 4, was a Monday.
                    index = Math.floorDiv(start.toEpochDay() - 4, 7);
                    break;
                default:
                    start = day.withDayOfMonth(1);
                    end = start.plusMonths(1);
                    index = start.getYear() * 12L + start.getMonthValue() - 1;
                    break;
            }
            return new Period((int) (index & 0xFFFF), start.atStartOfDay(zone).toInstant().toEpochMilli(),
                    end.atStartOfDay(zone).toInstant().toEpochMilli());
        }
    }
}
