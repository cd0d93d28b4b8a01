package dev.sluice.proxy;

/** The product version, written into the journal's boot records. */
public final class Version {
    public static final String VERSION = "0.1.0";

    private Version() {
    }
}
