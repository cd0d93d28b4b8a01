package dev.sluice.journal;

import static java.util.Objects.requireNonNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import dev.sluice.journal.internal.RecordLayout;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * What the console asks of a journal, kept current by following it, so that a month of journal is not read again
 * for every page: the spend of every tag by calendar day, the most recent finished requests (as their records'
 * bytes, decoded when asked for), the evaluation runs, and a sample of request ids with their times, from which
 * {@link #requestTimeHint} tells {@link RequestHistory#find(List, long, long)} where to start reading. Memory
 * follows the tags and days, not the requests: a month of a million requests is read in about a second.
 * <p>
 * {@link #catchUp} reads what was appended since the last call (the first call reads the whole journal, as one
 * {@code sluice spend} would). {@link #spend} then answers a spend report from the day sums, equal to what
 * {@link SpendReport#read(List, SpendDimension, long, ZoneId, String)} reads from the files, when the report starts
 * at the start of a day in the index's zone (or covers everything); {@link #recent} answers a search of the last
 * finished requests from a window of the latest ones when the window holds the whole answer. Each answers
 * {@code null} when it cannot be exact; the caller then reads the files.
 * <p>
 * Cycles removed by the compactor (past the record retention) leave the index counting requests the files no longer
 * hold: the index sees the removal's admin record, and once the file is gone reads the journal again from its new
 * start.
 * <p>
 * Confined to one thread (the one that opened it).
 */
public final class JournalIndex implements AutoCloseable {
    /** Finished requests kept for {@link #recent}, newest last. */
    public static final int DEFAULT_RECENT = 4096;

    private static final SpendDimension[] TAGS = {SpendDimension.TEAM, SpendDimension.PROJECT,
        SpendDimension.USE_CASE, SpendDimension.KEY, SpendDimension.MODEL, SpendDimension.AGENT,
        SpendDimension.AGENT_VERSION};
    private static final long MICROS_PER_MS = 1000;
    /** One request in this many is sampled for {@link #requestTimeHint}. */
    static final int SAMPLE_EVERY = 512;
    /**
     * How much earlier than its sample a request may have started: ids and wall times are taken at the request's
     * start, by threads that race, and a clock may step back a little.
     */
    static final long HINT_MARGIN_MICROS = TimeUnit.HOURS.toMicros(1);

    private final List<Path> journalDirs;
    private final ZoneId zone;
    private final int recentCapacity;
    private final RecordDecoder decoder = new RecordDecoder();
    /** Sums by calendar day (epoch day in {@link #zone}). */
    private final TreeMap<Long, Day> days = new TreeMap<>();
    /** The latest finished requests as their records' bytes, decoded when asked for: a ring, {@link #next} next. */
    private final Slot[] recent;
    private int next;
    /** "agent@version" group keys, made once each. */
    private final Map<String, Map<String, String>> agentVersions = new HashMap<>();
    private final SpendScanner.Sink sink = new SpendScanner.Sink() {
        @Override
        public void onFinished(SpendScanner.Row row) {
            finished(row);
        }

        @Override
        public void onOther(byte type, DirectBuffer record) {
            other(type, record);
        }
    };
    private final List<EvalRecord> evals = new ArrayList<>();
    /** Cycle files the compactor recorded removing; once one is gone the index is read again. */
    private final Set<Path> removing = new HashSet<>();
    /** Every {@value #SAMPLE_EVERY}th request's id and wall time, ids ascending: {@link #requestTimeHint}. */
    private long[] sampleIds = new long[256];
    private long[] sampleWalls = new long[256];
    private int samples;
    private SpendScanner scanner;
    /** The latest request wall time among the finished requests that left {@link #recent}. */
    private long droppedLatestWallMicros = Long.MIN_VALUE;
    /** Whether the last call read to the end: the next looks for new partitions and removed cycles first. */
    private boolean atEnd;
    private long records;
    /** Finished requests read: the last one's number (the first is 1). */
    private long finished;
    private int rebuilds;
    private final CalendarDays calendar;

    private JournalIndex(List<Path> journalDirs, ZoneId zone, int recentCapacity) {
        this.journalDirs = List.copyOf(journalDirs);
        this.zone = zone;
        this.recentCapacity = recentCapacity;
        this.calendar = new CalendarDays(zone);
        this.recent = new Slot[recentCapacity];
        for (int i = 0; i < recentCapacity; i++) {
            recent[i] = new Slot();
        }
    }

    /**
     * An index of the journals in {@code journalDirs} (read as one), days counted in {@code zone}, keeping the
     * {@code recentCapacity} latest finished requests. Reads nothing until {@link #catchUp}.
     */
    public static JournalIndex create(List<Path> journalDirs, ZoneId zone, int recentCapacity) {
        requireNonNull(journalDirs, "journalDirs");
        requireNonNull(zone, "zone");
        if (recentCapacity < 1) {
            throw new IllegalArgumentException("recentCapacity: " + recentCapacity + " (expected: >= 1)");
        }
        return new JournalIndex(journalDirs, zone, recentCapacity);
    }

    /** The zone the index counts days in. */
    public ZoneId zone() {
        return zone;
    }

    /**
     * Reads up to {@code maxRecords} records appended since the last call. A call after one that reached the end
     * first looks for partitions created since (and cycles the compactor removed).
     *
     * @return the records read (0: the index holds everything written so far, or no journal exists yet)
     */
    public int catchUp(int maxRecords) {
        if (scanner == null) {
            for (Path dir : journalDirs) {
                if (!JournalReader.isJournal(dir)) {
                    return 0;
                }
            }
            scanner = open();
        } else if (atEnd) {
            // Idle: the cheap moment to list the directories.
            scanner.refresh();
            if (removedCycleGone()) {
                rebuild();
            }
        }
        int n = scanner.follow(maxRecords, sink);
        atEnd = n < maxRecords;
        records += n;
        return n;
    }

    /** Records read since the index was created (again from the start after each rebuild). */
    public long records() {
        return records;
    }

    /** How many times the index was read again from the start after the compactor removed cycles. */
    public int rebuilds() {
        return rebuilds;
    }

    /**
     * The spend report {@code SpendReport.read(journalDirs, by, sinceMs, zone, team)} would give for what the index
     * has read, or {@code null} when the index cannot give it exactly: {@code zone} is not the index's, or
     * {@code sinceMs} is neither 0 (everything) nor the start of a day in the index's zone.
     */
    public SpendReport spend(SpendDimension by, long sinceMs, ZoneId zone, String team) {
        requireNonNull(by, "by");
        if (!this.zone.equals(zone)) {
            return null;
        }
        Long firstDay = null;
        if (sinceMs != 0) {
            LocalDate date = LocalDate.ofInstant(Instant.ofEpochMilli(sinceMs), zone);
            if (date.atStartOfDay(zone).toInstant().toEpochMilli() != sinceMs) {
                return null;
            }
            firstDay = date.toEpochDay();
        }
        Map<String, SpendReport.Sum> groups = new HashMap<>();
        SpendReport.Sum total = new SpendReport.Sum();
        Map<String, SortedMap<String, Long>> daily = new HashMap<>();
        SortedMap<Long, Day> range = firstDay == null ? days : days.tailMap(firstDay);
        int tag = by == SpendDimension.DAY ? 0 : tagIndex(by);
        for (Map.Entry<Long, Day> d : range.entrySet()) {
            String dayKey = LocalDate.ofEpochDay(d.getKey()).toString();
            for (Map.Entry<String, Map<String, SpendReport.Sum>> t : d.getValue().sums[tag].entrySet()) {
                if (team != null && !team.equals(t.getKey())) {
                    continue;
                }
                for (Map.Entry<String, SpendReport.Sum> e : t.getValue().entrySet()) {
                    SpendReport.Sum sum = e.getValue();
                    String key = by == SpendDimension.DAY ? dayKey : e.getKey();
                    groups.computeIfAbsent(key, k -> new SpendReport.Sum()).add(sum);
                    total.add(sum);
                    if (sum.costMicros > 0) {
                        daily.computeIfAbsent(key, k -> new TreeMap<>()).merge(dayKey, sum.costMicros,
                            Math::addExact);
                    }
                }
            }
        }
        long sinceMicros = sinceMs * MICROS_PER_MS;
        long[] unfinished = {0};
        if (scanner != null) {
            scanner.forEachUnfinished(r -> {
                if (r.wallTimeMicros >= sinceMicros && (team == null || team.equals(r.team))) {
                    unfinished[0]++;
                }
            });
        }
        return SpendReport.of(by, sinceMs, zone, groups, total, unfinished[0], daily);
    }

    /**
     * The last {@code limit} finished requests (in the order of their ends, oldest first) whose request wall time is
     * at or after {@code sinceMicros} and that {@code keep} accepts, as a scan of the whole journal finds them; or
     * {@code null} when the window of recent requests may not hold them all.
     */
    public List<JournalEntry> recent(Predicate<JournalEntry> keep, long sinceMicros, int limit) {
        requireNonNull(keep, "keep");
        ArrayList<JournalEntry> found = new ArrayList<>();
        int held = (int) Math.min(finished, recentCapacity);
        for (int i = 1; i <= held && found.size() < limit; i++) {
            Slot slot = recent[Math.floorMod(next - i, recentCapacity)];
            if (slot.wallMicros >= sinceMicros) {
                JournalEntry e = slot.entry(decoder);
                if (e != null && keep.test(e)) {
                    found.add(e);
                }
            }
        }
        if (found.size() < limit && sinceMicros <= droppedLatestWallMicros) {
            return null; // a request that left the window may match
        }
        Collections.reverse(found);
        return found;
    }

    /** How many finished requests the index has read (since its last rebuild): the number of the latest. */
    public long finished() {
        return finished;
    }

    /**
     * The finished requests numbered after {@code after} (see {@link #finished()}) that {@code keep} accepts, oldest
     * first, as far as the window of recent requests still holds them: what a follower has not seen yet.
     */
    public List<JournalEntry> finishedAfter(long after, Predicate<JournalEntry> keep) {
        requireNonNull(keep, "keep");
        long wanted = Math.min(finished - after, Math.min(finished, recentCapacity));
        ArrayList<JournalEntry> found = new ArrayList<>();
        for (long i = wanted; i >= 1; i--) {
            JournalEntry e = recent[(int) Math.floorMod(next - i, (long) recentCapacity)].entry(decoder);
            if (e != null && keep.test(e)) {
                found.add(e);
            }
        }
        return found;
    }

    /**
     * A time at or before which request {@code requestId} started, from the sampled requests (a gateway's ids grow with
     * time: one counter, seeded with its start time): where {@link RequestHistory#find(List, long, long)} can start
     * reading. {@link Long#MIN_VALUE} when no sample comes before the id.
     */
    public long requestTimeHint(long requestId) {
        int lo = 0;
        int hi = samples - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (sampleIds[mid] <= requestId) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found < 0 ? Long.MIN_VALUE : sampleWalls[found] - HINT_MARGIN_MICROS;
    }

    /** The evaluation runs read, oldest first, that {@code keep} accepts. */
    public List<EvalRecord> evalRuns(Predicate<EvalRecord> keep) {
        requireNonNull(keep, "keep");
        List<EvalRecord> runs = new ArrayList<>();
        for (EvalRecord e : evals) {
            if (keep.test(e)) {
                runs.add(e);
            }
        }
        return runs;
    }

    @Override
    public void close() {
        if (scanner != null) {
            scanner.close();
            scanner = null;
        }
    }

    private SpendScanner open() {
        SpendScanner s = SpendScanner.open(journalDirs);
        s.keepRequestBytes();
        return s;
    }

    private void other(byte type, DirectBuffer record) {
        if (type != RecordLayout.TYPE_EVAL && type != RecordLayout.TYPE_ADMIN) {
            return;
        }
        int decoded = decoder.load(record);
        if (decoded == RecordLayout.TYPE_EVAL) {
            evals.add(decoder.eval());
        } else if (decoded == RecordLayout.TYPE_ADMIN) {
            AdminRecord admin = decoder.admin();
            if (CycleRemovals.ACTION.equals(admin.action()) && admin.target() != null) {
                for (Path dir : journalDirs) {
                    removing.add(dir.resolve(admin.target()));
                }
            }
        }
    }

    private void finished(SpendScanner.Row row) {
        if (finished % SAMPLE_EVERY == 0) {
            sample(row.requestId, row.wallTimeMicros);
        }
        Day day = days.computeIfAbsent(calendar.epochDay(row.wallTimeMicros), k -> new Day());
        for (int i = 0; i < TAGS.length; i++) {
            String group = TAGS[i] == SpendDimension.AGENT_VERSION && row.agent != null
                ? agentVersion(row.agent, row.agentVersion)
                : SpendReport.groupKey(TAGS[i], row.keyId, row.team, row.project, row.useCase, row.model, row.agent,
                    row.agentVersion);
            Map<String, SpendReport.Sum> byGroup = day.sums[i].get(row.team);
            if (byGroup == null) {
                byGroup = new HashMap<>();
                day.sums[i].put(row.team, byGroup);
            }
            SpendReport.Sum sum = byGroup.get(group);
            if (sum == null) {
                sum = new SpendReport.Sum();
                byGroup.put(group, sum);
            }
            sum.add(row.costMicros, row.tokensIn, row.tokensOut, row.tokensCached, row.tokensEstimated);
        }
        Slot slot = recent[next];
        if (finished >= recentCapacity) {
            droppedLatestWallMicros = Math.max(droppedLatestWallMicros, slot.wallMicros);
        }
        slot.hold(row, scanner.endRecord());
        next = (next + 1) % recentCapacity;
        finished++;
    }

    /** The AGENT_VERSION group of {@code agent} at {@code version}, made once. */
    private String agentVersion(String agent, String version) {
        Map<String, String> versions = agentVersions.computeIfAbsent(agent, k -> new HashMap<>());
        String key = versions.get(version);
        if (key == null) {
            key = SpendReport.groupKey(SpendDimension.AGENT_VERSION, null, null, null, null, null, agent, version);
            versions.put(version, key);
        }
        return key;
    }

    private void sample(long requestId, long wallMicros) {
        if (samples > 0 && requestId <= sampleIds[samples - 1]) {
            return; // ids out of order (another gateway's journal, a clock set back): the samples stay sorted
        }
        if (samples == sampleIds.length) {
            sampleIds = Arrays.copyOf(sampleIds, samples * 2);
            sampleWalls = Arrays.copyOf(sampleWalls, samples * 2);
        }
        sampleIds[samples] = requestId;
        sampleWalls[samples] = wallMicros;
        samples++;
    }

    private boolean removedCycleGone() {
        for (Path file : removing) {
            if (!Files.exists(file)) {
                return true;
            }
        }
        return false;
    }

    /** Forgets everything read and reads the journal again from its (new) start. */
    private void rebuild() {
        scanner.close();
        scanner = open();
        days.clear();
        for (Slot slot : recent) {
            slot.clear();
        }
        next = 0;
        evals.clear();
        removing.clear();
        droppedLatestWallMicros = Long.MIN_VALUE;
        records = 0;
        finished = 0;
        samples = 0;
        rebuilds++;
    }

    private static int tagIndex(SpendDimension by) {
        for (int i = 0; i < TAGS.length; i++) {
            if (TAGS[i] == by) {
                return i;
            }
        }
        throw new IllegalArgumentException("by: " + by);
    }

    /** One calendar day's sums: per tag dimension, per team (null: none) and group. */
    private static final class Day {
        @SuppressWarnings("unchecked")
        final Map<String, Map<String, SpendReport.Sum>>[] sums = new Map[TAGS.length];

        Day() {
            for (int i = 0; i < sums.length; i++) {
                sums[i] = new HashMap<>();
            }
        }
    }

    /** A finished request of the ring: its request and end records' bytes, decoded once when first asked for. */
    private static final class Slot {
        byte[] request = new byte[256];
        int requestLength;
        byte[] end = new byte[256];
        int endLength;
        long wallMicros = Long.MIN_VALUE;
        JournalEntry entry;
        private final UnsafeBuffer view = new UnsafeBuffer(0, 0);

        void hold(SpendScanner.Row row, DirectBuffer endRecord) {
            if (request.length < row.requestLength) {
                request = new byte[row.requestLength];
            }
            System.arraycopy(row.requestBytes, 0, request, 0, row.requestLength);
            requestLength = row.requestLength;
            int length = endRecord.capacity();
            if (end.length < length) {
                end = new byte[length];
            }
            endRecord.getBytes(0, end, 0, length);
            endLength = length;
            wallMicros = row.wallTimeMicros;
            entry = null;
        }

        void clear() {
            requestLength = endLength = 0;
            wallMicros = Long.MIN_VALUE;
            entry = null;
        }

        /** The request and its end, or null when a record does not decode. */
        JournalEntry entry(RecordDecoder decoder) {
            if (entry == null && requestLength > 0) {
                view.wrap(request, 0, requestLength);
                if (decoder.load(view) != RecordLayout.TYPE_REQUEST) {
                    return null;
                }
                JournalEntry e = new JournalEntry(decoder.request());
                view.wrap(end, 0, endLength);
                if (decoder.load(view) != RecordLayout.TYPE_END) {
                    return null;
                }
                e.end(decoder.end());
                entry = e;
            }
            return entry;
        }
    }
}
