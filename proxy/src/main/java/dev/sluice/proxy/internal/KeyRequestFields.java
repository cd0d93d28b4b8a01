package dev.sluice.proxy.internal;

import dev.sluice.routing.admission.Budget;
import dev.sluice.routing.admission.BudgetPeriod;
import dev.sluice.routing.admission.Limits;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads the fields of a {@code POST /admin/keys} body, keeping the first error as its field and a message that
 * starts with the field's name. Confined to the admin thread.
 */
final class KeyRequestFields {
    private static final Set<String> LIMIT_FIELDS = Set.of("requests_per_minute", "tokens_per_minute", "concurrent");
    private static final Set<String> BUDGET_FIELDS = Set.of("period", "hard", "soft");
    private static final BigDecimal MICROS = BigDecimal.valueOf(1_000_000);

    private final JsonNode n;
    String error;
    String errorField;

    KeyRequestFields(JsonNode n) {
        this.n = n;
    }

    void fail(String field, String message) {
        if (error == null) {
            errorField = field;
            error = field + ": " + message;
        }
    }

    String text(String field) {
        JsonNode v = n.path(field);
        if (v.isMissingNode() || v.isNull()) {
            return null;
        }
        if (!v.isTextual() || v.asText().isBlank()) {
            fail(field, "expected a non-empty string");
            return null;
        }
        return v.asText();
    }

    /** A list of names, or {@code null} for absent or {@code "*"} (everything allowed). */
    List<String> names(String field) {
        JsonNode v = n.path(field);
        if (v.isMissingNode() || v.isNull() || (v.isTextual() && v.asText().equals("*"))) {
            return null;
        }
        if (!v.isArray()) {
            fail(field, "expected a list of names, or \"*\"");
            return null;
        }
        List<String> out = new ArrayList<>(v.size());
        for (JsonNode e : v) {
            if (!e.isTextual() || e.asText().isBlank()) {
                fail(field, "expected a list of names, or \"*\"");
                return null;
            }
            if (e.asText().equals("*")) {
                return null;
            }
            out.add(e.asText());
        }
        return List.copyOf(out);
    }

    long instant(String field) {
        String s = text(field);
        if (s == null) {
            return Long.MAX_VALUE;
        }
        try {
            return Instant.parse(s).toEpochMilli();
        } catch (DateTimeParseException e) {
            fail(field, "'" + s + "' (expected: an ISO-8601 instant, e.g. 2027-01-01T00:00:00Z)");
            return Long.MAX_VALUE;
        }
    }

    Limits limits(String field) {
        JsonNode v = n.path(field);
        if (v.isMissingNode() || v.isNull()) {
            return Limits.NONE;
        }
        if (!v.isObject()) {
            fail(field, "expected {requests_per_minute, tokens_per_minute, concurrent}");
            return Limits.NONE;
        }
        only(v, field, LIMIT_FIELDS);
        return new Limits(count(v, field, "requests_per_minute"), count(v, field, "tokens_per_minute"),
                count(v, field, "concurrent"));
    }

    Budget budget(String field) {
        JsonNode v = n.path(field);
        if (v.isMissingNode() || v.isNull()) {
            return null;
        }
        if (!v.isObject()) {
            fail(field, "expected {period: day|week|month, hard: amount, soft: amount}");
            return null;
        }
        only(v, field, BUDGET_FIELDS);
        BudgetPeriod period;
        try {
            period = BudgetPeriod.valueOf(v.path("period").asText("").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            fail(field + ".period", "expected day, week or month");
            return null;
        }
        long hard = money(v, field, "hard");
        long soft = money(v, field, "soft");
        if (hard < 0 && soft < 0) {
            fail(field, "expected hard or soft (an amount of currency)");
        }
        return new Budget(period, hard, soft);
    }

    private void only(JsonNode v, String field, Set<String> allowed) {
        for (var it = v.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                fail(field + "." + f, "unknown field (expected: one of " + new TreeSet<>(allowed) + ")");
            }
        }
    }

    private long count(JsonNode v, String field, String name) {
        JsonNode x = v.path(name);
        if (x.isMissingNode() || x.isNull()) {
            return -1;
        }
        if (!x.canConvertToLong() || !x.isIntegralNumber() || x.asLong() <= 0) {
            fail(field + "." + name, "expected a positive whole number");
            return -1;
        }
        return x.asLong();
    }

    private long money(JsonNode v, String field, String name) {
        JsonNode x = v.path(name);
        if (x.isMissingNode() || x.isNull()) {
            return -1;
        }
        if (!x.isNumber() || x.decimalValue().signum() < 0) {
            fail(field + "." + name, "expected an amount of currency, e.g. 100.00");
            return -1;
        }
        try {
            return x.decimalValue().multiply(MICROS).setScale(0, RoundingMode.UNNECESSARY)
                    .longValueExact();
        } catch (ArithmeticException e) {
            fail(field + "." + name, "expected at most six decimals and a sane amount");
            return -1;
        }
    }
}
