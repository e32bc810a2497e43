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
//
// Behaviour per provider:
//   api.openai.com (127.0.9.1): GET /v1/models, POST /v1/chat/completions
//     (JSON or SSE), POST /v1/responses (Responses API SSE, as codex reads it).
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
      const id = 'resp_' + rid(40);
      const msgId = 'msg_' + rid(40);
      const item = { id: msgId, type: 'message', status: 'completed', role: 'assistant',
        content: [{ type: 'output_text', text: REPLY, annotations: [] }] };
      const usage = { input_tokens: 19, input_tokens_details: { cached_tokens: 0 }, output_tokens: 9,
        output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 28 };
      const resp = (status, output, u) => ({ id, object: 'response', created_at: now(), status, model: body.model,
        output, usage: u, error: null, incomplete_details: null });
      if (!body.stream) return sendJSON(res, 200, resp('completed', [item], usage), h);
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...h });
      let seq = 0;
      const ev = (type, data) =>
        res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`);
      ev('response.created', { response: resp('in_progress', [], null) });
      ev('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', content: [] } });
      ev('response.output_text.delta', { item_id: msgId, output_index: 0, content_index: 0, delta: REPLY });
      ev('response.output_item.done', { output_index: 0, item });
      ev('response.completed', { response: resp('completed', [item], usage) });
      res.end();
      return;
    }
    err(404, `Invalid URL (${req.method} ${url.pathname})`, null);
  };
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
function gemini(name) {
  return async (req, res) => {
    const url = new URL(req.url, 'https://x');
    const { json: body, size } = req.method === 'POST' ? await readBody(req) : { json: {}, size: 0 };
    log(name, req, `body=${size}`);
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
    const out = {
      candidates: [{ content: { parts: [{ text: REPLY }], role: 'model' }, finishReason: 'STOP', index: 0 }],
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
