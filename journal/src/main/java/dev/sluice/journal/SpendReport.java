package dev.sluice.journal;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
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
            unfinished = scanner.unfinished(team); // a team admin sees its own team's only
        }
        return of(by, sinceMs, zone, grouper.groups, grouper.total, unfinished, grouper.daily);
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
        final CalendarDays days;
        final Map<String, Sum> groups = new HashMap<>();
        final Sum total = new Sum();

        final String team;
        final Map<String, SortedMap<String, Long>> daily = new HashMap<>();

        Grouper(SpendDimension by, ZoneId zone, String team) {
            this.by = by;
            this.days = new CalendarDays(zone);
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
            return by == SpendDimension.DAY ? day(row.wallTimeMicros)
                : groupKey(by, row.keyId, row.team, row.project, row.useCase, row.model, row.agent, row.agentVersion);
        }

        private String day(long wallMicros) {
            return days.isoDate(wallMicros);
        }
    }

    /** The group of a request's tags under {@code by} (not {@link SpendDimension#DAY}: that is its day). */
    static String groupKey(SpendDimension by, String keyId, String team, String project, String useCase, String model,
                           String agent, String agentVersion) {
        switch (by) {
            case TEAM:
                return orAbsent(team);
            case PROJECT:
                return orAbsent(project);
            case USE_CASE:
                return orAbsent(useCase);
            case KEY:
                return orAbsent(keyId);
            case MODEL:
                return orAbsent(model);
            case AGENT:
                return orAbsent(agent);
            case AGENT_VERSION:
                return agent == null ? orAbsent(null) : agent + "@" + orAbsent(agentVersion);
            default:
                throw new IllegalArgumentException("by: " + by + " (expected: a tag, not the day)");
        }
    }

    private static String orAbsent(String tag) {
        return tag == null || tag.isEmpty() ? ABSENT : tag;
    }

    /**
     * A report from sums already grouped (a {@link JournalIndex}'s): rows ordered as {@link #read} orders them.
     */
    static SpendReport of(SpendDimension by, long sinceMs, ZoneId zone, Map<String, Sum> groups, Sum total,
                          long unfinished, Map<String, SortedMap<String, Long>> daily) {
        List<SpendRow> rows = new ArrayList<>(groups.size());
        for (Map.Entry<String, Sum> e : groups.entrySet()) {
            rows.add(e.getValue().toRow(e.getKey()));
        }
        Comparator<SpendRow> byKey = Comparator.comparing(SpendRow::key);
        rows.sort(by == SpendDimension.DAY ? byKey
            : Comparator.comparingLong(SpendRow::costMicros).reversed().thenComparing(byKey));
        return new SpendReport(by, sinceMs, zone, List.copyOf(rows), total.toRow("total"), unfinished, daily);
    }

    /** Exact running sums of one group. */
    static final class Sum {
        long requests;
        long costMicros;
        long unpriced;
        long tokensIn;
        long tokensOut;
        long tokensCached;
        long estimated;

        void add(SpendScanner.Row row) {
            add(row.costMicros, row.tokensIn, row.tokensOut, row.tokensCached, row.tokensEstimated);
        }

        /** Adds one finished request. */
        void add(long cost, long in, long out, long cached, boolean tokensEstimated) {
            requests++;
            if (cost >= 0) {
                costMicros = Math.addExact(costMicros, cost);
            } else {
                unpriced++;
            }
            tokensIn = Math.addExact(tokensIn, Math.max(0, in));
            tokensOut = Math.addExact(tokensOut, Math.max(0, out));
            tokensCached = Math.addExact(tokensCached, Math.max(0, cached));
            if (tokensEstimated) {
                estimated++;
            }
        }

        /** Adds another group's sums. */
        void add(Sum other) {
            requests += other.requests;
            costMicros = Math.addExact(costMicros, other.costMicros);
            unpriced += other.unpriced;
            tokensIn = Math.addExact(tokensIn, other.tokensIn);
            tokensOut = Math.addExact(tokensOut, other.tokensOut);
            tokensCached = Math.addExact(tokensCached, other.tokensCached);
            estimated += other.estimated;
        }

        SpendRow toRow(String key) {
            return new SpendRow(key, requests, costMicros, unpriced, tokensIn, tokensOut, tokensCached, estimated);
        }
    }
}
