// Drives the unmodified npm `openai` SDK. The only non-default settings are
// the API key, baseURL (for gateways) and an undici dispatcher that binds the
// client's source address (so each client has its own IP in the captures).
//
// Usage: node openai-client.mjs MODE LOCAL_ADDRESS API_KEY
//   MODE = tls      -> https://api.openai.com/v1 (SDK default)
//          gateway  -> http://llm-gateway.corp.test:4000/v1 (LiteLLM-style)
//          ollama   -> http://ollama.corp.test:11434/v1 (Ollama OpenAI-compat)
//          long-stream -> gateway base URL, only ONE streaming chat completion
//                      (the mock streams it slowly, ~8 s, for this client's
//                      source address; see mocks.mjs SLOW_STREAM_CLIENTS)
import OpenAI from 'openai';
import { Agent, fetch } from 'undici';

const [mode, localAddress, apiKey] = process.argv.slice(2);
const dispatcher = new Agent({ localAddress });
const baseURL = {
  tls: undefined,
  gateway: 'http://llm-gateway.corp.test:4000/v1',
  'long-stream': 'http://llm-gateway.corp.test:4000/v1',
  ollama: 'http://ollama.corp.test:11434/v1',
}[mode];

const client = new OpenAI({ apiKey, baseURL, fetch, fetchOptions: { dispatcher }, maxRetries: 0 });
const messages = [
  { role: 'system', content: 'You are a concise assistant.' },
  { role: 'user', content: 'Say hello to the network sensor test.' },
];

async function stream(model) {
  const s = await client.chat.completions.create({
    model,
    messages,
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  for await (const chunk of s) text += chunk.choices[0]?.delta?.content ?? '';
  console.log('stream:', JSON.stringify(text));
}

if (mode === 'long-stream') {
  await stream('gpt-4o-mini');
} else if (mode === 'ollama') {
  const r = await client.chat.completions.create({ model: 'llama3.2', messages });
  console.log('chat:', r.choices[0].message.content);
} else {
  const model = 'gpt-4o-mini';
  const models = await client.models.list();
  console.log('models:', models.data.map((m) => m.id).join(','));
  const r = await client.chat.completions.create({ model, messages, temperature: 0.2, max_tokens: 64 });
  console.log('chat:', r.choices[0].message.content, r.usage.total_tokens);
  await stream(model);
  if (mode === 'gateway') {
    const e = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'passive network sensor' });
    console.log('embedding dims:', e.data[0].embedding.length);
    const resp = await client.responses.create({ model, input: 'Say hello to the network sensor test.' });
    console.log('responses:', resp.output_text);
  }
}
await dispatcher.close();
