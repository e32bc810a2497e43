// Local TLS mocks of the three AI provider APIs for the runtime-fingerprint
// captures (pcaps/runtime-*.pcap). The point of these captures is the
// client's TLS ClientHello (JA4); the mocks answer just enough for each client
// to finish its first request and exit.
//
// Usage: node mocks.mjs CERT_DIR
//   CERT_DIR holds <hostname>.crt / <hostname>.key for each host.
// Every listener is node:http2 createSecureServer with allowHTTP1, so it
// accepts ALPN h2 and http/1.1 (and clients that offer no ALPN at all).
// Prints "READY" on stdout once every listener is up. Logs one line per
// TLS session (client address, SNI, negotiated ALPN) and per request.
// With KEYLOG_FILE set, appends every session's secrets there (NSS key log
// format, from the server side), so that captures of clients that honour no
// SSLKEYLOGFILE can be decrypted too.
//
// Behaviour per provider:
//   api.openai.com (127.0.9.1): GET /v1/models, POST /v1/chat/completions
//     (JSON or SSE), POST /v1/responses (Responses API SSE) and the Responses
//     API over WebSocket (GET /v1/responses, Upgrade: websocket; codex's default).
//   api.anthropic.com (127.0.9.2): POST /v1/messages (JSON or SSE),
//     /v1/messages/count_tokens; GET /v1/models.
//   generativelanguage.googleapis.com (127.0.9.3): :generateContent,
//     :streamGenerateContent (SSE with alt=sse, else a JSON array),
//     :countTokens, GET /v1beta/models.
//   Anything else: the provider's 404 error shape.

import http2 from 'node:http2';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

const CERT_DIR = process.argv[2];
const KEYLOG_FILE = process.env.KEYLOG_FILE;
const KEYS = new Set(
  fs
    .readFileSync(new URL('./test-keys.txt', import.meta.url), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#')),
);

const REPLY = 'Hello! The sensor test is working.';
const rid = (n = 24) => crypto.randomBytes(n).toString('base64url').slice(0, n);
const now = () => Math.floor(Date.now() / 1000);
const peer = (req) => (req.socket.remoteAddress || '').replace(/^::ffff:/, '');

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      try {
        resolve({ json: raw ? JSON.parse(raw) : {}, size: raw.length });
      } catch {
        resolve({ json: {}, size: raw.length });
      }
    });
  });
}

function sendJSON(res, status, obj, extra = {}) {
  const body = JSON.stringify(obj);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

function log(name, req, note = '') {
  const ua = req.headers['user-agent'] || '-';
  process.stderr.write(
    `[${name}] ${peer(req)} HTTP/${req.httpVersion} ${req.method} ${req.url} ua=${JSON.stringify(ua)} ${note}\n`,
  );
}

function keyOf(req, url) {
  const a = req.headers['authorization'] || '';
  return (
    req.headers['x-api-key'] ||
    req.headers['x-goog-api-key'] ||
    url.searchParams.get('key') ||
    (a.startsWith('Bearer ') ? a.slice(7) : '')
  );
}

// ---------------------------------------------------------------- OpenAI ---
function openai(name) {
  return async (req, res) => {
    const url = new URL(req.url, 'https://x');
    const { json: body, size } = req.method === 'POST' ? await readBody(req) : { json: {}, size: 0 };
    log(name, req, `body=${size}${body.model ? ' model=' + body.model : ''}${body.stream ? ' stream' : ''}`);
    const h = { 'x-request-id': 'req_' + rid(32), 'openai-version': '2020-10-01', 'openai-processing-ms': '212' };
    const err = (status, message, code) =>
      sendJSON(res, status, { error: { message, type: 'invalid_request_error', param: null, code } }, h);
    if (!KEYS.has(keyOf(req, url))) return err(401, 'Incorrect API key provided.', 'invalid_api_key');
    const p = url.pathname.replace(/^\/v1/, '');
    if (req.method === 'GET' && p === '/models') {
      return sendJSON(res, 200, {
        object: 'list',
        data: ['gpt-4o-mini', 'gpt-5', 'gpt-5-codex'].map((id) => ({ id, object: 'model', created: 1715367049, owned_by: 'system' })),
      }, h);
    }
    if (req.method === 'POST' && p === '/chat/completions') {
      const id = 'chatcmpl-' + rid(29);
      if (!body.stream) {
        return sendJSON(res, 200, {
          id, object: 'chat.completion', created: now(), model: body.model,
          choices: [{ index: 0, message: { role: 'assistant', content: REPLY, refusal: null }, logprobs: null, finish_reason: 'stop' }],
          usage: { prompt_tokens: 19, completion_tokens: 9, total_tokens: 28 },
        }, h);
      }
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...h });
      const chunk = (delta, finish) => ({ id, object: 'chat.completion.chunk', created: now(), model: body.model,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
      res.write('data: ' + JSON.stringify(chunk({ role: 'assistant', content: REPLY }, null)) + '\n\n');
      res.write('data: ' + JSON.stringify(chunk({}, 'stop')) + '\n\n');
      res.end('data: [DONE]\n\n');
      return;
    }
    if (req.method === 'POST' && p === '/responses') {
      if (!body.stream) return sendJSON(res, 200, responseEvents(body).at(-1).response, h);
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...h });
      for (const ev of responseEvents(body)) res.write(`event: ${ev.type}\ndata: ${JSON.stringify(ev)}\n\n`);
      res.end();
      return;
    }
    err(404, `Invalid URL (${req.method} ${url.pathname})`, null);
  };
}

// The Responses API stream (SSE events or WebSocket messages) for one request.
function responseEvents(body) {
  const id = 'resp_' + rid(40);
  const msgId = 'msg_' + rid(40);
  const item = { id: msgId, type: 'message', status: 'completed', role: 'assistant',
    content: [{ type: 'output_text', text: REPLY, annotations: [] }] };
  const usage = { input_tokens: 19, input_tokens_details: { cached_tokens: 0 }, output_tokens: 9,
    output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 28 };
  const resp = (status, output, u) => ({ id, object: 'response', created_at: now(), status, model: body.model,
    output, usage: u, error: null, incomplete_details: null });
  let seq = 0;
  const ev = (type, data) => ({ type, sequence_number: seq++, ...data });
  return [
    ev('response.created', { response: resp('in_progress', [], null) }),
    ev('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', content: [] } }),
    ev('response.output_text.delta', { item_id: msgId, output_index: 0, content_index: 0, delta: REPLY }),
    ev('response.output_item.done', { output_index: 0, item }),
    ev('response.completed', { response: resp('completed', [item], usage) }),
  ];
}

// ------------------------------------------------------------- Anthropic ---
function anthropic(name) {
  return async (req, res) => {
    const url = new URL(req.url, 'https://x');
    const { json: body, size } = req.method === 'POST' ? await readBody(req) : { json: {}, size: 0 };
    log(name, req, `body=${size}${body.model ? ' model=' + body.model : ''}${body.stream ? ' stream' : ''}`);
    const h = { 'request-id': 'req_011C' + rid(20), 'anthropic-organization-id': '3f1c6b1e-0000-4000-8000-a15e0500test' };
    const err = (status, type, message) => sendJSON(res, status, { type: 'error', error: { type, message } }, h);
    if (!KEYS.has(keyOf(req, url))) return err(401, 'authentication_error', 'invalid x-api-key');
    if (req.method === 'GET' && url.pathname === '/v1/models') {
      return sendJSON(res, 200, { data: [{ type: 'model', id: 'claude-sonnet-4-5', display_name: 'Claude Sonnet 4.5',
        created_at: '2025-09-29T00:00:00Z' }], has_more: false, first_id: 'claude-sonnet-4-5', last_id: 'claude-sonnet-4-5' }, h);
    }
    if (req.method === 'POST' && url.pathname === '/v1/messages/count_tokens') {
      return sendJSON(res, 200, { input_tokens: 21 }, h);
    }
    if (req.method !== 'POST' || url.pathname !== '/v1/messages') return err(404, 'not_found_error', 'Not found');
    const id = 'msg_01' + rid(22);
    const usage = { input_tokens: 21, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 12,
      service_tier: 'standard' };
    const msg = { id, type: 'message', role: 'assistant', model: body.model, content: [], stop_reason: null,
      stop_sequence: null, usage };
    if (!body.stream) {
      return sendJSON(res, 200, { ...msg, content: [{ type: 'text', text: REPLY }], stop_reason: 'end_turn' }, h);
    }
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...h });
    const ev = (type, data) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    ev('message_start', { message: { ...msg, usage: { ...usage, output_tokens: 1 } } });
    ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: REPLY } });
    ev('content_block_stop', { index: 0 });
    ev('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 12 } });
    ev('message_stop', {});
    res.end();
  };
}

// ---------------------------------------------------------------- Gemini ---
// A value that satisfies a (Gemini / JSON) schema: gemini-cli asks for JSON
// (generationConfig.responseMimeType application/json, e.g. its model-routing
// classifier) and retries until the answer parses and fits.
function fillSchema(sc = {}) {
  const t = String(sc.type || (sc.properties ? 'object' : 'string')).toLowerCase();
  if (sc.enum && sc.enum.length) return sc.enum[0];
  if (t === 'object') return Object.fromEntries(Object.entries(sc.properties || {}).map(([k, v]) => [k, fillSchema(v)]));
  if (t === 'array') return [];
  if (t === 'integer' || t === 'number') return Math.max(Number(sc.minimum ?? 5), 5) <= Number(sc.maximum ?? 100) ? Math.max(Number(sc.minimum ?? 5), 5) : Number(sc.minimum);
  if (t === 'boolean') return false;
  return 'Simple greeting.';
}
function gemini(name) {
  return async (req, res) => {
    const url = new URL(req.url, 'https://x');
    const { json: body, size } = req.method === 'POST' ? await readBody(req) : { json: {}, size: 0 };
    log(name, req, `body=${size}${body.generationConfig?.responseMimeType ? ' ' + body.generationConfig.responseMimeType : ''}`);
    const h = { vary: 'Origin, X-Origin, Referer', server: 'scaffolding on HTTPServer2' };
    const err = (code, status, message) => sendJSON(res, code, { error: { code, message, status } }, h);
    if (!KEYS.has(keyOf(req, url))) return err(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.');
    if (req.method === 'GET' && /^\/v1(beta)?\/models\/?$/.test(url.pathname)) {
      return sendJSON(res, 200, { models: [{ name: 'models/gemini-2.5-flash', displayName: 'Gemini 2.5 Flash',
        supportedGenerationMethods: ['generateContent', 'countTokens'] }] }, h);
    }
    const m = url.pathname.match(/^\/v1(?:beta|alpha)?\/models\/([^/:]+):(generateContent|streamGenerateContent|countTokens)$/);
    if (req.method !== 'POST' || !m) return err(404, 'NOT_FOUND', 'Not found');
    if (m[2] === 'countTokens') return sendJSON(res, 200, { totalTokens: 8 }, h);
    const gc = body.generationConfig || {};
    const text = gc.responseMimeType === 'application/json'
      ? JSON.stringify(fillSchema(gc.responseJsonSchema || gc.responseSchema || {}))
      : REPLY;
    const out = {
      candidates: [{ content: { parts: [{ text }], role: 'model' }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 8, candidatesTokenCount: 9, totalTokenCount: 17 },
      modelVersion: m[1],
      responseId: rid(22),
    };
    if (m[2] === 'generateContent') return sendJSON(res, 200, out, h);
    if (url.searchParams.get('alt') === 'sse') {
      res.writeHead(200, { 'content-type': 'text/event-stream', ...h });
      res.end('data: ' + JSON.stringify(out) + '\r\n\r\n');
      return;
    }
    sendJSON(res, 200, [out], h);
  };
}

// ------------------------------------------- Responses API over WebSocket ---
// codex opens wss://api.openai.com/v1/responses first (HTTP/1.1 Upgrade, no
// ALPN) and falls back to HTTPS only after failed attempts. A minimal RFC 6455
// server: accept the upgrade (no extensions), read the client's first text
// message (`{"type":"response.create",…}`) and answer with the same events as
// the SSE stream, one text frame each; answer pings, echo close.
function wsFrame(op, payload) {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x80 | op, n]) : n < 65536 ? Buffer.from([0x80 | op, 126, n >> 8, n & 255]) : null;
  if (head) return Buffer.concat([head, payload]);
  const h = Buffer.alloc(10);
  h[0] = 0x80 | op; h[1] = 127; h.writeBigUInt64BE(BigInt(n), 2);
  return Buffer.concat([h, payload]);
}
function openaiWebSocket(name, req, socket) {
  const url = new URL(req.url, 'https://x');
  log(name, req, `websocket upgrade`);
  if (url.pathname !== '/v1/responses' || (req.headers.upgrade || '').toLowerCase() !== 'websocket' || !KEYS.has(keyOf(req, url))) {
    socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
    return;
  }
  const accept = crypto.createHash('sha1').update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${accept}\r\nx-request-id: req_${rid(32)}\r\n\r\n`);
  let buf = Buffer.alloc(0);
  let msg = [];
  socket.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      if (buf.length < 2) return;
      const fin = buf[0] & 0x80, op = buf[0] & 0x0f, masked = buf[1] & 0x80;
      let len = buf[1] & 0x7f, off = 2;
      if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
      else if (len === 127) { if (buf.length < 10) return; len = Number(buf.readBigUInt64BE(2)); off = 10; }
      const mask = masked ? buf.subarray(off, off + 4) : null;
      if (masked) off += 4;
      if (buf.length < off + len) return;
      const payload = Buffer.from(buf.subarray(off, off + len));
      if (mask) for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
      buf = buf.subarray(off + len);
      if (op === 0x8) { socket.end(wsFrame(0x8, payload.subarray(0, 2))); return; }
      if (op === 0x9) { socket.write(wsFrame(0xa, payload)); continue; }
      if (op === 0xa) continue;
      msg.push(payload);
      if (!fin) continue;
      const text = Buffer.concat(msg).toString('utf8');
      msg = [];
      let body = {};
      try { body = JSON.parse(text); } catch {}
      process.stderr.write(`[${name}] ${peer(req)} websocket message ${body.type} size=${text.length} model=${body.model}\n`);
      if (body.type !== 'response.create') continue;
      for (const ev of responseEvents(body)) socket.write(wsFrame(0x1, Buffer.from(JSON.stringify(ev))));
    }
  });
  socket.on('error', () => {});
}

// ------------------------------------------------------------- listeners ---
const SERVERS = [
  ['127.0.9.1', 'api.openai.com', openai('openai')],
  ['127.0.9.2', 'api.anthropic.com', anthropic('anthropic')],
  ['127.0.9.3', 'generativelanguage.googleapis.com', gemini('gemini')],
];

await Promise.all(
  SERVERS.map(
    ([addr, host, handler]) =>
      new Promise((resolve, reject) => {
        const srv = http2.createSecureServer(
          {
            key: fs.readFileSync(path.join(CERT_DIR, host + '.key')),
            cert: fs.readFileSync(path.join(CERT_DIR, host + '.crt')),
            allowHTTP1: true,
            ALPNProtocols: ['h2', 'http/1.1'],
          },
          (req, res) =>
            handler(req, res).catch((e) => {
              process.stderr.write(`[${host}] handler error ${e}\n`);
              try { res.destroy(); } catch {}
            }),
        );
        if (host === 'api.openai.com') srv.on('upgrade', (req, socket) => openaiWebSocket('openai', req, socket));
        if (KEYLOG_FILE) srv.on('keylog', (line) => fs.appendFileSync(KEYLOG_FILE, line));
        srv.on('secureConnection', (s) =>
          process.stderr.write(`[tls] ${s.remoteAddress} -> ${host} sni=${s.servername} alpn=${s.alpnProtocol} ${s.getProtocol()}\n`),
        );
        srv.on('tlsClientError', (e, s) =>
          process.stderr.write(`[tls] ${s.remoteAddress} -> ${host} handshake failed: ${e.code || ''} ${e.message}\n`),
        );
        srv.on('error', reject);
        srv.listen(443, addr, resolve);
      }),
  ),
);
process.stdout.write('READY\n');
