// Bun's two HTTP clients, defaults, one request each:
//   1. the built-in fetch        -> https://api.openai.com/v1/models
//   2. node:https (Bun's Node compatibility layer, as used by axios and
//      other Node libraries) -> https://api.anthropic.com/v1/models
// Usage: bun bun-client.js OPENAI_KEY ANTHROPIC_KEY
// The CA comes from NODE_EXTRA_CA_CERTS (honoured by Bun).
import https from 'node:https';

const [openaiKey, anthropicKey] = process.argv.slice(2);
const r = await fetch('https://api.openai.com/v1/models', { headers: { Authorization: `Bearer ${openaiKey}` } });
console.log('bun fetch:', r.status, (await r.json()).data.map((m) => m.id).join(','));

await new Promise((resolve, reject) => {
  https
    .get('https://api.anthropic.com/v1/models', { headers: { 'x-api-key': anthropicKey, 'anthropic-version': '2023-06-01' } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => {
        console.log('bun node:https:', res.statusCode, JSON.parse(body).data.map((m) => m.id).join(','));
        resolve();
      });
    })
    .on('error', reject);
});
