// Local TLS mocks of the three AI provider APIs for the product captures
// (pcaps/product-*.pcap, record-products). Adapted from record-runtimes'
// mocks.mjs: besides a plain text answer, each mock drives one agent turn
// through the MCP tool get_build_status (served by mcp-server.mjs):
//
//   1st model request that declares a tool named …get_build_status… and
//       carries no tool result yet  -> the model "calls" that tool
//       (Anthropic tool_use / Responses API function_call / Gemini functionCall)
//       with {"project":"aisensor"};
//   a request that carries the tool result -> a final text answer;
//   any other request (title/quota/router side calls) -> a short text, or JSON
//       that fits the requested schema (Gemini CLI's router / next-speaker check).
//
// Usage: node mocks.mjs CERT_DIR
//   CERT_DIR holds <hostname>.crt / <hostname>.key for each host.
// Every listener is node:http2 createSecureServer with allowHTTP1 (ALPN h2 and
// http/1.1). Prints "READY" on stdout once every listener is up. Logs one line
// per TLS session (client, SNI, ALPN) and per request (with the request's
// headers, keys masked). With KEYLOG_FILE set, appends every session's secrets
// there (NSS key log format, from the server side): neither Claude Code's Bun
// runtime nor Codex's rustls writes a key log of its own.
//
//   api.anthropic.com (127.0.24.1): POST /v1/messages (JSON or SSE),
//     /v1/messages/count_tokens, GET /v1/models; anything else 404.
//   api.openai.com (127.0.24.2): POST /v1/responses (SSE) and the Responses API
//     over WebSocket (GET /v1/responses, Upgrade: websocket; codex's default),
//     GET /v1/models, POST /v1/chat/completions.
//   generativelanguage.googleapis.com (127.0.24.3): :generateContent,
//     :streamGenerateContent (SSE with alt=sse, else a JSON array), :countTokens.

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

const TOOL = /get_build_status/;
const TOOL_ARGS = { project: 'aisensor' };
const FINAL = 'The latest aisensor build (#1842, commit 3f9c2e1) passed on main: 412 tests, 0 failures.';
const SIDE = 'Build status check';
const rid = (n = 24) => crypto.randomBytes(n).toString('base64url').slice(0, n);
const now = () => Math.floor(Date.now() / 1000);
const peer = (req) => (req.socket.remoteAddress || '').replace(/^::ffff:/, '');
const log = (s) => process.stderr.write(s + '\n');

// The declared tool whose name matches TOOL (anywhere in the tool list:
// Anthropic tools[].name, Responses tools[].name or namespaced, Gemini
// tools[].functionDeclarations[].name).
function findTool(tools) {
  let found = null;
  const walk = (o) => {
    if (found || !o || typeof o !== 'object') return;
    if (typeof o.name === 'string' && TOOL.test(o.name)) { found = o.name; return; }
    for (const v of Array.isArray(o) ? o : Object.values(o)) walk(v);
  };
  walk(tools);
  return found;
}
const toolNames = (tools) => {
  const out = [];
  const walk = (o) => {
    if (!o || typeof o !== 'object') return;
    if (typeof o.name === 'string' && (o.description !== undefined || o.parameters || o.input_schema)) out.push(o.name);
    for (const v of Array.isArray(o) ? o : Object.values(o)) if (v && typeof v === 'object') walk(v);
  };
  walk(tools);
  return out;
};

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

const SECRET_HEADERS = new Set(['authorization', 'x-api-key', 'x-goog-api-key', 'cookie']);
function logReq(name, req, note = '') {
  const h = Object.fromEntries(
    Object.entries(req.headers)
      .filter(([k]) => !k.startsWith(':'))
      .map(([k, v]) => [k, SECRET_HEADERS.has(k) ? String(v).slice(0, 10) + '…' : v]),
  );
  log(`[${name}] ${peer(req)} HTTP/${req.httpVersion} ${req.method} ${req.url} ${note} headers=${JSON.stringify(h)}`);
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

// ------------------------------------------------------------- Anthropic ---
function anthropic(name) {
  return async (req, res) => {
    const url = new URL(req.url, 'https://x');
    const { json: body, size } = req.method === 'POST' ? await readBody(req) : { json: {}, size: 0 };
    const h = { 'request-id': 'req_011C' + rid(20), 'anthropic-organization-id': '3f1c6b1e-0000-4000-8000-a15e0500test' };
    const err = (status, type, message) => sendJSON(res, status, { type: 'error', error: { type, message } }, h);
    // Claude Code defers MCP tools behind its ToolSearch tool by default: the
    // MCP tool is then only named in the prompt, and the model first calls
    // ToolSearch ("select:<name>") to load it, then the tool itself.
    const blocks = (body.messages || []).flatMap((m) => (Array.isArray(m.content) ? m.content : []));
    const used = new Map(blocks.filter((c) => c.type === 'tool_use').map((c) => [c.id, c.name]));
    const results = blocks.filter((c) => c.type === 'tool_result').map((c) => used.get(c.tool_use_id) || '');
    const deferred = body.tools?.some((t) => t.name === 'ToolSearch')
      ? (JSON.stringify(body.messages || []) + JSON.stringify(body.system || '')).match(/mcp__[\w-]+__get_build_status/)?.[0]
      : null;
    const searched = results.includes('ToolSearch');
    const tool = findTool(body.tools) || (searched ? deferred : null);
    const mode = req.method !== 'POST' || url.pathname !== '/v1/messages' ? ''
      : results.some((n) => TOOL.test(n)) ? 'final'
      : tool ? 'tool_use'
      : deferred && !searched ? 'tool_search'
      : 'side';
    logReq(name, req, `body=${size}${body.model ? ' model=' + body.model : ''}${body.stream ? ' stream' : ''}` +
      `${body.tools ? ' tools=' + body.tools.length : ''}${tool ? ' mcp_tool=' + tool : ''}${mode ? ' answer=' + mode : ''}`);
    if (!KEYS.has(keyOf(req, url))) return err(401, 'authentication_error', 'invalid x-api-key');
    if (req.method === 'GET' && url.pathname === '/v1/models') {
      return sendJSON(res, 200, { data: [{ type: 'model', id: 'claude-sonnet-4-5', display_name: 'Claude Sonnet 4.5',
        created_at: '2025-09-29T00:00:00Z' }], has_more: false, first_id: 'claude-sonnet-4-5', last_id: 'claude-sonnet-4-5' }, h);
    }
    if (req.method === 'POST' && url.pathname === '/v1/messages/count_tokens') {
      return sendJSON(res, 200, { input_tokens: 21 }, h);
    }
    if (!mode) return err(404, 'not_found_error', 'Not found');
    const id = 'msg_01' + rid(22);
    const usage = { input_tokens: 2104, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 38,
      service_tier: 'standard' };
    const msg = { id, type: 'message', role: 'assistant', model: body.model, content: [], stop_reason: null,
      stop_sequence: null, usage };
    const toolId = 'toolu_01' + rid(22);
    const call = mode === 'tool_search'
      ? { name: 'ToolSearch', input: { query: `select:${deferred}` } }
      : { name: tool, input: TOOL_ARGS };
    const text = mode === 'final' ? FINAL : SIDE;
    if (!body.stream) {
      const content = mode === 'tool_use' || mode === 'tool_search'
        ? [{ type: 'tool_use', id: toolId, ...call }]
        : [{ type: 'text', text }];
      return sendJSON(res, 200, { ...msg, content, stop_reason: content[0].type === 'tool_use' ? 'tool_use' : 'end_turn' }, h);
    }
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...h });
    const ev = (type, data) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    ev('message_start', { message: { ...msg, usage: { ...usage, output_tokens: 1 } } });
    if (mode === 'tool_use' || mode === 'tool_search') {
      ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
      ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: mode === 'tool_use' ? 'Checking the build status.' : 'Loading the build status tool.' } });
      ev('content_block_stop', { index: 0 });
      ev('content_block_start', { index: 1, content_block: { type: 'tool_use', id: toolId, name: call.name, input: {} } });
      ev('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: JSON.stringify(call.input) } });
      ev('content_block_stop', { index: 1 });
      ev('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 38 } });
    } else {
      ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
      ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text } });
      ev('content_block_stop', { index: 0 });
      ev('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 24 } });
    }
    ev('message_stop', {});
    res.end();
  };
}

// ---------------------------------------------------------------- OpenAI ---
// The Responses API stream (SSE events or WebSocket messages) for one request.
function responseEvents(body, name) {
  const input = JSON.stringify(body.input ?? '');
  const hasResult = /_call_output"/.test(input);
  // Tools come in body.tools and (codex 0.171) in input items of type
  // "additional_tools" (namespaces). Codex defers MCP tools by default: they
  // are only named in the prompt ("Deferred tool namespaces: - mcp__corp_tools")
  // and called from JavaScript through its `exec` code-mode tool
  // (`await tools.mcp__corp_tools__get_build_status({...})`).
  const declared = [body.tools, ...(Array.isArray(body.input) ? body.input.filter((i) => i.type === 'additional_tools') : [])];
  const tool = findTool(declared);
  const ns = !tool && /"exec"/.test(JSON.stringify(declared)) ? input.match(/Deferred tool namespaces:(?:\\n- [^\\]*)*?\\n- (mcp__[A-Za-z0-9_]+)/)?.[1] : null;
  const mode = hasResult ? 'final' : tool ? 'function_call' : ns ? 'exec' : 'side';
  log(`[${name}]   responses model=${body.model} tools=${(body.tools || []).length} input_items=${Array.isArray(body.input) ? body.input.length : '-'}` +
    `${body.previous_response_id ? ' previous_response_id' : ''}${body.generate === false ? ' generate=false' : ''}` +
    `${tool ? ' mcp_tool=' + tool : ''}${ns ? ' deferred=' + ns : ''} answer=${mode}`);
  const id = 'resp_' + rid(40);
  const usage = { input_tokens: 3120, input_tokens_details: { cached_tokens: 0 }, output_tokens: 41,
    output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 3161 };
  const resp = (status, output, u) => ({ id, object: 'response', created_at: now(), status, model: body.model,
    output, usage: u, error: null, incomplete_details: null });
  let seq = 0;
  const ev = (type, data) => ({ type, sequence_number: seq++, ...data });
  if (body.generate === false) {
    return [ev('response.created', { response: resp('in_progress', [], null) }),
      ev('response.completed', { response: resp('completed', [], usage) })];
  }
  if (mode === 'exec') {
    const ctId = 'ctc_' + rid(40);
    const code = `const r = await tools.${ns}__get_build_status(${JSON.stringify(TOOL_ARGS)});\ntext(r);\n`;
    const item = { id: ctId, type: 'custom_tool_call', status: 'completed', call_id: 'call_' + rid(24), name: 'exec', input: code };
    return [
      ev('response.created', { response: resp('in_progress', [], null) }),
      ev('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', input: '' } }),
      ev('response.custom_tool_call_input.delta', { item_id: ctId, output_index: 0, delta: code }),
      ev('response.custom_tool_call_input.done', { item_id: ctId, output_index: 0, input: code }),
      ev('response.output_item.done', { output_index: 0, item }),
      ev('response.completed', { response: resp('completed', [item], usage) }),
    ];
  }
  if (mode === 'function_call') {
    const fcId = 'fc_' + rid(40);
    const args = JSON.stringify(TOOL_ARGS);
    // A namespaced tool (tools[].type "namespace") is called as namespace + name.
    let space = null;
    for (const t of declared.flatMap((d) => (Array.isArray(d) ? d : d?.tools || []))) if (t.type === 'namespace' && findTool(t.tools)) space = t.name;
    const item = { id: fcId, type: 'function_call', status: 'completed', call_id: 'call_' + rid(24), name: tool,
      arguments: args, ...(space ? { namespace: space } : {}) };
    return [
      ev('response.created', { response: resp('in_progress', [], null) }),
      ev('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', arguments: '' } }),
      ev('response.function_call_arguments.delta', { item_id: fcId, output_index: 0, delta: args }),
      ev('response.function_call_arguments.done', { item_id: fcId, output_index: 0, arguments: args }),
      ev('response.output_item.done', { output_index: 0, item }),
      ev('response.completed', { response: resp('completed', [item], usage) }),
    ];
  }
  const text = mode === 'final' ? FINAL : SIDE;
  const msgId = 'msg_' + rid(40);
  const item = { id: msgId, type: 'message', status: 'completed', role: 'assistant',
    content: [{ type: 'output_text', text, annotations: [] }] };
  return [
    ev('response.created', { response: resp('in_progress', [], null) }),
    ev('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', content: [] } }),
    ev('response.output_text.delta', { item_id: msgId, output_index: 0, content_index: 0, delta: text }),
    ev('response.output_item.done', { output_index: 0, item }),
    ev('response.completed', { response: resp('completed', [item], usage) }),
  ];
}

function openai(name) {
  return async (req, res) => {
    const url = new URL(req.url, 'https://x');
    const { json: body, size } = req.method === 'POST' ? await readBody(req) : { json: {}, size: 0 };
    logReq(name, req, `body=${size}${body.model ? ' model=' + body.model : ''}${body.stream ? ' stream' : ''}`);
    const h = { 'x-request-id': 'req_' + rid(32), 'openai-version': '2020-10-01', 'openai-processing-ms': '212' };
    const err = (status, message, code) =>
      sendJSON(res, status, { error: { message, type: 'invalid_request_error', param: null, code } }, h);
    if (!KEYS.has(keyOf(req, url))) return err(401, 'Incorrect API key provided.', 'invalid_api_key');
    const p = url.pathname.replace(/^\/v1/, '');
    if (req.method === 'GET' && p === '/models') {
      return sendJSON(res, 200, {
        object: 'list',
        data: ['gpt-5', 'gpt-5-codex'].map((id) => ({ id, object: 'model', created: 1715367049, owned_by: 'system' })),
      }, h);
    }
    if (req.method === 'POST' && p === '/responses') {
      const evs = responseEvents(body, name);
      if (!body.stream) return sendJSON(res, 200, evs.at(-1).response, h);
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...h });
      for (const ev of evs) res.write(`event: ${ev.type}\ndata: ${JSON.stringify(ev)}\n\n`);
      res.end();
      return;
    }
    err(404, `Invalid URL (${req.method} ${url.pathname})`, null);
  };
}

// Responses API over WebSocket (codex's default transport): a minimal RFC 6455
// server, as in record-runtimes/mocks.mjs. Each `response.create` text message
// is answered with the same events as the SSE stream, one text frame each.
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
  logReq(name, req, 'websocket upgrade');
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
      log(`[${name}] ${peer(req)} websocket message ${body.type} size=${text.length} model=${body.model}`);
      if (body.type !== 'response.create') continue;
      for (const ev of responseEvents(body, name)) socket.write(wsFrame(0x1, Buffer.from(JSON.stringify(ev))));
    }
  });
  socket.on('error', () => {});
}

// ---------------------------------------------------------------- Gemini ---
// A value that satisfies a (Gemini / JSON) schema: Gemini CLI asks for JSON
// (generationConfig.responseMimeType application/json: its model router and
// next-speaker check) and retries until the answer parses and fits.
function fillSchema(sc = {}) {
  const t = String(sc.type || (sc.properties ? 'object' : 'string')).toLowerCase();
  if (sc.enum && sc.enum.length) return sc.enum[0];
  if (t === 'object') return Object.fromEntries(Object.entries(sc.properties || {}).map(([k, v]) => [k, fillSchema(v)]));
  if (t === 'array') return [];
  if (t === 'integer' || t === 'number') return Math.max(Number(sc.minimum ?? 5), 5) <= Number(sc.maximum ?? 100) ? Math.max(Number(sc.minimum ?? 5), 5) : Number(sc.minimum);
  if (t === 'boolean') return false;
  return 'Simple lookup.';
}
function gemini(name) {
  return async (req, res) => {
    const url = new URL(req.url, 'https://x');
    const { json: body, size } = req.method === 'POST' ? await readBody(req) : { json: {}, size: 0 };
    const gc = body.generationConfig || {};
    const json = gc.responseMimeType === 'application/json';
    const contents = body.contents || [];
    // Only the current turn counts: a functionResponse after the last user text.
    const last = contents.at(-1);
    const hasResult = !!last?.parts?.some((p) => p.functionResponse);
    const tool = findTool(body.tools);
    const mode = json ? 'json' : hasResult ? 'final' : tool ? 'function_call' : 'side';
    logReq(name, req, `body=${size}${json ? ' json' : ''} tools=${toolNames(body.tools).length}${tool ? ' mcp_tool=' + tool : ''} answer=${mode}`);
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
    const parts = mode === 'json'
      ? [{ text: JSON.stringify(fillSchema(gc.responseJsonSchema || gc.responseSchema || {})) }]
      : mode === 'function_call'
        ? [{ functionCall: { name: tool, args: TOOL_ARGS } }]
        : [{ text: mode === 'final' ? FINAL : SIDE }];
    const out = {
      candidates: [{ content: { parts, role: 'model' }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 2890, candidatesTokenCount: 21, totalTokenCount: 2911 },
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
  ['127.0.24.1', 'api.anthropic.com', anthropic('anthropic')],
  ['127.0.24.2', 'api.openai.com', openai('openai')],
  ['127.0.24.3', 'generativelanguage.googleapis.com', gemini('gemini')],
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
              log(`[${host}] handler error ${e.stack || e}`);
              try { res.destroy(); } catch {}
            }),
        );
        if (host === 'api.openai.com') srv.on('upgrade', (req, socket) => openaiWebSocket('openai', req, socket));
        if (KEYLOG_FILE) srv.on('keylog', (line) => fs.appendFileSync(KEYLOG_FILE, line));
        srv.on('secureConnection', (s) =>
          log(`[tls] ${s.remoteAddress} -> ${host} sni=${s.servername} alpn=${s.alpnProtocol} ${s.getProtocol()}`),
        );
        srv.on('tlsClientError', (e, s) => log(`[tls] ${s.remoteAddress} -> ${host} handshake failed: ${e.code || ''} ${e.message}`));
        srv.on('error', reject);
        srv.listen(443, addr, resolve);
      }),
  ),
);
process.stdout.write('READY\n');
