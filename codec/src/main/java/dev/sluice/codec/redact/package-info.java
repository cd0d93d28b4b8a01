/**
 * Redaction of personal data and secrets in what the gateway writes to its audit journal: request bodies
 * ({@link JsonRedaction}) and relayed answers, streamed or whole ({@link StreamRedaction}). The client's bytes are
 * never changed; these classes produce the copy that is stored, in which each match is replaced by
 * {@code [REDACTED:<label>]} and counted per label in {@link RedactionCounts}. What is detected is chosen once, in a
 * {@link Redactor}: the built-in detectors (email, phone, card, iban, ssn, ip, secret) and named custom patterns.
 * <p>
 * Only JSON string values are rewritten, never keys or structure, so the stored copy stays valid JSON or SSE.
 * Not scanned: keys, JSON numbers (a card number sent as a number stays), and stream bytes outside JSON strings
 * (SSE field names, a data line that is not JSON). In a stream, the text of all content-bearing fields is joined in
 * arrival order: interleaved choices ({@code n > 1}) or tool calls streamed in parallel join into one text, where
 * a value split between events of one of them is not seen whole.
 * <p>
 * Threading: a {@link Redactor} is immutable and thread-safe; each redaction object it makes, and each
 * {@link RedactionCounts}, is confined to one thread.
 */
package dev.sluice.codec.redact;
