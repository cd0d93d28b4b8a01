/**
 * The machinery behind {@link dev.sluice.codec.SseScanner} and {@link dev.sluice.codec.UsageScanner}: a tolerant,
 * push-style JSON lexer fed one byte at a time ({@link JsonLexer}, {@link JsonSink}), the meaning of response JSON
 * ({@link ResponseExtractor}), the exact byte-at-a-time SSE grammar ({@link SseByteMachine}) and the fast path that
 * finds and judges whole events eight bytes at a time ({@link SseFastPath}, {@link DataClassifier}, {@link Swar}).
 * Both paths compute their event flags through {@link EventFlags}, so they cannot drift apart; keys, string values
 * and event names are recognised against the fixed vocabulary of {@link Words}.
 * <p>
 * Not API: public only so that {@code dev.sluice.codec} can use it; no other module may name it. No I/O and no
 * validation (the lexer skips what it does not understand); buffers are read without moving their indices and are
 * never retained or released; nothing is allocated per byte or per event.
 * <p>
 * Threading: the lexer, extractor, byte machine, fast path and classifier hold per-stream state and are confined to
 * the thread of the scanner that owns them (the stream's event loop); {@link EventFlags}, {@link Swar},
 * {@link Words} and {@code Tails} are thread-safe (stateless, or immutable after class initialisation).
 */
package dev.sluice.codec.internal;
