package dev.sluice.routing.config;

import static java.util.Objects.requireNonNull;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * List prices per provider kind and provider model, each with the date it takes effect. A model may have several
 * entries; the one in force on a date is the one with the latest effective date not after it. Thread-safe
 * (immutable).
 */
public final class PriceTable {
    public static final PriceTable EMPTY = new PriceTable("none", List.of());

    private final String source;
    private final List<Entry> entries;

    /**
     * One row of the table. Thread-safe (immutable).
     *
     * @param model the provider's model id, exactly as sent upstream
     * @param effective the first day (in the governance time zone) the price applies
     */
    public record Entry(ProviderKind provider, String model, LocalDate effective, Price price) {
        public Entry {
            requireNonNull(provider, "provider");
            requireNonNull(model, "model");
            requireNonNull(effective, "effective");
            requireNonNull(price, "price");
        }
    }

    /** @param source where the table came from (a file path), for messages */
    public PriceTable(String source, List<Entry> entries) {
        this.source = requireNonNull(source, "source");
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparing(Entry::effective));
        this.entries = List.copyOf(sorted);
    }

    public String source() {
        return source;
    }

    /** Returns every entry, oldest effective date first. */
    public List<Entry> entries() {
        return entries;
    }

    /** Returns the price in force on {@code date} for a provider kind and model, or {@code null} when none is. */
    public Price priceAt(ProviderKind provider, String model, LocalDate date) {
        Price best = null;
        for (Entry e : entries) {
            if (e.effective().isAfter(date)) {
                break;
            }
            if (e.provider() == provider && e.model().equals(model)) {
                best = e.price();
            }
        }
        return best;
    }

    public int size() {
        return entries.size();
    }

    @Override
    public String toString() {
        return "PriceTable{" + source + ", " + entries.size() + " entries}";
    }
}
