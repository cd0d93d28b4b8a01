/**
 * The mock LLM provider. {@link MockProvider} is a real HTTP/1.1 server that answers the OpenAI paths and the
 * Anthropic {@code /v1/messages} in their wire formats, with timing and faults chosen per request ({@code x-mock-*}
 * headers, a {@code [[mock ...]]} directive in the last user message) or programmed per model, and records every
 * request and how far its answer got ({@link MockRecord}). {@link MockProviderCommand} runs it as
 * {@code sluice mock-provider}; the gateway starts one on loopback when its configuration uses the built-in mock, and
 * system tests use it as the provider.
 * <p>
 * It depends on no other Sluice module: its reading of the wire formats (PROVIDERS.md) shares no code with the
 * gateway's. The command binds only loopback unless told {@code --allow-remote}. Handlers, responders and the
 * behaviour parameters are in {@code dev.sluice.mock.internal}, which is not API.
 * <p>
 * Threading: {@link MockProvider} is thread-safe and serves on event loops of its own ({@code sluice-mock} threads,
 * NIO); {@link MockProvider#start} blocks until bound and must not be called on an event loop. A
 * {@link MockRecord} is an immutable snapshot that test threads read while the event loops replace it.
 */
package dev.sluice.mock;
