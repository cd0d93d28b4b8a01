// Drives a running Sluice gateway with the official OpenAI and Anthropic Node SDKs, changing only the base URL
// and the key (PROVIDERS.md section 7). Reads SLUICE_URL (e.g. http://127.0.0.1:8080) and SLUICE_KEY.
// Prints "ok <name> [request ids]" or "FAIL <name>: <reason>" per check, then "N passed, M failed";
// exits 0 only when every check passed. Run by dev.sluice.proxy.SdkCompatibilitySystemTest.
import OpenAI, {
  AuthenticationError as OpenAIAuthenticationError,
  NotFoundError as OpenAINotFoundError,
  PermissionDeniedError as OpenAIPermissionDeniedError,
} from 'openai';
import Anthropic, {
  AuthenticationError as AnthropicAuthenticationError,
  NotFoundError as AnthropicNotFoundError,
  PermissionDeniedError as AnthropicPermissionDeniedError,
} from '@anthropic-ai/sdk';

const SLUICE_URL = process.env.SLUICE_URL;
const SLUICE_KEY = process.env.SLUICE_KEY;
if (!SLUICE_URL || !SLUICE_KEY) {
  console.error('SLUICE_URL and SLUICE_KEY must be set');
  process.exit(2);
}

// Retries off: a gateway answer that would need a retry is a failure here, not something to hide.
const openai = new OpenAI({ baseURL: SLUICE_URL + '/v1', apiKey: SLUICE_KEY, maxRetries: 0 });
const anthropic = new Anthropic({ baseURL: SLUICE_URL, apiKey: SLUICE_KEY, maxRetries: 0 });
const WRONG_KEY = 'sk-sluice-not-a-key-0000';

// The mock provider answers exactly this many content tokens when the last user message carries the directive.
const TOKENS = 7;
const PROMPT = `Say hi [[mock tokens=${TOKENS}]]`;
const REQUEST_ID = /^req_[0-9a-f]{16}$/;

class CheckFailure extends Error {}

function check(condition, message) {
  if (!condition) {
    throw new CheckFailure(message);
  }
}

function equal(actual, expected, what) {
  check(actual === expected, `${what}: ${JSON.stringify(actual)} (expected: ${JSON.stringify(expected)})`);
}

function requestId(id, what) {
  check(typeof id === 'string' && REQUEST_ID.test(id), `${what}: ${JSON.stringify(id)} (expected: req_ + 16 hex)`);
  return id;
}

/** Calls fn, which must throw errorClass with the given status; returns the gateway's request id of the refusal. */
async function expectError(fn, errorClass, status, what) {
  let error;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  check(error !== undefined, `${what}: no error thrown (expected: ${errorClass.name} ${status})`);
  check(error instanceof errorClass,
    `${what}: ${error?.constructor?.name} ${error?.status} ${error?.message} (expected: ${errorClass.name})`);
  equal(error.status, status, `${what} status`);
  return requestId(error.requestID, `${what} requestID`);
}

const results = [];

async function run(name, body) {
  try {
    const ids = (await body()) ?? [];
    results.push(true);
    console.log(`ok ${name}${ids.length ? ' ' + ids.join(' ') : ''}`);
  } catch (e) {
    results.push(false);
    const reason = e instanceof CheckFailure ? e.message : `${e?.constructor?.name}: ${e?.message}`;
    console.log(`FAIL ${name}: ${String(reason).replace(/\s+/g, ' ')}`);
  }
}

const chatParams = { model: 'demo', messages: [{ role: 'user', content: PROMPT }] };
let expectedText;

async function nonStreamedText() {
  if (expectedText === undefined) {
    const c = await openai.chat.completions.create(chatParams);
    expectedText = c.choices[0].message.content;
  }
  return expectedText;
}

await run('chat.create', async () => {
  const c = await openai.chat.completions.create(chatParams);
  equal(c.object, 'chat.completion', 'object');
  const text = c.choices[0]?.message?.content;
  check(typeof text === 'string' && text.trim().length > 0, `content: ${JSON.stringify(text)} (expected: text)`);
  equal(c.choices[0].message.role, 'assistant', 'role');
  equal(c.choices[0].finish_reason, 'stop', 'finish_reason');
  check(c.usage?.prompt_tokens > 0, `usage.prompt_tokens: ${c.usage?.prompt_tokens} (expected: > 0)`);
  equal(c.usage.completion_tokens, TOKENS, 'usage.completion_tokens');
  expectedText = text;
  return [requestId(c._request_id, '_request_id')];
});

await run('chat.stream', async () => {
  const text = await nonStreamedText();
  const { data: stream, response, request_id } =
    await openai.chat.completions.create({ ...chatParams, stream: true }).withResponse();
  check(String(response.headers.get('content-type')).startsWith('text/event-stream'),
    `content-type: ${response.headers.get('content-type')} (expected: text/event-stream)`);
  let streamed = '';
  let chunks = 0;
  let lastWithChoices;
  for await (const chunk of stream) {
    chunks++;
    equal(chunk.object, 'chat.completion.chunk', 'chunk object');
    check(chunk.usage == null,
      `chunk ${chunks} carries usage ${JSON.stringify(chunk.usage)} (include_usage not asked)`);
    check(chunk.choices.length > 0, `chunk ${chunks} has no choices (only the usage chunk may, and it was not asked)`);
    streamed += chunk.choices[0].delta?.content ?? '';
    lastWithChoices = chunk;
  }
  check(chunks > 1, `chunks: ${chunks} (expected: several)`);
  equal(streamed, text, 'streamed text');
  equal(lastWithChoices.choices[0].finish_reason, 'stop', 'last finish_reason');
  return [requestId(request_id, 'request_id')];
});

await run('chat.stream.include_usage', async () => {
  const text = await nonStreamedText();
  const { data: stream, request_id } = await openai.chat.completions.create(
    { ...chatParams, stream: true, stream_options: { include_usage: true } }).withResponse();
  const chunks = [];
  for await (const chunk of stream) {
    chunks.push(chunk);
  }
  const usageChunks = chunks.filter((c) => c.usage != null);
  equal(usageChunks.length, 1, 'chunks with usage');
  const last = chunks[chunks.length - 1];
  check(last === usageChunks[0], 'the usage chunk is not the last chunk');
  equal(last.choices.length, 0, 'usage chunk choices length');
  equal(last.usage.completion_tokens, TOKENS, 'usage.completion_tokens');
  check(last.usage.prompt_tokens > 0, `usage.prompt_tokens: ${last.usage.prompt_tokens} (expected: > 0)`);
  const streamed = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
  equal(streamed, text, 'streamed text');
  const lastWithChoices = chunks.filter((c) => c.choices.length > 0).pop();
  equal(lastWithChoices.choices[0].finish_reason, 'stop', 'last finish_reason');
  return [requestId(request_id, 'request_id')];
});

await run('chat.stream.helper', async () => {
  const text = await nonStreamedText();
  const stream = openai.chat.completions.stream(chatParams);
  let deltas = '';
  stream.on('content', (delta) => {
    deltas += delta;
  });
  const final = await stream.finalChatCompletion();
  equal(final.choices[0].message.content, text, 'finalChatCompletion content');
  equal(final.choices[0].message.role, 'assistant', 'finalChatCompletion role');
  equal(final.choices[0].finish_reason, 'stop', 'finalChatCompletion finish_reason');
  equal(deltas, text, 'content events');
  return [];
});

await run('embeddings.create', async () => {
  // No encoding_format: the SDK asks for base64 and decodes it to floats itself.
  const e = await openai.embeddings.create({ model: 'demo-embed', input: 'The quick brown fox' });
  equal(e.object, 'list', 'object');
  equal(e.data.length, 1, 'data length');
  const v = e.data[0].embedding;
  check(Array.isArray(v) && v.length > 0, `embedding: ${typeof v} (expected: a non-empty array)`);
  check(v.every((x) => typeof x === 'number' && Number.isFinite(x)), 'embedding holds a value that is not a number');
  check(v.some((x) => x !== 0), 'embedding is all zeros');
  check(e.usage?.prompt_tokens > 0, `usage.prompt_tokens: ${e.usage?.prompt_tokens} (expected: > 0)`);
  return [requestId(e._request_id, '_request_id')];
});

await run('models.list', async () => {
  const { data: page, request_id } = await openai.models.list().withResponse();
  check(!page.hasNextPage(), 'the model list claims a next page');
  const ids = [];
  for (const m of page.data) {
    equal(m.object, 'model', `model ${m.id} object`);
    ids.push(m.id);
  }
  check(ids.includes('demo'), `ids ${JSON.stringify(ids)} lack demo`);
  check(ids.includes('demo-claude'), `ids ${JSON.stringify(ids)} lack demo-claude`);
  check(!ids.includes('gpt-4o'), `ids ${JSON.stringify(ids)} include gpt-4o, which the demo key may not use`);
  return [requestId(request_id, 'request_id')];
});

const responsesParams = { model: 'demo', input: PROMPT };

await run('responses.create', async () => {
  const r = await openai.responses.create(responsesParams);
  equal(r.object, 'response', 'object');
  equal(r.status, 'completed', 'status');
  check(typeof r.output_text === 'string' && r.output_text.trim().length > 0,
    `output_text: ${JSON.stringify(r.output_text)} (expected: text)`);
  equal(r.usage?.output_tokens, TOKENS, 'usage.output_tokens');
  return [requestId(r._request_id, '_request_id')];
});

await run('responses.stream.raw', async () => {
  const { data: stream, request_id } =
    await openai.responses.create({ ...responsesParams, stream: true }).withResponse();
  const events = [];
  let deltas = '';
  for await (const event of stream) {
    events.push(event);
    if (event.type === 'response.output_text.delta') {
      deltas += event.delta;
    }
  }
  check(events.length > 2, `events: ${events.length} (expected: several)`);
  equal(events[0].type, 'response.created', 'first event');
  const last = events[events.length - 1];
  equal(last.type, 'response.completed', 'last event');
  equal(last.response.status, 'completed', 'completed response status');
  check(deltas.trim().length > 0, 'no output_text.delta text');
  const done = events.find((e) => e.type === 'response.output_text.done');
  equal(done?.text, deltas, 'output_text.done text');
  equal(last.response.usage?.output_tokens, TOKENS, 'completed usage.output_tokens');
  return [requestId(request_id, 'request_id')];
});

await run('responses.stream.helper', async () => {
  const stream = openai.responses.stream(responsesParams);
  let deltas = '';
  stream.on('response.output_text.delta', (event) => {
    deltas += event.delta;
  });
  const final = await stream.finalResponse();
  equal(final.status, 'completed', 'finalResponse status');
  check(final.output_text.trim().length > 0, `finalResponse output_text: ${JSON.stringify(final.output_text)}`);
  equal(final.output_text, deltas, 'finalResponse output_text vs deltas');
  return [];
});

const messageParams = { model: 'demo-claude', max_tokens: 64, messages: [{ role: 'user', content: PROMPT }] };
let expectedClaudeText;

await run('messages.create', async () => {
  const m = await anthropic.messages.create(messageParams);
  equal(m.type, 'message', 'type');
  equal(m.role, 'assistant', 'role');
  equal(m.content[0]?.type, 'text', 'content[0].type');
  check(m.content[0].text.trim().length > 0, `content[0].text: ${JSON.stringify(m.content[0].text)}`);
  equal(m.stop_reason, 'end_turn', 'stop_reason');
  equal(m.usage?.output_tokens, TOKENS, 'usage.output_tokens');
  check(m.usage.input_tokens > 0, `usage.input_tokens: ${m.usage.input_tokens} (expected: > 0)`);
  expectedClaudeText = m.content[0].text;
  return [requestId(m._request_id, '_request_id')];
});

await run('messages.stream.helper', async () => {
  check(expectedClaudeText !== undefined, 'messages.create gave no text to compare with');
  const stream = anthropic.messages.stream(messageParams);
  let deltas = '';
  stream.on('text', (delta) => {
    deltas += delta;
  });
  const final = await stream.finalMessage();
  equal(final.content[0]?.text, expectedClaudeText, 'finalMessage text');
  equal(deltas, expectedClaudeText, 'text events');
  equal(final.stop_reason, 'end_turn', 'finalMessage stop_reason');
  equal(final.usage?.output_tokens, TOKENS, 'finalMessage usage.output_tokens');
  return [requestId(stream.request_id, 'request_id')];
});

await run('messages.stream.raw', async () => {
  check(expectedClaudeText !== undefined, 'messages.create gave no text to compare with');
  const { data: stream, request_id } =
    await anthropic.messages.create({ ...messageParams, stream: true }).withResponse();
  const types = [];
  let deltas = '';
  let outputTokens;
  for await (const event of stream) {
    types.push(event.type);
    if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
      deltas += event.delta.text;
    } else if (event.type === 'message_delta') {
      equal(event.delta.stop_reason, 'end_turn', 'message_delta stop_reason');
      outputTokens = event.usage?.output_tokens;
    }
  }
  const order = types.join(',');
  check(/^message_start,content_block_start,(content_block_delta,)+content_block_stop,message_delta,message_stop$/
    .test(order), `event order: ${order}`);
  equal(deltas, expectedClaudeText, 'streamed text');
  equal(outputTokens, TOKENS, 'message_delta usage.output_tokens');
  return [requestId(request_id, 'request_id')];
});

// ---- Translation: an OpenAI-format request served by an Anthropic deployment ('demo-claude') and an
// Anthropic-format request served by an OpenAI deployment ('demo'), plain, with tools and streamed.
const WEATHER_TOOL_OPENAI = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};
const WEATHER_TOOL_ANTHROPIC = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
const TOOL_PROMPT = `What is the weather in Paris? [[mock tokens=${TOKENS} tool_call=1]]`;
const crossChat = { model: 'demo-claude', messages: [{ role: 'system', content: 'Be brief.' },
  { role: 'user', content: PROMPT }] };
const crossMessages = { model: 'demo', max_tokens: 64, system: 'Be brief.',
  messages: [{ role: 'user', content: PROMPT }] };

function checkToolArguments(args, what) {
  let parsed;
  try {
    parsed = typeof args === 'string' ? JSON.parse(args) : args;
  } catch (e) {
    throw new CheckFailure(`${what}: not JSON: ${JSON.stringify(args)}`);
  }
  check(parsed && typeof parsed === 'object' && typeof parsed.city === 'string',
    `${what}: ${JSON.stringify(parsed)} (expected: an object with a string city)`);
}

await run('translate.openai_to_anthropic.create', async () => {
  const c = await openai.chat.completions.create(crossChat);
  equal(c.object, 'chat.completion', 'object');
  check(typeof c.choices[0]?.message?.content === 'string' && c.choices[0].message.content.trim().length > 0,
    `content: ${JSON.stringify(c.choices[0]?.message?.content)}`);
  equal(c.choices[0].finish_reason, 'stop', 'finish_reason');
  equal(c.usage?.completion_tokens, TOKENS, 'usage.completion_tokens');
  check(c.usage.prompt_tokens > 0, `usage.prompt_tokens: ${c.usage.prompt_tokens}`);
  equal(c.usage.total_tokens, c.usage.prompt_tokens + c.usage.completion_tokens, 'usage.total_tokens');
  return [requestId(c._request_id, '_request_id')];
});

await run('translate.openai_to_anthropic.tools', async () => {
  const c = await openai.chat.completions.create({ model: 'demo-claude', tools: [WEATHER_TOOL_OPENAI],
    messages: [{ role: 'user', content: TOOL_PROMPT }] });
  equal(c.choices[0].finish_reason, 'tool_calls', 'finish_reason');
  const call = c.choices[0].message.tool_calls?.[0];
  equal(call?.type, 'function', 'tool_calls[0].type');
  equal(call?.function?.name, 'get_weather', 'tool_calls[0].function.name');
  check(/^[a-zA-Z0-9_-]+$/.test(call.id), `tool call id ${call.id}`);
  checkToolArguments(call.function.arguments, 'tool_calls[0].function.arguments');
  check(c.usage?.completion_tokens > 0, `usage.completion_tokens: ${c.usage?.completion_tokens}`);
  return [requestId(c._request_id, '_request_id')];
});

await run('translate.openai_to_anthropic.stream', async () => {
  const { data: stream, request_id } = await openai.chat.completions.create(
    { ...crossChat, stream: true, stream_options: { include_usage: true } }).withResponse();
  const chunks = [];
  for await (const chunk of stream) {
    chunks.push(chunk);
  }
  const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
  check(text.trim().length > 0, 'no streamed text');
  const usage = chunks.filter((c) => c.usage != null);
  equal(usage.length, 1, 'chunks with usage');
  equal(usage[0].choices.length, 0, 'usage chunk choices');
  equal(usage[0].usage.completion_tokens, TOKENS, 'usage.completion_tokens');
  equal(chunks.filter((c) => c.choices.length > 0).pop().choices[0].finish_reason, 'stop', 'last finish_reason');
  const helper = openai.chat.completions.stream(crossChat);
  const final = await helper.finalChatCompletion();
  equal(final.choices[0].message.content, text, 'helper finalChatCompletion content');
  equal(final.choices[0].finish_reason, 'stop', 'helper finish_reason');
  return [requestId(request_id, 'request_id')];
});

await run('translate.openai_to_anthropic.stream.tools', async () => {
  const helper = openai.chat.completions.stream({ model: 'demo-claude', tools: [WEATHER_TOOL_OPENAI],
    messages: [{ role: 'user', content: TOOL_PROMPT }] });
  const final = await helper.finalChatCompletion();
  equal(final.choices[0].finish_reason, 'tool_calls', 'finish_reason');
  const call = final.choices[0].message.tool_calls?.[0];
  equal(call?.function?.name, 'get_weather', 'tool call name');
  checkToolArguments(call.function.arguments, 'streamed tool arguments');
  return [];
});

await run('translate.anthropic_to_openai.create', async () => {
  const m = await anthropic.messages.create(crossMessages);
  equal(m.type, 'message', 'type');
  equal(m.role, 'assistant', 'role');
  equal(m.content[0]?.type, 'text', 'content[0].type');
  check(m.content[0].text.trim().length > 0, `content[0].text: ${JSON.stringify(m.content[0].text)}`);
  equal(m.stop_reason, 'end_turn', 'stop_reason');
  equal(m.usage?.output_tokens, TOKENS, 'usage.output_tokens');
  check(m.usage.input_tokens > 0, `usage.input_tokens: ${m.usage.input_tokens}`);
  return [requestId(m._request_id, '_request_id')];
});

await run('translate.anthropic_to_openai.tools', async () => {
  const m = await anthropic.messages.create({ model: 'demo', max_tokens: 64, tools: [WEATHER_TOOL_ANTHROPIC],
    messages: [{ role: 'user', content: TOOL_PROMPT }] });
  equal(m.stop_reason, 'tool_use', 'stop_reason');
  const use = m.content.find((b) => b.type === 'tool_use');
  equal(use?.name, 'get_weather', 'tool_use.name');
  check(/^[a-zA-Z0-9_-]+$/.test(use.id), `tool_use id ${use.id}`);
  checkToolArguments(use.input, 'tool_use.input');
  return [requestId(m._request_id, '_request_id')];
});

await run('translate.anthropic_to_openai.stream', async () => {
  const stream = anthropic.messages.stream(crossMessages);
  let deltas = '';
  stream.on('text', (delta) => {
    deltas += delta;
  });
  const final = await stream.finalMessage();
  check(deltas.trim().length > 0, 'no text events');
  equal(final.content[0]?.text, deltas, 'finalMessage text');
  equal(final.stop_reason, 'end_turn', 'finalMessage stop_reason');
  equal(final.usage?.output_tokens, TOKENS, 'finalMessage usage.output_tokens');
  check(final.usage.input_tokens > 0, `finalMessage usage.input_tokens: ${final.usage.input_tokens}`);
  return [requestId(stream.request_id, 'request_id')];
});

await run('translate.anthropic_to_openai.stream.tools', async () => {
  const stream = anthropic.messages.stream({ model: 'demo', max_tokens: 64, tools: [WEATHER_TOOL_ANTHROPIC],
    messages: [{ role: 'user', content: TOOL_PROMPT }] });
  const final = await stream.finalMessage();
  equal(final.stop_reason, 'tool_use', 'finalMessage stop_reason');
  const use = final.content.find((b) => b.type === 'tool_use');
  equal(use?.name, 'get_weather', 'tool_use.name');
  checkToolArguments(use.input, 'streamed tool_use.input');
  return [requestId(stream.request_id, 'request_id')];
});

await run('errors.openai.wrong_key', async () => {
  const bad = new OpenAI({ baseURL: SLUICE_URL + '/v1', apiKey: WRONG_KEY, maxRetries: 0 });
  return [await expectError(() => bad.chat.completions.create(chatParams), OpenAIAuthenticationError, 401,
    'wrong key')];
});

await run('errors.anthropic.wrong_key', async () => {
  const bad = new Anthropic({ baseURL: SLUICE_URL, apiKey: WRONG_KEY, maxRetries: 0 });
  return [await expectError(() => bad.messages.create(messageParams), AnthropicAuthenticationError, 401,
    'wrong key')];
});

await run('errors.openai.model_not_allowed', async () => {
  let code;
  const id = await expectError(async () => {
    try {
      await openai.chat.completions.create({ ...chatParams, model: 'gpt-4o' });
    } catch (e) {
      code = e.code;
      throw e;
    }
  }, OpenAIPermissionDeniedError, 403, 'gpt-4o with the demo key');
  equal(code, 'model_not_allowed', 'error code');
  return [id];
});

await run('errors.anthropic.model_not_allowed', async () => {
  return [await expectError(() => anthropic.messages.create({ ...messageParams, model: 'gpt-4o' }),
    AnthropicPermissionDeniedError, 403, 'gpt-4o with the demo key')];
});

await run('errors.openai.unknown_model', async () => {
  return [await expectError(() => openai.chat.completions.create({ ...chatParams, model: 'no-such-model' }),
    OpenAINotFoundError, 404, 'unknown model')];
});

await run('errors.anthropic.unknown_model', async () => {
  return [await expectError(() => anthropic.messages.create({ ...messageParams, model: 'no-such-model' }),
    AnthropicNotFoundError, 404, 'unknown model')];
});

// Agents: the demo agent through the SDKs unchanged; its variables ride in the body, the prompt is the gateway's.
const agentChat = { model: 'agent/demo-agent', variables: { customer: 'Ada' },
  messages: [{ role: 'user', content: PROMPT }] };
const agentMessages = { ...messageParams, model: 'agent/demo-agent', variables: { customer: 'Ada' } };

await run('agents.openai.create', async () => {
  const c = await openai.chat.completions.create(agentChat);
  equal(c.object, 'chat.completion', 'object');
  equal(c.usage?.completion_tokens, TOKENS, 'usage.completion_tokens');
  return [requestId(c._request_id, '_request_id')];
});

await run('agents.openai.stream', async () => {
  const { data: stream, request_id } = await openai.chat.completions.create({ ...agentChat, stream: true })
    .withResponse();
  let streamed = '';
  for await (const chunk of stream) {
    streamed += chunk.choices[0]?.delta?.content ?? '';
  }
  check(streamed.trim().length > 0, `streamed text: ${JSON.stringify(streamed)}`);
  return [requestId(request_id, 'request_id')];
});

await run('agents.anthropic.create', async () => {
  const m = await anthropic.messages.create(agentMessages);
  equal(m.type, 'message', 'type');
  equal(m.usage?.output_tokens, TOKENS, 'usage.output_tokens');
  return [requestId(m._request_id, '_request_id')];
});

await run('agents.anthropic.stream', async () => {
  const stream = anthropic.messages.stream(agentMessages);
  const final = await stream.finalMessage();
  check(final.content[0]?.text?.trim().length > 0, `finalMessage text: ${JSON.stringify(final.content)}`);
  return [requestId(stream.request_id, 'request_id')];
});

const passed = results.filter((r) => r).length;
const failed = results.length - passed;
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
