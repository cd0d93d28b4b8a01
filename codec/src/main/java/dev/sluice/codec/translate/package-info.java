/**
 * Translation between the OpenAI chat completions and Anthropic Messages dialects (PROVIDERS.md 6), for a
 * deployment that speaks another dialect than its caller: request bodies ({@link RequestTranslator}), whole
 * responses and error bodies ({@link ResponseTranslator}), and SSE streams as their bytes arrive
 * ({@link StreamTranslator}, from {@link StreamTranslators}). {@link StopReasons} and {@link ToolIds} map finish
 * reasons and tool call ids; what the target has no place for is noted in {@link TranslationWarnings}; what cannot
 * be expressed is a {@link TranslationException} whose message is written for the caller.
 * <p>
 * Not the relay's hot path: whole bodies go through Jackson trees and allocate. No I/O; input buffers stay the
 * caller's and are never released here, and every buffer returned is new and owned by the caller. The public classes
 * above are the API; the per-direction translators and helpers are package-private.
 * <p>
 * Threading: the request and response translators and the mappings are thread-safe (stateless); a
 * {@link StreamTranslator} and a {@link TranslationWarnings} belong to one request, confined to the client
 * connection's event loop.
 */
package dev.sluice.codec.translate;
