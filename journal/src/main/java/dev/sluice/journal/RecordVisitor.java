package dev.sluice.journal;

/**
 * Receives journal records in queue order from {@link JournalReader#poll}. Each record is a new object the
 * visitor may keep.
 * <p>
 * Called on the reading thread.
 */
public interface RecordVisitor {
    default void onRequest(RequestRecord request) {
    }

    default void onEnd(EndRecord end) {
    }

    default void onBoot(BootRecord boot) {
    }

    default void onConfig(ConfigRecord config) {
    }

    default void onEval(EvalRecord eval) {
    }

    default void onAdmin(AdminRecord admin) {
    }

    default void onFeedback(FeedbackRecord feedback) {
    }
}
