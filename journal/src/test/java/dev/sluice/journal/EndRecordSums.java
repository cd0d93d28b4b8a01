package dev.sluice.journal;

import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The expected spend, computed independently of {@link SpendScanner}: every record decoded by
 * {@link JournalReader#poll}, each end record added to the group of its request.
 */
final class EndRecordSums {
    final Map<String, long[]> groups = new TreeMap<>();
    final long[] total = new long[7];
    int unfinished;

    // Indexes into the sums.
    static final int REQUESTS = 0;
    static final int COST = 1;
    static final int UNPRICED = 2;
    static final int IN = 3;
    static final int OUT = 4;
    static final int CACHED = 5;
    static final int ESTIMATED = 6;

    static EndRecordSums of(Path dir, SpendDimension by, long sinceMicros, ZoneId zone) {
        EndRecordSums sums = new EndRecordSums();
        Map<Long, RequestRecord> requests = new HashMap<>();
        try (JournalReader reader = JournalReader.open(dir)) {
            RecordVisitor visitor = new RecordVisitor() {
                @Override
                public void onRequest(RequestRecord r) {
                    if (r.wallTimeMicros() >= sinceMicros) {
                        requests.put(r.requestId(), r);
                    }
                }

                @Override
                public void onEnd(EndRecord e) {
                    RequestRecord r = requests.remove(e.requestId());
                    if (r != null) {
                        sums.add(key(r, by, zone), e);
                    }
                }
            };
            while (reader.poll(visitor, 1000) > 0) {
                // read to the end
            }
        }
        sums.unfinished = requests.size();
        return sums;
    }

    private void add(String key, EndRecord e) {
        long[] group = groups.computeIfAbsent(key, k -> new long[7]);
        for (long[] s : new long[][] {group, total}) {
            s[REQUESTS]++;
            if (e.costMicros() == EndRecord.UNKNOWN) {
                s[UNPRICED]++;
            } else {
                s[COST] += e.costMicros();
            }
            s[IN] += e.tokensIn() == EndRecord.UNKNOWN ? 0 : e.tokensIn();
            s[OUT] += e.tokensOut() == EndRecord.UNKNOWN ? 0 : e.tokensOut();
            s[CACHED] += e.tokensCached() == EndRecord.UNKNOWN ? 0 : e.tokensCached();
            s[ESTIMATED] += e.tokensEstimated() ? 1 : 0;
        }
    }

    private static String key(RequestRecord r, SpendDimension by, ZoneId zone) {
        String tag;
        switch (by) {
            case TEAM:
                tag = r.team();
                break;
            case PROJECT:
                tag = r.project();
                break;
            case USE_CASE:
                tag = r.useCase();
                break;
            case KEY:
                tag = r.keyId();
                break;
            case MODEL:
                tag = r.requestedModel();
                break;
            case AGENT:
                tag = r.agent();
                break;
            case AGENT_VERSION:
                tag = r.agent() == null ? null : r.agent() + "@" + r.agentVersion();
                break;
            default:
                return LocalDate.ofInstant(Instant.ofEpochMilli(r.wallTimeMicros() / 1000), zone).toString();
        }
        return tag == null || tag.isEmpty() ? "-" : tag;
    }

    static long[] sums(SpendRow row) {
        return new long[] {row.requests(), row.costMicros(), row.unpricedRequests(), row.tokensIn(), row.tokensOut(),
            row.tokensCached(), row.estimatedRequests()};
    }
}
