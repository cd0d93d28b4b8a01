package dev.sluice.journal;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Cost and tokens of the finished requests in a journal since a time, grouped by one {@link SpendDimension},
 * with a total that equals the sum over the end records of those requests exactly. A request counts when its
 * wall time is at or after the start and it has an end record (interrupted requests included: recovery wrote
 * their end); requests still without an end are only counted in {@link #unfinishedRequests()}. Missing or empty
 * tags group under {@value #ABSENT}. Rows are ordered by day for {@link SpendDimension#DAY}, otherwise by cost
 * (highest first), then key.
 * <p>
 * Thread-safe (immutable once read).
 */
public final class SpendReport {
    /** The group key of requests without the tag. */
    public static final String ABSENT = "-";

    private final SpendDimension dimension;
    private final long sinceMs;
    private final ZoneId zone;
    private final List<SpendRow> rows;
    private final SpendRow total;
    private final long unfinishedRequests;
    /** Cost per group and calendar day (in the report's zone), in micro-units. */
    private final Map<String, SortedMap<String, Long>> daily;

    private SpendReport(SpendDimension dimension, long sinceMs, ZoneId zone, List<SpendRow> rows, SpendRow total,
                        long unfinishedRequests, Map<String, SortedMap<String, Long>> daily) {
        this.dimension = dimension;
        this.sinceMs = sinceMs;
        this.zone = zone;
        this.rows = rows;
        this.total = total;
        this.unfinishedRequests = unfinishedRequests;
        Map<String, SortedMap<String, Long>> days = new HashMap<>();
        daily.forEach((k, v) -> days.put(k, Collections.unmodifiableSortedMap(v)));
        this.daily = Map.copyOf(days);
    }

    /** {@link #read(Path, SpendDimension, long, ZoneId)} with days in UTC. */
    public static SpendReport read(Path journalDir, SpendDimension by, long sinceMs) {
        return read(journalDir, by, sinceMs, ZoneOffset.UTC);
    }

    /**
     * Reads the journal in {@code journalDir} (it may be written meanwhile) from {@code sinceMs} (epoch
     * milliseconds, compared with each request's wall time) and groups by {@code by}; days are calendar days in
     * {@code zone}.
     *
     * @throws IllegalArgumentException when {@code journalDir} holds no journal
     * @throws ArithmeticException when a sum overflows a long
     */
    public static SpendReport read(Path journalDir, SpendDimension by, long sinceMs, ZoneId zone) {
        return read(List.of(requireNonNull(journalDir, "journalDir")), by, sinceMs, zone);
    }

    /**
     * As {@link #read(Path, SpendDimension, long, ZoneId)}, over several gateways' journals read as one (a
     * cluster's spend).
     */
    public static SpendReport read(List<Path> journalDirs, SpendDimension by, long sinceMs, ZoneId zone) {
        return read(journalDirs, by, sinceMs, zone, null);
    }

    /**
     * As {@link #read(List, SpendDimension, long, ZoneId)}, of the requests of team {@code team} only ({@code null}:
     * every request): what a team admin may see.
     */
    public static SpendReport read(List<Path> journalDirs, SpendDimension by, long sinceMs, ZoneId zone,
                                   String team) {
        requireNonNull(journalDirs, "journalDirs");
        requireNonNull(by, "by");
        requireNonNull(zone, "zone");
        Grouper grouper = new Grouper(by, zone, team);
        long unfinished;
        try (SpendScanner scanner = SpendScanner.open(journalDirs)) {
            scanner.scan(SpendLedger.toMicros(sinceMs), grouper::add);
            unfinished = scanner.unfinished();
        }
        List<SpendRow> rows = new ArrayList<>(grouper.groups.size());
        for (Map.Entry<String, Sum> e : grouper.groups.entrySet()) {
            rows.add(e.getValue().toRow(e.getKey()));
        }
        Comparator<SpendRow> byKey = Comparator.comparing(SpendRow::key);
        rows.sort(by == SpendDimension.DAY ? byKey
            : Comparator.comparingLong(SpendRow::costMicros).reversed().thenComparing(byKey));
        return new SpendReport(by, sinceMs, zone, List.copyOf(rows), grouper.total.toRow("total"), unfinished,
                grouper.daily);
    }

    public SpendDimension dimension() {
        return dimension;
    }

    /** The start, epoch milliseconds. */
    public long sinceMs() {
        return sinceMs;
    }

    /** The zone days are counted in. */
    public ZoneId zone() {
        return zone;
    }

    /** One row per group, in report order. */
    public List<SpendRow> rows() {
        return rows;
    }

    /** The sum of every row (key {@code "total"}). */
    public SpendRow total() {
        return total;
    }

    /**
     * The cost of each group by calendar day (in the report's zone), in micro-units: what a chart of spend over
     * time draws; each group's days add up to its row's cost.
     */
    public Map<String, SortedMap<String, Long>> daily() {
        return daily;
    }

    /** Requests since the start without an end record: in flight, or lost to a crash not yet recovered. */
    public long unfinishedRequests() {
        return unfinishedRequests;
    }

    /** Adds finished requests to their group and to the total. */
    private static final class Grouper {
        final SpendDimension by;
        final ZoneId zone;
        final Map<String, Sum> groups = new HashMap<>();
        final Sum total = new Sum();
        // The day of the previous request: consecutive requests mostly share one, so no date math for them.
        long dayStartMicros = Long.MAX_VALUE;
        long dayEndMicros = Long.MIN_VALUE;
        String dayKey;

        final String team;
        final Map<String, SortedMap<String, Long>> daily = new HashMap<>();

        Grouper(SpendDimension by, ZoneId zone, String team) {
            this.by = by;
            this.zone = zone;
            this.team = team;
        }

        void add(SpendScanner.Row row) {
            if (team != null && !team.equals(row.team)) {
                return;
            }
            String key = key(row);
            groups.computeIfAbsent(key, k -> new Sum()).add(row);
            total.add(row);
            if (row.costMicros > 0) {
                daily.computeIfAbsent(key, k -> new TreeMap<>()).merge(day(row.wallTimeMicros), row.costMicros,
                        Math::addExact);
            }
        }

        private String key(SpendScanner.Row row) {
            switch (by) {
                case TEAM:
                    return orAbsent(row.team);
                case PROJECT:
                    return orAbsent(row.project);
                case USE_CASE:
                    return orAbsent(row.useCase);
                case KEY:
                    return orAbsent(row.keyId);
                case MODEL:
                    return orAbsent(row.model);
                case AGENT:
                    return orAbsent(row.agent);
                case AGENT_VERSION:
                    return row.agent == null ? orAbsent(null) : row.agent + "@" + orAbsent(row.agentVersion);
                default:
                    return day(row.wallTimeMicros);
            }
        }

        private String day(long wallMicros) {
            if (wallMicros < dayStartMicros || wallMicros >= dayEndMicros) {
                Instant instant = Instant.ofEpochSecond(Math.floorDiv(wallMicros, 1_000_000L),
                    Math.floorMod(wallMicros, 1_000_000L) * 1000L);
                LocalDate date = LocalDate.ofInstant(instant, zone);
                dayStartMicros = micros(date.atStartOfDay(zone).toInstant());
                dayEndMicros = micros(date.plusDays(1).atStartOfDay(zone).toInstant());
                dayKey = date.toString();
            }
            return dayKey;
        }

        private static long micros(Instant instant) {
            return TimeUnit.SECONDS.toMicros(instant.getEpochSecond()) + instant.getNano() / 1000;
        }

        private static String orAbsent(String tag) {
            return tag == null || tag.isEmpty() ? ABSENT : tag;
        }
    }

    /** Exact running sums of one group. */
    private static final class Sum {
        long requests;
        long costMicros;
        long unpriced;
        long tokensIn;
        long tokensOut;
        long tokensCached;
        long estimated;

        void add(SpendScanner.Row row) {
            requests++;
            if (row.costMicros >= 0) {
                costMicros = Math.addExact(costMicros, row.costMicros);
            } else {
                unpriced++;
            }
            tokensIn = Math.addExact(tokensIn, Math.max(0, row.tokensIn));
            tokensOut = Math.addExact(tokensOut, Math.max(0, row.tokensOut));
            tokensCached = Math.addExact(tokensCached, Math.max(0, row.tokensCached));
            if (row.tokensEstimated) {
                estimated++;
            }
        }

        SpendRow toRow(String key) {
            return new SpendRow(key, requests, costMicros, unpriced, tokensIn, tokensOut, tokensCached, estimated);
        }
    }
}
