/**
 * The machinery behind {@link dev.sluice.codec.redact}: the built-in detectors, the text view that joins string
 * values across stream events, and the engine that tokenizes JSON and SSE bytes and rewrites them. Not API.
 * <p>
 * Threading: every class here is confined to one thread.
 */
package dev.sluice.codec.redact.internal;
