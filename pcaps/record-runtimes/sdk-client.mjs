// Official npm SDKs with default settings (global fetch), one request each,
// and, for comparison, Node's own node:https client (no SDK).
// Usage: node sdk-client.mjs openai|anthropic|https KEY
// The source address is set by the recorder's routes; the CA comes from
// NODE_EXTRA_CA_CERTS.
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import https from 'node:https';

const [mode, apiKey] = process.argv.slice(2);
if (mode === 'openai') {
  const client = new OpenAI({ apiKey, maxRetries: 0 });
  const r = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
  console.log('openai:', r.choices[0].message.content);
} else if (mode === 'anthropic') {
  const client = new Anthropic({ apiKey, maxRetries: 0 });
  const r = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
  console.log('anthropic:', r.content[0].text);
} else if (mode === 'https') {
  // node:https with the default agent (what axios and other Node HTTP
  // libraries use): GET https://api.anthropic.com/v1/models.
  await new Promise((resolve, reject) => {
    https
      .get('https://api.anthropic.com/v1/models', { headers: { 'x-api-key': apiKey, 'anthropic-version': '2023-06-01' } }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => {
          console.log('node:https:', res.statusCode, JSON.parse(body).data.map((m) => m.id).join(','));
          resolve();
        });
      })
      .on('error', reject);
  });
} else {
  throw new Error('unknown mode ' + mode);
}
