// Drives the unmodified npm `openai` / `@anthropic-ai/sdk` SDKs through the
// same calls over HTTPS (SDK default base URL) or plain HTTP (the same host
// name, port 80). The only non-default settings are the API key, baseURL (for
// the plain-HTTP twin), maxRetries: 0 and an undici dispatcher binding the
// client's source address; ONE Agent, so all calls share a keep-alive
// connection when the SDK allows it.
//
// Usage: node client.mjs SDK TRANSPORT LOCAL_ADDRESS API_KEY
//   SDK       = openai      models.list(); chat.completions.create (gpt-4o-mini)
//                           non-streaming, then streaming (include_usage);
//                           responses.create (gpt-4o-mini), non-streaming
//               anthropic   messages.create (claude-sonnet-5-5) non-streaming,
//                           then streaming
//   TRANSPORT = tls   -> https://api.openai.com/v1 | https://api.anthropic.com (SDK defaults)
//               http  -> http://api.openai.com/v1   | http://api.anthropic.com
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { Agent, fetch } from 'undici';

const [sdk, transport, localAddress, apiKey] = process.argv.slice(2);
if (!['tls', 'http'].includes(transport)) throw new Error(`bad transport ${transport}`);
const dispatcher = new Agent({ localAddress });
const opts = { apiKey, fetch, fetchOptions: { dispatcher }, maxRetries: 0 };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// A short pause between calls so undici has put the connection back in its
// pool (otherwise it may open a second connection), as in record-stream.
const PAUSE_MS = 200;

const SYSTEM = 'You are a concise assistant.';
const USER = 'Say hello to the network sensor test.';

if (sdk === 'openai') {
  const client = new OpenAI({ ...opts, baseURL: transport === 'http' ? 'http://api.openai.com/v1' : undefined });
  const model = 'gpt-4o-mini';
  const messages = [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: USER },
  ];
  const models = await client.models.list();
  console.log('models.list:', models.data.map((m) => m.id).join(','));
  await sleep(PAUSE_MS);
  const r = await client.chat.completions.create({ model, messages, temperature: 0.2, max_tokens: 64 });
  console.log('chat:', r.model, JSON.stringify(r.choices[0].message.content), 'total_tokens', r.usage.total_tokens);
  await sleep(PAUSE_MS);
  const s = await client.chat.completions.create({ model, messages, max_tokens: 64, stream: true, stream_options: { include_usage: true } });
  let text = '';
  let usage;
  for await (const c of s) {
    text += c.choices[0]?.delta?.content ?? '';
    if (c.usage) usage = c.usage.total_tokens;
  }
  console.log('chat stream:', JSON.stringify(text), 'total_tokens', usage);
  await sleep(PAUSE_MS);
  const resp = await client.responses.create({ model, instructions: SYSTEM, input: USER, max_output_tokens: 64 });
  console.log('responses:', resp.model, JSON.stringify(resp.output_text), 'total_tokens', resp.usage.total_tokens);
} else if (sdk === 'anthropic') {
  const client = new Anthropic({ ...opts, baseURL: transport === 'http' ? 'http://api.anthropic.com' : undefined });
  const params = { model: 'claude-sonnet-5-5', max_tokens: 256, system: SYSTEM, messages: [{ role: 'user', content: USER }] };
  const msg = await client.messages.create(params);
  console.log('message:', msg.model, JSON.stringify(msg.content[0].text), 'output_tokens', msg.usage.output_tokens);
  await sleep(PAUSE_MS);
  const stream = await client.messages.create({ ...params, stream: true });
  let text = '';
  let out;
  for await (const ev of stream) {
    if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') text += ev.delta.text;
    if (ev.type === 'message_delta') out = ev.usage.output_tokens;
  }
  console.log('message stream:', JSON.stringify(text), 'output_tokens', out);
} else {
  throw new Error(`bad sdk ${sdk}`);
}
await dispatcher.close();
