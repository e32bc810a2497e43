// Local mock LLM APIs for the clear-text twin captures (twin-llm-*.pcap).
//
// Every provider name has its own loopback address and answers on BOTH
// port 443 (TLS, certificate for the real name from the throw-away CA) and
// port 80 (plain), with the same handler, so the "-tls" and "-http" twin of a
// scenario get the same answers. Response ids are derived from the scenario
// name (the capture name without -tls / -http, read from CAPTURE_FILE) and a
// per-capture request counter, so both twins carry the same ids.
//
//   api.openai.com     127.0.20.1  443 HTTPS (ALPN http/1.1) + 80 HTTP/1.1
//   api.anthropic.com  127.0.20.2  443 HTTPS (ALPN http/1.1) + 80 HTTP/1.1
//   api.mistral.ai     127.0.20.3  443 HTTP/2 over TLS (ALPN h2 only) + 80 h2c (prior knowledge only)
//   api.groq.com       127.0.20.4  443 HTTPS (ALPN http/1.1) + 80 HTTP/1.1
//   api.deepseek.com   127.0.20.5  443 HTTPS (ALPN http/1.1) + 80 HTTP/1.1
//
// Usage: node mocks.mjs CERT_DIR CAPTURE_FILE
//   CERT_DIR holds <hostname>.crt / .key. Prints "READY" once all listeners are up.
// Requests whose key is not in test-keys.txt get the provider's 401.

import http from 'node:http';
import https from 'node:https';
import http2 from 'node:http2';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

const [CERT_DIR, CAPTURE_FILE] = process.argv.slice(2);
const KEYS = new Set(
  fs.readFileSync(new URL('./test-keys.txt', import.meta.url), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')),
);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => Math.floor(Date.now() / 1000);

// Deterministic ids: same scenario + same request number -> same id in both twins.
const counters = new Map();
function idSource() {
  let cap = '';
  try { cap = fs.readFileSync(CAPTURE_FILE, 'utf8').trim(); } catch {}
  const n = (counters.get(cap) || 0) + 1;
  counters.set(cap, n);
  const scenario = cap.replace(/-(tls|http)$/, '');
  return (label, len, enc = 'base64url') =>
    crypto.createHash('sha256').update(`${scenario}:${n}:${label}`).digest(enc).replace(/[-_]/g, 'x').slice(0, len);
}

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      try { resolve(raw ? JSON.parse(raw) : {}); } catch { resolve({ _raw: raw }); }
    });
  });
}

// HTTP/1.1: with content-length. HTTP/2: without, so the client reads to the
// END_STREAM flag; with a content-length curl 7.88.1 closes the connection as
// soon as it has the body, racing Node's separate empty END_STREAM DATA frame,
// so whether that frame is in a capture would depend on timing.
function sendJSON(res, status, obj, extra = {}) {
  const body = JSON.stringify(obj);
  const len = res.stream ? {} : { 'content-length': Buffer.byteLength(body) };
  res.writeHead(status, { 'content-type': 'application/json', ...len, ...extra });
  res.end(body);
}

function log(name, req, note = '') {
  const proto = req.httpVersion === '2.0' ? 'h2' : 'http/1.1';
  const tls = req.socket.encrypted ? 'tls' : 'clear';
  process.stderr.write(`[${name}] ${req.socket.remoteAddress} ${tls} ${proto} ${req.method} ${req.url} ${note}\n`);
}

const bearer = (req) => {
  const a = req.headers['authorization'] || '';
  return a.startsWith('Bearer ') ? a.slice(7) : '';
};

// ------------------------------------------------------ OpenAI-compatible ---
const REPLY = 'Hello! The sensor test is working.';
const PIECES = ['Hello', '!', ' The', ' sensor', ' test', ' is', ' working', '.'];

function providerHeaders(flavor, id) {
  const h = {};
  if (flavor === 'openai') {
    Object.assign(h, {
      'openai-organization': 'org-aisensortest',
      'openai-processing-ms': '312',
      'openai-version': '2020-10-01',
      'x-ratelimit-limit-requests': '10000',
      'x-ratelimit-limit-tokens': '30000000',
      'x-ratelimit-remaining-requests': '9999',
      'x-ratelimit-remaining-tokens': '29999980',
      'x-ratelimit-reset-requests': '6ms',
      'x-ratelimit-reset-tokens': '0s',
      'x-request-id': 'req_' + id('req', 32, 'hex'),
    });
  } else if (flavor === 'mistral') {
    Object.assign(h, { 'mistral-correlation-id': id('corr', 32, 'hex'), 'x-kong-upstream-latency': '204' });
  } else if (flavor === 'groq') {
    Object.assign(h, { 'x-groq-region': 'us-central-1', 'x-request-id': 'req_' + id('req', 26), via: '1.1 google' });
  } else if (flavor === 'deepseek') {
    Object.assign(h, { 'x-ds-trace-id': id('trace', 32, 'hex') });
  } else if (flavor === 'anthropic') {
    Object.assign(h, {
      'request-id': 'req_011C' + id('req', 20),
      'anthropic-organization-id': '3f1c6b1e-0000-4000-8000-a15e0500test',
      'anthropic-ratelimit-requests-limit': '4000',
      'anthropic-ratelimit-requests-remaining': '3999',
      'anthropic-ratelimit-input-tokens-limit': '400000',
      'anthropic-ratelimit-input-tokens-remaining': '399000',
      'anthropic-ratelimit-output-tokens-limit': '80000',
      'anthropic-ratelimit-output-tokens-remaining': '80000',
      via: '1.1 google',
    });
  }
  return h;
}

const USAGE = {
  prompt_tokens: 19,
  completion_tokens: 9,
  total_tokens: 28,
  prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
};

function chatCompletion(id, model, fp) {
  return {
    id: 'chatcmpl-' + id('chat', 29),
    object: 'chat.completion',
    created: now(),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: REPLY, refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
    usage: USAGE,
    service_tier: 'default',
    system_fingerprint: fp,
  };
}

async function streamChat(res, id, model, fp, includeUsage, h) {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...h });
  const cid = 'chatcmpl-' + id('chat', 29);
  const created = now();
  const chunk = (delta, finish, usage) => ({
    id: cid,
    object: 'chat.completion.chunk',
    created,
    model,
    service_tier: 'default',
    system_fingerprint: fp,
    choices: usage ? [] : [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(includeUsage ? { usage: usage || null } : {}),
  });
  const send = (o) => res.write('data: ' + JSON.stringify(o) + '\n\n');
  send(chunk({ role: 'assistant', content: '', refusal: null }, null));
  for (const p of PIECES) {
    await sleep(15);
    send(chunk({ content: p }, null));
  }
  await sleep(15);
  send(chunk({}, 'stop'));
  if (includeUsage) send(chunk(null, null, { prompt_tokens: 19, completion_tokens: 9, total_tokens: 28 }));
  res.write('data: [DONE]\n\n');
  res.end();
}

function responseObj(id, model) {
  return {
    id: 'resp_' + id('resp', 48, 'hex'),
    object: 'response',
    created_at: now(),
    status: 'completed',
    background: false,
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: null,
    model,
    output: [
      {
        id: 'msg_' + id('msg', 48, 'hex'),
        type: 'message',
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', annotations: [], logprobs: [], text: REPLY }],
      },
    ],
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: true,
    temperature: 1.0,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: 'auto',
    tools: [],
    top_p: 1.0,
    truncation: 'disabled',
    usage: { input_tokens: 14, input_tokens_details: { cached_tokens: 0 }, output_tokens: 9, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 23 },
    user: null,
    metadata: {},
  };
}

// flavor: openai | mistral | groq | deepseek. Paths: /v1/... (Groq: /openai/v1/...; DeepSeek also without /v1).
function openaiCompat(name, flavor, models, fp) {
  return async (req, res) => {
    const body = req.method === 'POST' ? await readBody(req) : {};
    log(name, req, body.model ? `model=${body.model}${body.stream ? ' stream' : ''}` : '');
    const id = idSource();
    if (!KEYS.has(bearer(req))) {
      return sendJSON(res, 401, { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
    }
    const h = providerHeaders(flavor, id);
    let p = new URL(req.url, 'http://x').pathname;
    if (flavor === 'groq' && p.startsWith('/openai/v1/')) p = p.slice(7);
    if (flavor === 'deepseek' && !p.startsWith('/v1/')) p = '/v1' + p;
    if (req.method === 'GET' && p === '/v1/models') {
      return sendJSON(res, 200, { object: 'list', data: models.map((m) => ({ id: m, object: 'model', created: 1715367049, owned_by: 'system' })) }, h);
    }
    const model = flavor === 'openai' && body.model === 'gpt-4o-mini' ? 'gpt-4o-mini-2024-07-18' : body.model;
    if (req.method === 'POST' && p === '/v1/chat/completions') {
      if (body.stream) return streamChat(res, id, model, fp, !!body.stream_options?.include_usage, h);
      return sendJSON(res, 200, chatCompletion(id, model, fp), h);
    }
    if (flavor === 'openai' && req.method === 'POST' && p === '/v1/responses') return sendJSON(res, 200, responseObj(id, model), h);
    sendJSON(res, 404, { error: { message: `Invalid URL (${req.method} ${p})`, type: 'invalid_request_error', param: null, code: null } });
  };
}

// ------------------------------------------------------------- Anthropic ---
function anthropic(name) {
  return async (req, res) => {
    const body = req.method === 'POST' ? await readBody(req) : {};
    log(name, req, body.model ? `model=${body.model}${body.stream ? ' stream' : ''}` : '');
    const id = idSource();
    if (!KEYS.has(req.headers['x-api-key'] || bearer(req))) {
      return sendJSON(res, 401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } });
    }
    const h = providerHeaders('anthropic', id);
    if (req.method !== 'POST' || new URL(req.url, 'http://x').pathname !== '/v1/messages') {
      return sendJSON(res, 404, { type: 'error', error: { type: 'not_found_error', message: 'Not found' } }, h);
    }
    const mid = 'msg_01' + id('msg', 22);
    const usage = { input_tokens: 21, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 12, service_tier: 'standard' };
    if (!body.stream) {
      return sendJSON(res, 200, {
        id: mid, type: 'message', role: 'assistant', model: body.model,
        content: [{ type: 'text', text: REPLY }], stop_reason: 'end_turn', stop_sequence: null, usage,
      }, h);
    }
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...h });
    const ev = (type, data) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    ev('message_start', {
      message: { id: mid, type: 'message', role: 'assistant', model: body.model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } },
    });
    ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    ev('ping', {});
    for (const p of PIECES) {
      await sleep(15);
      ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: p } });
    }
    ev('content_block_stop', { index: 0 });
    ev('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 12 } });
    ev('message_stop', {});
    res.end();
  };
}

// --------------------------------------------------------------- Servers ---
const tlsOpts = (host) => ({
  key: fs.readFileSync(path.join(CERT_DIR, host + '.key')),
  cert: fs.readFileSync(path.join(CERT_DIR, host + '.crt')),
});

// [kind, address, host, handler]: kind h1 = HTTPS (ALPN http/1.1) on 443 + HTTP/1.1 on 80;
// kind h2 = HTTP/2 over TLS (ALPN h2, no HTTP/1.1 fallback) on 443 + h2c prior knowledge on 80.
const servers = [
  ['h1', '127.0.20.1', 'api.openai.com', openaiCompat('api.openai.com', 'openai', ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1', 'o3-mini', 'text-embedding-3-small'], 'fp_e4fa3702df')],
  ['h1', '127.0.20.2', 'api.anthropic.com', anthropic('api.anthropic.com')],
  ['h2', '127.0.20.3', 'api.mistral.ai', openaiCompat('api.mistral.ai', 'mistral', ['mistral-small-latest'], null)],
  ['h1', '127.0.20.4', 'api.groq.com', openaiCompat('api.groq.com', 'groq', ['llama-3.3-70b-versatile'], 'fp_c0cfa69934')],
  ['h1', '127.0.20.5', 'api.deepseek.com', openaiCompat('api.deepseek.com', 'deepseek', ['deepseek-chat', 'deepseek-reasoner'], 'fp_3a5770e1b4')],
];

const listen = (srv, port, addr) =>
  new Promise((resolve, reject) => {
    srv.on('error', reject);
    srv.listen(port, addr, resolve);
  });
const all = [];
for (const [kind, addr, host, handler] of servers) {
  let tls, clear;
  if (kind === 'h1') {
    tls = https.createServer({ ...tlsOpts(host), ALPNProtocols: ['http/1.1'] }, handler);
    clear = http.createServer(handler);
    tls.keepAliveTimeout = clear.keepAliveTimeout = 30000;
  } else {
    tls = http2.createSecureServer({ ...tlsOpts(host), allowHTTP1: false }, handler);
    clear = http2.createServer(handler);
  }
  all.push(listen(tls, 443, addr), listen(clear, 80, addr));
}
await Promise.all(all);
process.stdout.write('READY\n');
process.on('SIGTERM', () => process.exit(0));
