package dev.sluice.proxy.internal;

import dev.sluice.codec.Clock;
import dev.sluice.journal.AdminOutcome;
import dev.sluice.journal.AdminRecord;
import dev.sluice.journal.Journal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


/**
 * Where the admin API reports every action it performs and every attempt it refuses (RELIABILITY.md E4, F2).
 * Arguments never carry a secret: actors are roles ({@code admin}, {@code team:<name>}, {@code anonymous},
 * {@code invalid-token}), targets are key ids. Implementations must be thread-safe; calls come from the admin
 * thread ({@link AdminKeys}), never from an event loop.
 */
@FunctionalInterface
public interface AdminAudit {
    /**
     * Records one admin action or refusal.
     *
     * @param actor who asked: {@code admin}, {@code team:<name>}, {@code anonymous} or {@code invalid-token}
     * @param action what was asked, e.g. {@code keys.create}, {@code keys.revoke}, {@code config.reload}
     * @param target the object acted on (a key id), or {@code null}
     * @param outcome {@code ok}, {@code denied}, {@code not_found}, {@code invalid} or {@code error}
     * @param detail a short reason or summary without secrets, or {@code null}
     */
    void record(String actor, String action, String target, String outcome, String detail);

    /**
     * Logs every record and appends it to the journal as an ADMIN record (the journal is the audit trail of key
     * and configuration changes, and of refused attempts).
     */
    static AdminAudit journaled(Journal journal, Clock clock) {
        AdminAudit log = logging();
        return (actor, action, target, outcome, detail) -> {
            log.record(actor, action, target, outcome, detail);
            AdminOutcome o;
            try {
                o = AdminOutcome.fromWireName(outcome);
            } catch (IllegalArgumentException notOne) {
                // "unchanged" and the like: the action went through, with nothing to change.
                o = AdminOutcome.OK;
                detail = detail == null || detail.isEmpty() ? outcome : outcome + ": " + detail;
            }
            journal.appendAdmin(new AdminRecord(clock.wallMicros(), actor, action, target, o, detail));
        };
    }

    /** Returns an audit that logs each record at INFO on the {@code dev.sluice.admin} logger. */
    static AdminAudit logging() {
        Logger log = LoggerFactory.getLogger("dev.sluice.admin");
        return (actor, action, target, outcome, detail) ->
                log.info("admin actor={} action={} target={} outcome={}{}", actor, action, target, outcome,
                        detail == null ? "" : " detail=" + detail);
    }
}
