// Official npm SDKs with default settings (global fetch), one request each.
// Usage: node sdk-client.mjs openai|anthropic KEY
// The source address is set by the recorder's routes; the CA comes from
// NODE_EXTRA_CA_CERTS.
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';

const [mode, apiKey] = process.argv.slice(2);
if (mode === 'openai') {
  const client = new OpenAI({ apiKey, maxRetries: 0 });
  const r = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
  console.log('openai:', r.choices[0].message.content);
} else if (mode === 'anthropic') {
  const client = new Anthropic({ apiKey, maxRetries: 0 });
  const r = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
  console.log('anthropic:', r.content[0].text);
} else {
  throw new Error('unknown mode ' + mode);
}
