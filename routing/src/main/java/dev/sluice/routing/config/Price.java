package dev.sluice.routing.config;

/**
 * The list price of one provider model, in micro-units of currency per million tokens, so that costs stay exact
 * integers. Thread-safe (immutable).
 *
 * <p>Token counts follow the journal's convention: {@code tokensIn} counts every input token including cached
 * reads and cache writes, {@code tokensCached} the cached reads among them, {@code tokensCacheWrite} the cache
 * writes among them.
 */
public final class Price {
    private static final long PER_MILLION = 1_000_000L;

    private final long inputMicrosPerMTok;
    private final long outputMicrosPerMTok;
    private final long cachedInputMicrosPerMTok;
    private final long cacheWriteMicrosPerMTok;

    public Price(long inputMicrosPerMTok, long outputMicrosPerMTok, long cachedInputMicrosPerMTok,
                 long cacheWriteMicrosPerMTok) {
        this.inputMicrosPerMTok = requireNonNegative(inputMicrosPerMTok, "inputMicrosPerMTok");
        this.outputMicrosPerMTok = requireNonNegative(outputMicrosPerMTok, "outputMicrosPerMTok");
        this.cachedInputMicrosPerMTok = requireNonNegative(cachedInputMicrosPerMTok, "cachedInputMicrosPerMTok");
        this.cacheWriteMicrosPerMTok = requireNonNegative(cacheWriteMicrosPerMTok, "cacheWriteMicrosPerMTok");
    }

    private static long requireNonNegative(long v, String name) {
        if (v < 0) {
            throw new IllegalArgumentException(name + ": " + v + " (expected: >= 0)");
        }
        return v;
    }

    /**
     * Returns the cost of one request in micro-units of currency, rounded half up. Unknown counts (negative) are
     * taken as zero; the caller decides whether such a cost is an estimate.
     */
    public long costMicros(long tokensIn, long tokensOut, long tokensCached, long tokensCacheWrite) {
        long in = Math.max(0, tokensIn);
        long cached = Math.min(in, Math.max(0, tokensCached));
        long write = Math.min(in - cached, Math.max(0, tokensCacheWrite));
        long plain = in - cached - write;
        long out = Math.max(0, tokensOut);
        // Sum of products first, one division: a request of 10 tokens at $0.15/M still costs 1.5 micros -> 2.
        long numerator = plain * inputMicrosPerMTok + cached * cachedInputMicrosPerMTok
                + write * cacheWriteMicrosPerMTok + out * outputMicrosPerMTok;
        return (numerator + PER_MILLION / 2) / PER_MILLION;
    }

    public long inputMicrosPerMTok() {
        return inputMicrosPerMTok;
    }

    public long outputMicrosPerMTok() {
        return outputMicrosPerMTok;
    }

    public long cachedInputMicrosPerMTok() {
        return cachedInputMicrosPerMTok;
    }

    public long cacheWriteMicrosPerMTok() {
        return cacheWriteMicrosPerMTok;
    }

    @Override
    public String toString() {
        return "Price{in=" + inputMicrosPerMTok + ", out=" + outputMicrosPerMTok + ", cached=" + cachedInputMicrosPerMTok
                + ", cacheWrite=" + cacheWriteMicrosPerMTok + " micros/Mtok}";
    }
}
