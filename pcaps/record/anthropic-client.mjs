// Drives the unmodified Anthropic TypeScript SDK. Only the API key, baseURL
// (for the plain-HTTP proxy) and an undici dispatcher binding the client's
// source address are set.
//
// Usage: node anthropic-client.mjs MODE LOCAL_ADDRESS API_KEY [SDK]
//   MODE = tls   -> https://api.anthropic.com (SDK default)
//          proxy -> http://claude-proxy.corp.test:8080
//   SDK  = current (default): @anthropic-ai/sdk (>= 1.0 sends "Authorization: Bearer <key>")
//          0x: the last 0.x release, installed as the npm alias anthropic-sdk-0x
//              (sends "x-api-key: <key>")
import { Agent, fetch } from 'undici';

const [mode, localAddress, apiKey, sdk = 'current'] = process.argv.slice(2);
const { default: Anthropic } = await import(sdk === '0x' ? 'anthropic-sdk-0x' : '@anthropic-ai/sdk');
const dispatcher = new Agent({ localAddress });
const baseURL = mode === 'proxy' ? 'http://claude-proxy.corp.test:8080' : undefined;
const client = new Anthropic({ apiKey, baseURL, fetch, fetchOptions: { dispatcher }, maxRetries: 0 });

const params = {
  model: sdk === '0x' ? 'claude-haiku-4-5' : 'claude-sonnet-5-5',
  max_tokens: 256,
  system: 'You are a concise assistant.',
  messages: [{ role: 'user', content: 'Say hello to the network sensor test.' }],
};
const msg = await client.messages.create(params);
console.log('message:', msg.content[0].text, msg.usage.output_tokens);

const stream = await client.messages.create({ ...params, stream: true });
let text = '';
for await (const ev of stream) {
  if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') text += ev.delta.text;
}
console.log('stream:', JSON.stringify(text));
await dispatcher.close();
