package dev.sluice.proxy.eval;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.sluice.journal.CapturedAnswer;
import dev.sluice.journal.EndRecord;
import dev.sluice.journal.JournalEntry;
import dev.sluice.journal.Outcome;
import dev.sluice.journal.ShadowPairs;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Primary against shadow ({@code sluice eval shadow-report}), per shadow declaration (source alias to target
 * alias): how many shadows were journaled and how they ended (answered, refused by the shadow budget or otherwise,
 * failed), and for each side the latency and time to first token percentiles of the answered ones, their cost,
 * their answer length in output tokens, and, where the capture policy kept the answers, the graders that need no
 * expected answer: answered with text, valid JSON, and finished by the model (not cut at the token limit). With a
 * judge, the pairwise preferences ({@link #preferences}).
 * <p>
 * Confined to the building thread.
 */
public final class ShadowReport {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One side's figures (the primaries, or the shadows) of one declaration. */
    public static final class Side {
        long requests;
        long ok;
        long costMicros;
        long tokensOut;
        long answers;
        long answered;
        long jsonValid;
        long finished;
        long answerChars;
        final List<Long> latencyMicros = new ArrayList<>();
        final List<Long> ttftMicros = new ArrayList<>();

        void add(JournalEntry e, CapturedAnswer a) {
            requests++;
            EndRecord end = e == null ? null : e.end();
            if (end == null || end.outcome() != Outcome.OK) {
                return;
            }
            ok++;
            costMicros += Math.max(0, end.costMicros());
            tokensOut += Math.max(0, end.tokensOut());
            latencyMicros.add(end.totalMicros());
            if (end.ttftMicros() > 0) {
                ttftMicros.add(end.ttftMicros());
            }
            if (a != null) {
                answers++;
                String text = a.text() == null ? "" : a.text();
                answerChars += text.length();
                if (!text.isBlank() || !a.toolCalls().isEmpty()) {
                    answered++;
                }
                if (isJson(text)) {
                    jsonValid++;
                }
                String finish = a.finishReason();
                if (finish != null && !finish.equals("length") && !finish.equals("max_tokens")) {
                    finished++;
                }
            }
        }

        /** Requests on this side (one per pair). */
        public long requests() {
            return requests;
        }

        /** Of them, answered OK. */
        public long ok() {
            return ok;
        }

        public long costMicros() {
            return costMicros;
        }

        ObjectNode toJson() {
            ObjectNode n = JSON.createObjectNode();
            n.put("requests", requests);
            n.put("ok", ok);
            n.put("latency_ms_p50", millis(percentile(latencyMicros, 0.50)));
            n.put("latency_ms_p95", millis(percentile(latencyMicros, 0.95)));
            n.put("ttft_ms_p50", millis(percentile(ttftMicros, 0.50)));
            n.put("cost_micros", costMicros);
            n.put("tokens_out_mean", ok == 0 ? 0 : (double) tokensOut / ok);
            n.put("answers_captured", answers);
            n.put("answer_chars_mean", answers == 0 ? 0 : (double) answerChars / answers);
            n.put("answered_rate", answers == 0 ? 0 : (double) answered / answers);
            n.put("json_valid_rate", answers == 0 ? 0 : (double) jsonValid / answers);
            n.put("finished_rate", answers == 0 ? 0 : (double) finished / answers);
            return n;
        }
    }

    /** One declaration's pairs. */
    public static final class Group {
        final String source;
        final String target;
        long shadows;
        long shadowOk;
        long shadowRefused;
        long shadowFailed;
        long primaryMissing;
        final Side primary = new Side();
        final Side shadow = new Side();
        /** Judge preferences: candidate (shadow) better, primary better, tie, no verdict. */
        final long[] preferences = new long[4];

        Group(String source, String target) {
            this.source = source;
            this.target = target;
        }

        public String source() {
            return source;
        }

        public String target() {
            return target;
        }

        /** Shadows journaled. */
        public long shadows() {
            return shadows;
        }

        /** Shadows answered OK. */
        public long shadowOk() {
            return shadowOk;
        }

        /** Shadows refused before dispatch (the shadow budget, mostly). */
        public long shadowRefused() {
            return shadowRefused;
        }

        /** Shadows that failed upstream, timed out, were cut, or have no end yet. */
        public long shadowFailed() {
            return shadowFailed;
        }

        public Side primary() {
            return primary;
        }

        public Side shadow() {
            return shadow;
        }
    }

    private final Map<String, Group> groups = new LinkedHashMap<>();

    /** Builds the report of {@code pairs}. */
    public static ShadowReport of(List<ShadowPairs.Pair> pairs) {
        requireNonNull(pairs, "pairs");
        ShadowReport r = new ShadowReport();
        for (ShadowPairs.Pair p : pairs) {
            Group g = r.groups.computeIfAbsent(p.source() + "\0" + p.target(), k -> new Group(p.source(),
                    p.target()));
            g.shadows++;
            EndRecord end = p.shadow().end();
            Outcome o = end == null ? null : end.outcome();
            if (o == Outcome.OK) {
                g.shadowOk++;
            } else if (o == Outcome.REJECTED) {
                g.shadowRefused++;
            } else {
                g.shadowFailed++;
            }
            if (p.primary() == null) {
                g.primaryMissing++;
            }
            g.primary.add(p.primary(), p.primaryAnswer());
            g.shadow.add(p.shadow(), p.shadowAnswer());
        }
        return r;
    }

    /** One group per shadow declaration, in the order their first shadow was journaled. */
    public List<Group> groups() {
        return List.copyOf(groups.values());
    }

    /** The verdicts {@link #prefer} takes. */
    public static final int SHADOW_BETTER = 1;
    public static final int PRIMARY_BETTER = -1;
    public static final int TIE = 0;
    public static final int NO_VERDICT = 2;

    /** Records a judge's verdict on pair {@code p}: {@link #SHADOW_BETTER}, {@link #PRIMARY_BETTER}, ... */
    public void prefer(ShadowPairs.Pair p, int verdict) {
        Group g = groups.get(p.source() + "\0" + p.target());
        if (g != null) {
            g.preferences[verdict == SHADOW_BETTER ? 0 : verdict == PRIMARY_BETTER ? 1 : verdict == TIE ? 2 : 3]++;
        }
    }

    /** The report as one JSON object. */
    public ObjectNode toJson() {
        ObjectNode n = JSON.createObjectNode();
        ArrayNode arr = n.putArray("groups");
        for (Group g : groups.values()) {
            ObjectNode o = arr.addObject();
            o.put("source", g.source);
            o.put("target", g.target);
            o.put("shadows", g.shadows);
            o.put("shadow_ok", g.shadowOk);
            o.put("shadow_refused", g.shadowRefused);
            o.put("shadow_failed", g.shadowFailed);
            o.put("primary_missing", g.primaryMissing);
            o.set("primary", g.primary.toJson());
            o.set("shadow", g.shadow.toJson());
            if (Arrays.stream(g.preferences).sum() > 0) {
                ObjectNode j = o.putObject("judge");
                j.put("shadow_better", g.preferences[0]);
                j.put("primary_better", g.preferences[1]);
                j.put("tie", g.preferences[2]);
                j.put("no_verdict", g.preferences[3]);
            }
        }
        return n;
    }

    /** The report for people. */
    public void print(PrintWriter out) {
        if (groups.isEmpty()) {
            out.println("no shadow requests in the period (models.<alias>.shadow declares them)");
            return;
        }
        for (Group g : groups.values()) {
            out.printf(Locale.ROOT, "%s -> %s: %d shadows: %d answered, %d refused (shadow budget), %d failed%n",
                    g.source, g.target, g.shadows, g.shadowOk, g.shadowRefused, g.shadowFailed);
            out.printf(Locale.ROOT, "  %-8s %6s %10s %10s %10s %12s %10s %8s %8s %8s%n", "", "ok", "p50 ms",
                    "p95 ms", "ttft p50", "cost", "tok out", "answer", "json", "finished");
            row(out, "primary", g.primary);
            row(out, "shadow", g.shadow);
            long judged = Arrays.stream(g.preferences).sum();
            if (judged > 0) {
                out.printf(Locale.ROOT, "  judge: shadow better %d, primary better %d, tie %d, no verdict %d%n",
                        g.preferences[0], g.preferences[1], g.preferences[2], g.preferences[3]);
            }
        }
    }

    private static void row(PrintWriter out, String name, Side s) {
        out.printf(Locale.ROOT, "  %-8s %6d %10.1f %10.1f %10.1f %12.6f %10.1f %8s %8s %8s%n", name, s.ok,
                millis(percentile(s.latencyMicros, 0.5)), millis(percentile(s.latencyMicros, 0.95)),
                millis(percentile(s.ttftMicros, 0.5)), s.costMicros / 1e6, s.ok == 0 ? 0 : (double) s.tokensOut / s.ok,
                s.answers == 0 ? "-" : String.format(Locale.ROOT, "%.0f ch", (double) s.answerChars / s.answers),
                rate(s.jsonValid, s.answers), rate(s.finished, s.answers));
    }

    private static String rate(long n, long of) {
        return of == 0 ? "-" : String.format(Locale.ROOT, "%.0f%%", 100.0 * n / of);
    }

    private static double millis(long micros) {
        return micros / 1000.0;
    }

    /** The nearest-rank percentile of {@code values}; 0 when there are none. */
    static long percentile(List<Long> values, double q) {
        if (values.isEmpty()) {
            return 0;
        }
        long[] v = values.stream().mapToLong(Long::longValue).sorted().toArray();
        int rank = (int) Math.ceil(q * v.length);
        return v[Math.max(0, Math.min(v.length - 1, rank - 1))];
    }

    private static boolean isJson(String text) {
        String t = text.strip();
        if (t.isEmpty() || t.charAt(0) != '{' && t.charAt(0) != '[') {
            return false;
        }
        try {
            JSON.readTree(t);
            return true;
        } catch (JsonProcessingException e) {
            return false;
        }
    }
}
