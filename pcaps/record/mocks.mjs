// Local mock servers for the aisensor reference captures.
//
// Every listener binds to its own loopback address (127.0.2.x). Responses are
// shaped like the real APIs (OpenAI chat.completion / SSE chunks / [DONE],
// Anthropic message objects and event streams, Ollama NDJSON, Gemini
// generateContent, plain web pages for the noise capture).
//
// Usage: node mocks.mjs CERT_DIR
//   CERT_DIR holds <hostname>.crt / <hostname>.key for each TLS host.
// Prints "READY" on stdout once every listener is up.

import http from 'node:http';
import https from 'node:https';
import http2 from 'node:http2';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

const CERT_DIR = process.argv[2];
const KEYS = Object.fromEntries(
  fs
    .readFileSync(new URL('./test-keys.txt', import.meta.url), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((k) => [k, true]),
);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rid = (n = 24) => crypto.randomBytes(n).toString('base64url').slice(0, n);
const now = () => Math.floor(Date.now() / 1000);

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(raw ? JSON.parse(raw) : {});
      } catch {
        resolve({ _raw: raw });
      }
    });
  });
}

function sendJSON(res, status, obj, extra = {}) {
  const body = JSON.stringify(obj);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...extra,
  });
  res.end(body);
}

function log(name, req, note = '') {
  process.stderr.write(`[${name}] ${req.socket.remoteAddress} ${req.method} ${req.url} ${note}\n`);
}

function bearer(req) {
  const a = req.headers['authorization'] || '';
  return a.startsWith('Bearer ') ? a.slice(7) : '';
}

// ---------------------------------------------------------------- OpenAI ---
const REPLY = 'Hello! The sensor test is working.';
const PIECES = ['Hello', '!', ' The', ' sensor', ' test', ' is', ' working', '.'];

// Slow stream (capture openai-node-long-stream): a streaming chat completion
// requested from one of these client source addresses is answered with
// LONG_PIECES (32 content chunks), one every LONG_DELAY_MS, so the response
// lasts about 8 s. The request itself is the SDK's stock one; every other
// client gets the usual fast stream.
const SLOW_STREAM_CLIENTS = new Set(['127.0.1.16']);
const LONG_PIECES = PIECES.concat(
  ' This reply is streamed slowly, one piece every quarter of a second, so that a sensor can report the request before the stream ends.'
    .match(/ \S+/g),
);
const LONG_DELAY_MS = 250;
const isSlowClient = (req) => SLOW_STREAM_CLIENTS.has((req.socket.remoteAddress || '').replace(/^::ffff:/, ''));

function openaiHeaders(flavor) {
  const h = { 'x-request-id': 'req_' + rid(32) };
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
    });
  } else if (flavor === 'litellm') {
    Object.assign(h, {
      'x-litellm-call-id': crypto.randomUUID(),
      'x-litellm-model-api-base': 'https://api.openai.com',
      'x-litellm-version': '1.63.11',
      'llm_provider-openai-processing-ms': '298',
    });
  } else if (flavor === 'azure') {
    Object.assign(h, {
      'apim-request-id': crypto.randomUUID(),
      'azureml-model-session': 'd026-20250107181046',
      'x-ms-region': 'Sweden Central',
      'x-ratelimit-remaining-requests': '79',
      'x-ratelimit-remaining-tokens': '79984',
    });
  } else if (flavor === 'groq') {
    Object.assign(h, { 'x-groq-region': 'us-central-1', via: '1.1 google' });
  } else if (flavor === 'deepseek') {
    Object.assign(h, { 'x-ds-trace-id': rid(32) });
  } else if (flavor === 'mistral') {
    Object.assign(h, { 'mistral-correlation-id': crypto.randomUUID(), 'x-kong-upstream-latency': '204' });
  }
  return h;
}

function chatCompletion(model, fp) {
  return {
    id: 'chatcmpl-' + rid(29),
    object: 'chat.completion',
    created: now(),
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: REPLY, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: {
      prompt_tokens: 19,
      completion_tokens: 9,
      total_tokens: 28,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    },
    service_tier: 'default',
    system_fingerprint: fp,
  };
}

async function streamChat(res, model, fp, includeUsage, extraHeaders, slow = false) {
  const pieces = slow ? LONG_PIECES : PIECES;
  const delay = slow ? LONG_DELAY_MS : 15;
  const usage = slow
    ? { prompt_tokens: 19, completion_tokens: LONG_PIECES.length, total_tokens: 19 + LONG_PIECES.length }
    : { prompt_tokens: 19, completion_tokens: 9, total_tokens: 28 };
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    ...extraHeaders,
  });
  const id = 'chatcmpl-' + rid(29);
  const created = now();
  const chunk = (delta, finish, usage) => ({
    id,
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
  for (const p of pieces) {
    await sleep(delay);
    send(chunk({ content: p }, null));
  }
  await sleep(delay);
  send(chunk({}, 'stop'));
  if (includeUsage) send(chunk(null, null, usage));
  res.write('data: [DONE]\n\n');
  res.end();
}

function modelsList(ids) {
  return {
    object: 'list',
    data: ids.map((id) => ({ id, object: 'model', created: 1715367049, owned_by: 'system' })),
  };
}

function embedding(model) {
  const v = Array.from({ length: 16 }, (_, i) => Number((Math.sin(i + 1) * 0.05).toFixed(8)));
  return {
    object: 'list',
    data: [{ object: 'embedding', index: 0, embedding: v }],
    model,
    usage: { prompt_tokens: 8, total_tokens: 8 },
  };
}

function responseObj(model) {
  const t = now();
  return {
    id: 'resp_' + crypto.randomBytes(24).toString('hex'),
    object: 'response',
    created_at: t,
    status: 'completed',
    background: false,
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: null,
    model,
    output: [
      {
        id: 'msg_' + crypto.randomBytes(24).toString('hex'),
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
    usage: {
      input_tokens: 14,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 9,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 23,
    },
    user: null,
    metadata: {},
  };
}

function openaiError(res, status, message, code) {
  sendJSON(res, status, { error: { message, type: 'invalid_request_error', param: null, code } });
}

// flavor: openai | litellm | azure | groq | deepseek | mistral | ollama
function openaiCompat(name, flavor, models, fp) {
  return async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const body = req.method === 'POST' ? await readBody(req) : {};
    const slow = !!body.stream && isSlowClient(req);
    log(name, req, body.model ? `model=${body.model}${body.stream ? ' stream' : ''}${slow ? ' slow' : ''}` : '');
    // Authentication: Bearer (default), api-key (Azure).
    const key = flavor === 'azure' ? req.headers['api-key'] : bearer(req);
    if (flavor !== 'ollama' && !KEYS[key]) {
      return openaiError(res, 401, 'Incorrect API key provided.', 'invalid_api_key');
    }
    const h = openaiHeaders(flavor);
    let p = url.pathname;
    if (p.startsWith('/openai/v1/')) p = p.slice(7); // Groq-style prefix
    const az = p.match(/^\/openai\/deployments\/([^/]+)\/(chat\/completions|embeddings)$/);
    if (az) {
      if (!body.model) body.model = az[1];
      p = '/v1/' + az[2];
    }
    if (req.method === 'GET' && p === '/v1/models') return sendJSON(res, 200, modelsList(models), h);
    if (req.method === 'POST' && p === '/v1/chat/completions') {
      const model = flavor === 'openai' ? body.model + '-2024-08-06' : body.model;
      if (body.stream) {
        return streamChat(res, model, fp, !!(body.stream_options && body.stream_options.include_usage), h, slow);
      }
      return sendJSON(res, 200, chatCompletion(model, fp), h);
    }
    if (req.method === 'POST' && p === '/v1/embeddings') return sendJSON(res, 200, embedding(body.model), h);
    if (req.method === 'POST' && p === '/v1/responses') return sendJSON(res, 200, responseObj(body.model), h);
    openaiError(res, 404, `Invalid URL (${req.method} ${url.pathname})`, null);
  };
}

// ------------------------------------------------------------- Anthropic ---
function anthropicHeaders() {
  return {
    'request-id': 'req_011C' + rid(20),
    'anthropic-organization-id': '3f1c6b1e-0000-4000-8000-a15e0500test',
    'anthropic-ratelimit-requests-limit': '4000',
    'anthropic-ratelimit-requests-remaining': '3999',
    'anthropic-ratelimit-input-tokens-limit': '400000',
    'anthropic-ratelimit-input-tokens-remaining': '399000',
    'anthropic-ratelimit-output-tokens-limit': '80000',
    'anthropic-ratelimit-output-tokens-remaining': '80000',
    via: '1.1 google',
    'cf-ray': crypto.randomBytes(8).toString('hex') + '-FRA',
  };
}

function anthropic(name) {
  return async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const body = req.method === 'POST' ? await readBody(req) : {};
    log(name, req, body.model ? `model=${body.model}${body.stream ? ' stream' : ''}` : '');
    // SDK >= 1.0 sends the API key as "Authorization: Bearer", older ones as x-api-key.
    if (!KEYS[req.headers['x-api-key'] || bearer(req)]) {
      return sendJSON(res, 401, {
        type: 'error',
        error: { type: 'authentication_error', message: 'invalid x-api-key' },
      });
    }
    const h = anthropicHeaders();
    if (req.method !== 'POST' || url.pathname !== '/v1/messages') {
      return sendJSON(res, 404, { type: 'error', error: { type: 'not_found_error', message: 'Not found' } }, h);
    }
    const id = 'msg_01' + rid(22);
    const usage = {
      input_tokens: 21,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: 12,
      service_tier: 'standard',
    };
    if (!body.stream) {
      return sendJSON(
        res,
        200,
        {
          id,
          type: 'message',
          role: 'assistant',
          model: body.model,
          content: [{ type: 'text', text: REPLY }],
          stop_reason: 'end_turn',
          stop_sequence: null,
          usage,
        },
        h,
      );
    }
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...h });
    const ev = (type, data) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    ev('message_start', {
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model: body.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: 1 },
      },
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

// ---------------------------------------------------------------- Ollama ---
const OLLAMA_MODELS = [
  ['llama3.2:latest', 'llama', '3.2B', 2019393189, 'a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72'],
  ['qwen2.5-coder:7b', 'qwen2', '7.6B', 4683087332, '2b0496514337a3d5901f1d253d01726c890b721e891335a56d6e08cedf3e2cb0'],
  ['nomic-embed-text:latest', 'nomic-bert', '137M', 274302450, '0a109f422b47e3a30ba2b10eca18548e944e8a23073ee3f3e947efcf3c45e59f'],
];

function ollamaTiming() {
  return {
    total_duration: 1254321457,
    load_duration: 25784041,
    prompt_eval_count: 26,
    prompt_eval_duration: 213000000,
    eval_count: 9,
    eval_duration: 1011000000,
  };
}

function ollama(name) {
  const compat = openaiCompat(name, 'ollama', OLLAMA_MODELS.map((m) => m[0]), 'fp_ollama');
  return async (req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname.startsWith('/v1/')) return compat(req, res);
    const body = req.method === 'POST' ? await readBody(req) : {};
    log(name, req, body.model ? `model=${body.model}${body.stream === false ? '' : ' stream'}` : '');
    const ts = () => new Date().toISOString().replace('Z', '123Z');
    if (req.method === 'GET' && url.pathname === '/api/tags') {
      return sendJSON(res, 200, {
        models: OLLAMA_MODELS.map(([n, fam, ps, size, digest]) => ({
          name: n,
          model: n,
          modified_at: '2025-01-20T11:02:47.190372+01:00',
          size,
          digest,
          details: { parent_model: '', format: 'gguf', family: fam, families: [fam], parameter_size: ps, quantization_level: 'Q4_K_M' },
        })),
      }, { 'content-type': 'application/json; charset=utf-8' });
    }
    if (req.method === 'GET' && url.pathname === '/api/version') {
      return sendJSON(res, 200, { version: '0.5.7' }, { 'content-type': 'application/json; charset=utf-8' });
    }
    const isChat = url.pathname === '/api/chat';
    if (req.method === 'POST' && (isChat || url.pathname === '/api/generate')) {
      const piece = (text, done) =>
        isChat
          ? { model: body.model, created_at: ts(), message: { role: 'assistant', content: text }, done }
          : { model: body.model, created_at: ts(), response: text, done };
      if (body.stream === false) {
        return sendJSON(res, 200, { ...piece(REPLY, true), done_reason: 'stop', ...ollamaTiming() }, {
          'content-type': 'application/json; charset=utf-8',
        });
      }
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      for (const p of PIECES) {
        res.write(JSON.stringify(piece(p, false)) + '\n');
        await sleep(15);
      }
      const fin = { ...piece('', true), done_reason: 'stop' };
      if (!isChat) fin.context = [128006, 9125, 128007, 271, 38766, 1303, 33025, 2696];
      res.end(JSON.stringify({ ...fin, ...ollamaTiming() }) + '\n');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('404 page not found');
  };
}

// ---------------------------------------------------------------- Gemini ---
function gemini(name) {
  return async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const body = req.method === 'POST' ? await readBody(req) : {};
    log(name, req);
    const key = url.searchParams.get('key') || req.headers['x-goog-api-key'];
    if (!KEYS[key]) {
      return sendJSON(res, 400, {
        error: { code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT' },
      });
    }
    const m = url.pathname.match(/^\/v1beta\/models\/([^/:]+):generateContent$/);
    if (req.method !== 'POST' || !m) {
      return sendJSON(res, 404, { error: { code: 404, message: 'Not found', status: 'NOT_FOUND' } });
    }
    sendJSON(
      res,
      200,
      {
        candidates: [
          { content: { parts: [{ text: REPLY }], role: 'model' }, finishReason: 'STOP', avgLogprobs: -0.0712 },
        ],
        usageMetadata: {
          promptTokenCount: 8,
          candidatesTokenCount: 9,
          totalTokenCount: 17,
          promptTokensDetails: [{ modality: 'TEXT', tokenCount: 8 }],
          candidatesTokensDetails: [{ modality: 'TEXT', tokenCount: 9 }],
        },
        modelVersion: m[1],
        responseId: rid(22),
      },
      { 'content-type': 'application/json; charset=UTF-8', vary: 'Origin, X-Origin, Referer', server: 'scaffolding on HTTPServer2' },
    );
  };
}

// ----------------------------------------------------------------- Noise ---
function website(name, title) {
  return async (req, res) => {
    const url = new URL(req.url, 'http://x');
    log(name, req);
    if (url.pathname === '/api/v2/orders') {
      if (!KEYS[bearer(req)]) return sendJSON(res, 401, { error: 'unauthorized' });
      return sendJSON(res, 200, {
        orders: [
          { id: 'ORD-10041', customer: 'ACME GmbH', status: 'shipped', total: { amount: 149.9, currency: 'EUR' } },
          { id: 'ORD-10042', customer: 'Globex Ltd', status: 'pending', total: { amount: 12.5, currency: 'EUR' } },
        ],
        page: 1,
        per_page: 2,
        total: 2,
      }, { 'cache-control': 'private, max-age=0' });
    }
    if (url.pathname === '/robots.txt') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end('User-agent: *\nDisallow: /private/\n');
    }
    const html =
      `<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>${title}</title></head>\n` +
      `<body>\n<h1>${title}</h1>\n<p>Welcome. This page is served by a local test server.</p>\n` +
      `<ul><li><a href="/news">News</a></li><li><a href="/about">About</a></li></ul>\n</body>\n</html>\n`;
    res.writeHead(200, { 'content-type': 'text/html; charset=UTF-8', 'content-length': Buffer.byteLength(html), 'cache-control': 'max-age=600' });
    res.end(html);
  };
}

// --------------------------------------------------------------- Servers ---
function tlsOpts(host) {
  return {
    key: fs.readFileSync(path.join(CERT_DIR, host + '.key')),
    cert: fs.readFileSync(path.join(CERT_DIR, host + '.crt')),
  };
}

const OPENAI_MODELS = ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1', 'o3-mini', 'text-embedding-3-small'];

// [kind, address, port, tls host (or null), handler]
const servers = [
  ['https', '127.0.2.1', 443, 'api.openai.com', openaiCompat('api.openai.com', 'openai', OPENAI_MODELS, 'fp_e4fa3702df')],
  ['https', '127.0.2.2', 443, 'api.anthropic.com', anthropic('api.anthropic.com')],
  ['http', '127.0.2.3', 4000, null, openaiCompat('llm-gateway', 'litellm', ['gpt-4o-mini', 'claude-3-5-sonnet', 'text-embedding-3-small'], 'fp_e4fa3702df')],
  ['http', '127.0.2.4', 11434, null, ollama('ollama')],
  ['http', '127.0.2.5', 8080, null, anthropic('claude-proxy')],
  ['h2', '127.0.2.6', 443, 'api.mistral.ai', openaiCompat('api.mistral.ai', 'mistral', ['mistral-small-latest'], null)],
  ['https', '127.0.2.7', 443, 'api.groq.com', openaiCompat('api.groq.com', 'groq', ['llama-3.3-70b-versatile'], 'fp_c0cfa69934')],
  ['http', '127.0.2.8', 8000, null, gemini('gemini-proxy')],
  ['http', '127.0.2.9', 80, null, openaiCompat('azure-openai-proxy', 'azure', ['gpt-4o'], 'fp_ded0d14823')],
  ['https', '127.0.2.10', 443, 'api.deepseek.com', openaiCompat('api.deepseek.com', 'deepseek', ['deepseek-chat', 'deepseek-reasoner'], 'fp_3a5770e1b4')],
  ['https', '127.0.2.20', 443, 'www.example.org', website('www.example.org', 'Example Domain')],
  ['http', '127.0.2.21', 80, null, website('intranet', 'Corp Intranet')],
  ['http', '127.0.2.22', 80, null, website('www.debian.org', 'Debian -- The Universal Operating System')],
];

await Promise.all(
  servers.map(
    ([kind, addr, port, host, handler]) =>
      new Promise((resolve, reject) => {
        let srv;
        if (kind === 'http') srv = http.createServer(handler);
        else if (kind === 'https') srv = https.createServer({ ...tlsOpts(host), ALPNProtocols: ['http/1.1'] }, handler);
        else srv = http2.createSecureServer({ ...tlsOpts(host), allowHTTP1: false }, handler);
        srv.keepAliveTimeout = 30000;
        srv.on('error', reject);
        srv.listen(port, addr, resolve);
      }),
  ),
);
process.stdout.write('READY\n');
process.on('SIGTERM', () => process.exit(0));
