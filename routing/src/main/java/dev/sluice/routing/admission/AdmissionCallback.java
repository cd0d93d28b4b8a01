package dev.sluice.routing.admission;

/** Receives the decision of {@link Admission#admit}. */
@FunctionalInterface
public interface AdmissionCallback {
    void decided(AdmissionDecision decision);
}
