package dev.sluice.mock.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import static java.util.Objects.requireNonNull;

/**
 * Behaviour defaults programmed per model: every request whose body names the model gets the programme's
 * parameters as defaults (the request's own directive and headers still win per parameter). A programme with
 * {@code times=N} applies to the next N requests for that model only and is then forgotten.
 *
 * <p>Thread-safe: tests program it while event loops take from it.
 */
public final class ModelBehaviours {
    private final Map<String, Programme> byModel = new ConcurrentHashMap<>();
    /** One random sequence per {@code answers=... p=... seed=...} directive, for the server's life. */
    private final Map<String, SplittableRandom> draws = new ConcurrentHashMap<>();

    /**
     * Programs {@code model}, replacing any earlier programme for it.
     *
     * @param model     the model name as requests send it in {@code "model"}
     * @param directive parameters such as {@code "status=503 times=5"}; {@code times} is optional
     * @throws IllegalArgumentException naming the parameter when the directive is invalid
     */
    public void behave(final String model, final String directive) {
        requireNonNull(model, "model");
        requireNonNull(directive, "directive");
        final Map<String, String> values = Behaviour.pairs(directive);
        final String times = values.remove("times");
        int remaining = -1;
        if (times != null) {
            try {
                remaining = Integer.parseInt(times);
            } catch (final NumberFormatException e) {
                throw new IllegalArgumentException("times: " + times + " (expected: an integer)", e);
            }
            if (remaining < 1) {
                throw new IllegalArgumentException("times: " + times + " (expected: >= 1)");
            }
        }
        // Validate now, so a bad programme fails where it is set rather than on every later request.
        Behaviour.of(values);
        byModel.put(model, new Programme(Map.copyOf(values), remaining, directive.trim()));
    }

    /**
     * Draws which of {@code behaviour}'s answers this request gets: the next value of the directive's own random
     * sequence, so that N requests with one directive get each answer as many times whatever their order.
     */
    public int drawAnswer(final Behaviour behaviour) {
        final List<Double> p = behaviour.probabilities();
        final double u;
        if (behaviour.seed() == null) {
            u = ThreadLocalRandom.current().nextDouble();
        } else {
            final SplittableRandom random = draws.computeIfAbsent(behaviour.answersKey(),
                k -> new SplittableRandom(behaviour.seed()));
            synchronized (random) {
                u = random.nextDouble();
            }
        }
        double sum = 0;
        for (int i = 0; i < p.size(); i++) {
            sum += p.get(i);
            if (u < sum) {
                return i;
            }
        }
        for (int i = p.size() - 1; i >= 0; i--) {
            if (p.get(i) > 0) {
                return i;
            }
        }
        return 0;
    }

    /** Forgets every programme. */
    public void clear() {
        byModel.clear();
    }

    /**
     * Returns the defaults for one request naming {@code model} and counts it against the programme's
     * {@code times}; an empty map when the model has no programme (or {@code model} is null).
     */
    public Map<String, String> take(final String model) {
        if (model == null) {
            return Map.of();
        }
        final Programme p = byModel.get(model);
        if (p == null) {
            return Map.of();
        }
        if (p.remaining == null) {
            return p.values;
        }
        while (true) {
            final int left = p.remaining.get();
            if (left <= 0) {
                byModel.remove(model, p);
                return Map.of();
            }
            if (p.remaining.compareAndSet(left, left - 1)) {
                if (left == 1) {
                    byModel.remove(model, p);
                }
                return p.values;
            }
        }
    }

    /** Returns the current programmes: model, directive and the requests left ({@code null}: unlimited). */
    public List<Map<String, Object>> snapshot() {
        final List<Map<String, Object>> out = new ArrayList<>();
        for (final Map.Entry<String, Programme> e : byModel.entrySet()) {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", e.getKey());
            m.put("directive", e.getValue().directive);
            m.put("remaining", e.getValue().remaining == null ? null : e.getValue().remaining.get());
            out.add(m);
        }
        return out;
    }

    /** One model's programme. */
    private static final class Programme {
        final Map<String, String> values;
        final AtomicInteger remaining;
        final String directive;

        Programme(final Map<String, String> values, final int remaining, final String directive) {
            this.values = values;
            this.remaining = remaining < 0 ? null : new AtomicInteger(remaining);
            this.directive = directive;
        }
    }
}
