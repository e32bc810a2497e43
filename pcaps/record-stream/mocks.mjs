// Mock OpenAI / Anthropic servers that stream a KNOWN number of output tokens,
// for calibrating aisensor's keyless "streamed volume" estimate (TLS records
// seen -> output tokens).
//
// Like a model that stops at its limit, every stream carries exactly
// max_tokens output tokens (OpenAI chat: max_completion_tokens, else
// max_tokens; Responses: max_output_tokens; Anthropic: max_tokens), ends with
// finish_reason "length" / status "incomplete" (reason max_output_tokens) /
// stop_reason "max_tokens", and its usage reports that same count. The tokens
// are CORPUS split by TOKEN_RE (see below), cycled from the start.
//
// Per request the stream is chosen by:
//   chunking (Anthropic, by model name): GROUPED_MODELS -> "grouped" (each
//     text_delta carries 1..6 tokens from a PRNG seeded by the request),
//     anything else -> "token" (one token per text_delta). OpenAI: always one
//     token per content chunk / output_text.delta ("token").
//   pacing: metadata.user_id === BURST_USER -> "burst" (all events written in
//     one go), anything else -> paced (DELAY_MS between events, so each event
//     leaves in its own res.write and TLS record).
//
// Every stream appends one JSON line to TRUTH_FILE (see truth() below).
//
// Usage: node mocks.mjs CERT_DIR TRUTH_FILE CAPTURE_FILE
//   CERT_DIR holds <host>.crt / <host>.key; CAPTURE_FILE holds the name of the
//   capture being recorded (written by record-lib.sh capture()).
// Prints "READY" on stdout once every listener is up.

import https from 'node:https';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

const [CERT_DIR, TRUTH_FILE, CAPTURE_FILE] = process.argv.slice(2);
const KEYS = new Set(
  fs
    .readFileSync(new URL('./test-keys.txt', import.meta.url), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#')),
);

const DELAY_MS = 8;
const BURST_USER = 'aisensor-burst';
const GROUPED_MODELS = new Set(['claude-haiku-4-5']);

// ------------------------------------------------------------ the tokens ---
// Fixed English prose (with punctuation, digits and some code-ish text).
const CORPUS = `A passive network sensor watches traffic without ever touching it. It sits on a mirror port or a tap, copies every frame, and tries to say who talked to whom, when, and how much. Encryption hides the words, but not the rhythm: a streamed answer from a language model arrives as a long train of small records, one or a few tokens at a time.

In 2024, a typical reply held 150 to 400 tokens; at 40 tokens per second that is 4 to 10 seconds of steady trickle. The first record carries the HTTP headers (about 600 bytes), the rest are 90 to 250 bytes each. A sensor that counts records, divides by the tokens per record, and rounds to the nearest 10 gets surprisingly close - within 5% on most runs.

Consider the loop below:

    for (int i = 0; i < n_records; i++) {
        if (rec[i].type == 23 && rec[i].len < 512) tokens += per_rec;
    }

Nothing in it needs a key, a certificate, or the plaintext. It only needs timestamps, lengths and direction: {ts: 1718000000.125, len: 187, dir: "s2c"}. Real servers batch, pad and coalesce, so the estimate is a range, not a number; the honest output is "about 300 tokens (250-350)", with the method written next to it.
`;

// ONE regex approximating a BPE tokenizer: an optional leading space plus up
// to 7 letters (longer words split into <= 7-letter pieces), an optional
// space plus up to 3 digits, an optional space plus a run of other
// non-space characters (punctuation), or a run of whitespace. Every character
// of the corpus falls into exactly one token (checked below).
const TOKEN_RE = / ?[A-Za-z]{1,7}| ?[0-9]{1,3}| ?[^\sA-Za-z0-9]+|\s+/g;
const TOKENS = CORPUS.match(TOKEN_RE);
if (TOKENS.join('') !== CORPUS) throw new Error('TOKEN_RE does not cover the corpus');
const countTokens = (s) => (typeof s === 'string' ? (s.match(TOKEN_RE) || []).length : 0);
// The first n tokens of the endless corpus (it starts over after its end).
const takeTokens = (n) => Array.from({ length: n }, (_, i) => TOKENS[i % TOKENS.length]);

// --------------------------------------------------------------- helpers ---
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rid = (n = 24) => crypto.randomBytes(n).toString('base64url').slice(0, n);
const now = () => Math.floor(Date.now() / 1000);

// Deterministic PRNG (mulberry32) seeded with FNV-1a of the request's model,
// max tokens and last message, so a re-recording repeats the same chunking.
function fnv1a(s) {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const randInt = (rnd, lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
      } catch {
        resolve({});
      }
    });
  });
}

function sendJSON(res, status, obj, extra = {}) {
  const body = JSON.stringify(obj);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

const bearer = (req) => {
  const a = req.headers['authorization'] || '';
  return a.startsWith('Bearer ') ? a.slice(7) : '';
};
const clientIp = (req) => (req.socket.remoteAddress || '').replace(/^::ffff:/, '');
const isBurst = (body) => !!body.metadata && body.metadata.user_id === BURST_USER;

// Requests seen on each TCP connection (conn_seq in the truth file).
const connSeq = new WeakMap();
function nextSeq(req) {
  const n = (connSeq.get(req.socket) || 0) + 1;
  connSeq.set(req.socket, n);
  return n;
}

// An SSE writer: each event is one res.write (paced: DELAY_MS before every
// event but the first). Node corks a response's socket until the next tick,
// so what is written in one tick reaches TLS as one write (one record, up to
// 16 KiB): the headers with the first event, the last event with res.end()'s
// "0\r\n\r\n". Counts events, content deltas and body bytes (the SSE text;
// Node adds the chunked framing "<hex>\r\n…\r\n" per write, "0\r\n\r\n" at end).
function sseWriter(res, paced) {
  const st = { events: 0, text_deltas: 0, body_bytes: 0 };
  const go = (text, isDelta) => {
    st.events++;
    if (isDelta) st.text_deltas++;
    st.body_bytes += Buffer.byteLength(text);
    res.write(text);
  };
  // Burst: no await between writes, so the whole response is written in one
  // tick and leaves in as few records as TLS allows.
  const write = (text, isDelta = false) =>
    paced && st.events > 0 ? sleep(DELAY_MS).then(() => go(text, isDelta)) : go(text, isDelta);
  return { st, write };
}

// Appends one line per stream to TRUTH_FILE.
function truth(req, fields, st, seq) {
  let capture = '';
  try {
    capture = fs.readFileSync(CAPTURE_FILE, 'utf8').trim();
  } catch {}
  const line = {
    capture: capture || 'unknown',
    client_ip: clientIp(req),
    client_port: req.socket.remotePort,
    server: fields.server,
    api: fields.api,
    chunking: fields.chunking,
    paced: fields.paced,
    output_tokens: fields.output_tokens,
    text_deltas: st.text_deltas,
    events: st.events,
    body_bytes: st.body_bytes,
    model: fields.model,
    conn_seq: seq,
    delay_ms: fields.paced ? DELAY_MS : 0,
  };
  fs.appendFileSync(TRUTH_FILE, JSON.stringify(line) + '\n');
  process.stderr.write(
    `[${fields.server}] ${line.client_ip}:${line.client_port} #${seq} ${fields.api} ${fields.model} ` +
      `${fields.chunking} ${fields.paced ? 'paced' : 'burst'} tokens=${fields.output_tokens} ` +
      `deltas=${st.text_deltas} events=${st.events} bytes=${st.body_bytes}\n`,
  );
}

// ---------------------------------------------------------------- OpenAI ---
function openaiHeaders() {
  return {
    'x-request-id': 'req_' + rid(32),
    'openai-organization': 'org-aisensortest',
    'openai-processing-ms': '312',
    'openai-version': '2020-10-01',
    'x-ratelimit-limit-requests': '10000',
    'x-ratelimit-limit-tokens': '30000000',
    'x-ratelimit-remaining-requests': '9999',
    'x-ratelimit-remaining-tokens': '29999980',
    'x-ratelimit-reset-requests': '6ms',
    'x-ratelimit-reset-tokens': '0s',
  };
}

function openaiError(res, status, message, param, code) {
  sendJSON(res, status, { error: { message, type: 'invalid_request_error', param, code } }, openaiHeaders());
}

const promptTokens = (messages) =>
  (messages || []).reduce((n, m) => n + 4 + countTokens(typeof m.content === 'string' ? m.content : ''), 3);

// chat.completions stream, shaped exactly as pcaps/record/mocks.mjs streamChat:
// role chunk, one chunk per token, finish chunk, usage chunk (if
// stream_options.include_usage), data: [DONE].
async function streamChat(req, res, body, seq) {
  const n = body.max_completion_tokens ?? body.max_tokens ?? 16;
  const paced = !isBurst(body);
  const model = body.model + '-2024-08-06';
  const fp = 'fp_e4fa3702df';
  const includeUsage = !!(body.stream_options && body.stream_options.include_usage);
  const pt = promptTokens(body.messages);
  const usage = { prompt_tokens: pt, completion_tokens: n, total_tokens: pt + n };
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...openaiHeaders() });
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
  const { st, write } = sseWriter(res, paced);
  const send = (o, isDelta = false) => write('data: ' + JSON.stringify(o) + '\n\n', isDelta);
  await send(chunk({ role: 'assistant', content: '', refusal: null }, null));
  for (const t of takeTokens(n)) await send(chunk({ content: t }, null), true);
  await send(chunk({}, 'length'));
  if (includeUsage) await send(chunk(null, null, usage));
  await write('data: [DONE]\n\n', false);
  res.end();
  truth(req, { server: 'api.openai.com', api: 'chat', chunking: 'token', paced, output_tokens: n, model: body.model }, st, seq);
}

// Responses API stream (event: lines, sequence_number), as the real API sends
// it when max_output_tokens is reached: created, in_progress,
// output_item.added, content_part.added, output_text.delta per token,
// output_text.done, content_part.done, output_item.done (status incomplete),
// response.incomplete (incomplete_details.reason max_output_tokens, usage).
// Each delta carries the real API's default `obfuscation` padding (random
// characters, here 4..15 of them from the per-request PRNG).
async function streamResponses(req, res, body, seq) {
  const n = body.max_output_tokens;
  const paced = !isBurst(body);
  const model = body.model + '-2024-08-06';
  const input = typeof body.input === 'string' ? body.input : JSON.stringify(body.input || '');
  const it = 7 + countTokens(input) + countTokens(body.instructions);
  const rnd = mulberry32(fnv1a(`responses|${body.model}|${n}|${input}`));
  const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const obfuscation = () => Array.from({ length: randInt(rnd, 4, 15) }, () => ALNUM[randInt(rnd, 0, 61)]).join('');
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...openaiHeaders() });
  const respId = 'resp_' + crypto.randomBytes(24).toString('hex');
  const itemId = 'msg_' + crypto.randomBytes(24).toString('hex');
  const createdAt = now();
  const response = (status, extra = {}) => ({
    id: respId,
    object: 'response',
    created_at: createdAt,
    status,
    background: false,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: n,
    max_tool_calls: null,
    model,
    output: [],
    parallel_tool_calls: true,
    previous_response_id: null,
    prompt_cache_key: null,
    reasoning: { effort: null, summary: null },
    safety_identifier: null,
    service_tier: 'auto',
    store: true,
    temperature: 1.0,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: 'auto',
    tools: [],
    top_logprobs: 0,
    top_p: 1.0,
    truncation: 'disabled',
    usage: null,
    user: null,
    metadata: body.metadata || {},
    ...extra,
  });
  const { st, write } = sseWriter(res, paced);
  let sn = 0;
  const ev = (type, data, isDelta = false) =>
    write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sn++, ...data })}\n\n`, isDelta);
  const toks = takeTokens(n);
  const text = toks.join('');
  const part = (t) => ({ type: 'output_text', annotations: [], logprobs: [], text: t });
  const item = (status, content) => ({ id: itemId, type: 'message', status, content, role: 'assistant' });
  const at = { item_id: itemId, output_index: 0, content_index: 0 };
  await ev('response.created', { response: response('in_progress') });
  await ev('response.in_progress', { response: response('in_progress') });
  await ev('response.output_item.added', { output_index: 0, item: item('in_progress', []) });
  await ev('response.content_part.added', { ...at, part: part('') });
  for (const t of toks) await ev('response.output_text.delta', { ...at, delta: t, logprobs: [], obfuscation: obfuscation() }, true);
  await ev('response.output_text.done', { ...at, text, logprobs: [] });
  await ev('response.content_part.done', { ...at, part: part(text) });
  await ev('response.output_item.done', { output_index: 0, item: item('incomplete', [part(text)]) });
  await ev('response.incomplete', {
    response: response('incomplete', {
      incomplete_details: { reason: 'max_output_tokens' },
      output: [item('incomplete', [part(text)])],
      usage: {
        input_tokens: it,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: n,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: it + n,
      },
    }),
  });
  res.end();
  truth(req, { server: 'api.openai.com', api: 'responses', chunking: 'token', paced, output_tokens: n, model: body.model }, st, seq);
}

function openai() {
  return async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const body = req.method === 'POST' ? await readBody(req) : {};
    const seq = nextSeq(req);
    if (!KEYS.has(bearer(req))) return openaiError(res, 401, 'Incorrect API key provided.', null, 'invalid_api_key');
    if (req.method === 'POST' && url.pathname === '/v1/chat/completions' && body.stream) {
      return streamChat(req, res, body, seq);
    }
    if (req.method === 'POST' && url.pathname === '/v1/responses' && body.stream) {
      if (!(body.max_output_tokens >= 16)) {
        return openaiError(res, 400, "Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16.",
          'max_output_tokens', 'integer_below_min_value');
      }
      return streamResponses(req, res, body, seq);
    }
    openaiError(res, 404, `Invalid URL (${req.method} ${url.pathname})`, null, null);
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

// messages stream, shaped as pcaps/record/mocks.mjs: message_start,
// content_block_start, ping, content_block_delta (text_delta) …,
// content_block_stop, message_delta (stop_reason max_tokens, usage), message_stop.
function anthropic() {
  return async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const body = req.method === 'POST' ? await readBody(req) : {};
    const seq = nextSeq(req);
    const h = anthropicHeaders();
    if (!KEYS.has(req.headers['x-api-key'] || bearer(req))) {
      return sendJSON(res, 401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }, h);
    }
    if (req.method !== 'POST' || url.pathname !== '/v1/messages' || !body.stream || !(body.max_tokens >= 1)) {
      return sendJSON(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: 'mock: streaming /v1/messages with max_tokens only' } }, h);
    }
    const n = body.max_tokens;
    const paced = !isBurst(body);
    const chunking = GROUPED_MODELS.has(body.model) ? 'grouped' : 'token';
    const last = (body.messages || []).at(-1);
    const rnd = mulberry32(fnv1a(`messages|${body.model}|${n}|${JSON.stringify(last && last.content)}`));
    const toks = takeTokens(n);
    const groups = [];
    for (let i = 0; i < toks.length; ) {
      const k = chunking === 'grouped' ? randInt(rnd, 1, 6) : 1;
      groups.push(toks.slice(i, i + k).join(''));
      i += k;
    }
    const inputTokens = 8 + countTokens(body.system) + (body.messages || []).reduce((a, m) => a + 4 + countTokens(m.content), 0);
    const usage = { input_tokens: inputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1, service_tier: 'standard' };
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...h });
    const { st, write } = sseWriter(res, paced);
    const ev = (type, data, isDelta = false) => write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`, isDelta);
    await ev('message_start', {
      message: { id: 'msg_01' + rid(22), type: 'message', role: 'assistant', model: body.model, content: [], stop_reason: null, stop_sequence: null, usage },
    });
    await ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    await ev('ping', {});
    for (const g of groups) await ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: g } }, true);
    await ev('content_block_stop', { index: 0 });
    await ev('message_delta', { delta: { stop_reason: 'max_tokens', stop_sequence: null }, usage: { output_tokens: n } });
    await ev('message_stop', {});
      res.end();
    truth(req, { server: 'api.anthropic.com', api: 'messages', chunking, paced, output_tokens: n, model: body.model }, st, seq);
  };
}

// --------------------------------------------------------------- Servers ---
const tlsOpts = (host) => ({
  key: fs.readFileSync(path.join(CERT_DIR, host + '.key')),
  cert: fs.readFileSync(path.join(CERT_DIR, host + '.crt')),
  ALPNProtocols: ['http/1.1'],
});

// [address, TLS host, handler]; port 443, HTTP/1.1 only.
const servers = [
  ['127.0.2.31', 'api.openai.com', openai()],
  ['127.0.2.32', 'api.anthropic.com', anthropic()],
];

await Promise.all(
  servers.map(
    ([addr, host, handler]) =>
      new Promise((resolve, reject) => {
        const srv = https.createServer(tlsOpts(host), handler);
        srv.keepAliveTimeout = 30000;
        srv.on('error', reject);
        srv.listen(443, addr, resolve);
      }),
  ),
);
process.stdout.write(`READY corpus_tokens=${TOKENS.length}\n`);
process.on('SIGTERM', () => process.exit(0));
