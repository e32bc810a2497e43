// Bun's built-in fetch, defaults. Usage: bun bun-fetch.js KEY
// The CA comes from NODE_EXTRA_CA_CERTS (honoured by Bun).
const r = await fetch('https://api.openai.com/v1/models', { headers: { Authorization: `Bearer ${process.argv[2]}` } });
console.log('bun:', r.status, (await r.json()).data.map((m) => m.id));
