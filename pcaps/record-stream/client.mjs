// Drives the unmodified npm `openai` / `@anthropic-ai/sdk` SDKs through
// streaming requests whose output-token count the mock (mocks.mjs) makes equal
// to the request's max tokens. Only apiKey, maxRetries: 0 and an undici
// dispatcher binding the client's source address are set (SDK default base
// URLs, so the real host names, SNI and ALPN are used).
//
// Usage: node client.mjs MODE LOCAL_ADDRESS API_KEY
//   MODE = openai-chat        chat.completions.create({stream: true, stream_options.include_usage})
//          openai-responses   responses.create({stream: true})
//          anthropic-token    messages.create({stream: true}), model claude-sonnet-5-5 (one token per text_delta)
//          anthropic-grouped  same, model claude-haiku-4-5 (the mock groups 1..6 tokens per text_delta)
//
// Sequence (each stream is awaited to its end before the next starts):
//   1. one undici Agent, so ONE keep-alive TCP/TLS connection: paced streams of
//      8, 40, 150, 400 tokens (Responses: 16, 40, 150, 400; the API's minimum
//      max_output_tokens is 16), 200 ms apart;
//   2. a fresh Agent (new connection, full handshake): one paced stream of 40;
//   3. a fresh Agent (new connection): one burst stream of 150
//      (metadata.user_id = "aisensor-burst": the mock writes it without pauses).
// Exits non-zero if a stream's usage or delta count does not match the expectation.
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { Agent, fetch } from 'undici';

const [mode, localAddress, apiKey] = process.argv.slice(2);
const BURST = { user_id: 'aisensor-burst' };
const SYSTEM = 'You are a concise assistant.';
const USER = 'Write a few paragraphs about passive network sensors.';

function makeClient(dispatcher) {
  const opts = { apiKey, fetch, fetchOptions: { dispatcher }, maxRetries: 0 };
  return mode.startsWith('openai') ? new OpenAI(opts) : new Anthropic(opts);
}

// One streaming request; checks the usage (and delta count) it reports.
async function stream(client, maxTokens, burst) {
  const metadata = burst ? BURST : undefined;
  let deltas = 0;
  let text = '';
  let usageTokens;
  if (mode === 'openai-chat') {
    const s = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: USER },
      ],
      max_completion_tokens: maxTokens,
      stream: true,
      stream_options: { include_usage: true },
      ...(metadata ? { metadata } : {}),
    });
    for await (const c of s) {
      const t = c.choices[0]?.delta?.content;
      if (t) (deltas++, (text += t));
      if (c.usage) usageTokens = c.usage.completion_tokens;
    }
  } else if (mode === 'openai-responses') {
    const s = await client.responses.create({
      model: 'gpt-4o-mini',
      instructions: SYSTEM,
      input: USER,
      max_output_tokens: maxTokens,
      stream: true,
      ...(metadata ? { metadata } : {}),
    });
    for await (const ev of s) {
      if (ev.type === 'response.output_text.delta') (deltas++, (text += ev.delta));
      if (ev.type === 'response.incomplete' || ev.type === 'response.completed') usageTokens = ev.response.usage.output_tokens;
    }
  } else {
    const s = await client.messages.create({
      model: mode === 'anthropic-grouped' ? 'claude-haiku-4-5' : 'claude-sonnet-5-5',
      max_tokens: maxTokens,
      system: SYSTEM,
      messages: [{ role: 'user', content: USER }],
      stream: true,
      ...(metadata ? { metadata } : {}),
    });
    for await (const ev of s) {
      if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') (deltas++, (text += ev.delta.text));
      if (ev.type === 'message_delta') usageTokens = ev.usage.output_tokens;
    }
  }
  console.log(`${mode} max=${maxTokens}${burst ? ' burst' : ''}: text_deltas=${deltas} usage=${usageTokens} chars=${text.length}`);
  // usage must equal max; with one token per delta, so must the delta count.
  const perToken = mode !== 'anthropic-grouped';
  if (usageTokens !== maxTokens || (perToken && deltas !== maxTokens) || deltas < 1) {
    throw new Error(`unexpected stream: usage ${usageTokens}, ${deltas} deltas`);
  }
}

async function onAgent(fn) {
  const dispatcher = new Agent({ localAddress });
  try {
    await fn(makeClient(dispatcher));
  } finally {
    await dispatcher.close();
  }
}

// A short pause after each stream, like a user reading the answer. Without
// it undici may dispatch the next request before it has put the connection
// back in its pool, and opens a second connection.
const PAUSE_MS = 200;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const first = mode === 'openai-responses' ? 16 : 8;
await onAgent(async (c) => {
  for (const n of [first, 40, 150, 400]) {
    await stream(c, n, false);
    await sleep(PAUSE_MS);
  }
});
await onAgent((c) => stream(c, 40, false));
await onAgent((c) => stream(c, 150, true));
