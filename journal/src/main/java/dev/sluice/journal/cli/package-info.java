/**
 * The journal's command-line verbs (picocli), mounted under the {@code sluice} command: {@link JournalCommand}
 * ({@code journal}) with {@link TailCommand} ({@code journal tail}: the last requests one line or one JSON object
 * each, {@code --follow} for new ones as they finish, {@code --admin} for admin records), and {@link SpendCommand}
 * ({@code spend}: cost and tokens grouped by team, project, use case, key, model alias or day, as a table, JSON or
 * CSV). The formatters and the {@code --since} parser are package-private. Without {@code --data-dir} the verbs read
 * the journal of the installation they belong to ({@link Installation}), wherever they are run from.
 * <p>
 * Read-only: the verbs read the journal through {@link dev.sluice.journal.JournalReader} and
 * {@link dev.sluice.journal.SpendReport}, never write it, and work with or without a gateway running. They print
 * what the records hold (key ids, never secrets), so nothing needs masking.
 * <p>
 * Threading: confined to the command-line thread; {@code --follow} polls on that same thread.
 */
package dev.sluice.journal.cli;
