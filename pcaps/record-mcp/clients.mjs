// MCP / OAuth / A2A clients for the aisensor reference captures, built from the
// official, unmodified SDKs (@modelcontextprotocol/sdk client side, @a2a-js/sdk).
//
// Usage: node clients.mjs SCENARIO
//   SCENARIO: stateful | stateless | legacy-sse | oauth | websocket | static | a2a
// Each scenario connects from its own loopback source address (undici Agent
// with localAddress, passed to the SDK as its `fetch`).
import { Agent, WebSocket as UndiciWebSocket } from 'undici';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { ListRootsRequestSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { ADDR, boundFetch, wireSecret, testKey, sleep, log } from './common.mjs';

const show = (label, obj) => log(`  ${label}: ${JSON.stringify(obj).slice(0, 160)}`);
const toolText = (r) => r.content?.map((c) => c.text).join(' ');

// ------------------------------------------------ 1. Streamable HTTP, stateful
async function stateful() {
  const fetch = boundFetch(ADDR.C_STATEFUL);
  const client = new Client(
    { name: 'corp-assistant', version: '1.4.0', title: 'Corp Assistant' },
    { capabilities: { roots: { listChanged: true }, elicitation: { form: {} } } },
  );
  // Server -> client requests, answered by the client over POST.
  client.setRequestHandler(ListRootsRequestSchema, async () => ({
    roots: [{ uri: 'file:///home/alice/projects/', name: 'projects' }],
  }));
  client.setRequestHandler(ElicitRequestSchema, async (req) => {
    log(`  elicitation: ${req.params.message} -> accept`);
    return { action: 'accept', content: { confirm: true } };
  });
  const transport = new StreamableHTTPClientTransport(new URL('http://mcp-tools.corp.test:3000/mcp'), { fetch });
  await client.connect(transport);
  log(`  session ${transport.sessionId}, protocol ${transport.protocolVersion}`);
  show('tools', (await client.listTools()).tools.map((t) => [t.name, t.annotations]));
  const r1 = await client.callTool({ name: 'read_file', arguments: { path: 'docs/roadmap.md' } }, undefined, {
    onprogress: (p) => log(`  progress ${p.progress}/${p.total} ${p.message ?? ''}`),
  });
  show('read_file', toolText(r1));
  const r2 = await client.callTool({ name: 'delete_record', arguments: { table: 'contacts', id: 'c-1042' } });
  show('delete_record', toolText(r2));
  show('resources', (await client.listResources()).resources.map((r) => r.uri));
  show('read', await client.readResource({ uri: 'file:///srv/docs/handbook.md' }));
  show('prompts', (await client.listPrompts()).prompts.map((p) => p.name));
  show('prompt', await client.getPrompt({ name: 'summarize_incident', arguments: { incident_id: 'INC-2231' } }));
  await transport.terminateSession(); // DELETE /mcp
  await client.close();
}

// ---------------------------------- 2. Streamable HTTP, stateless, JSON replies
async function stateless() {
  const fetch = boundFetch(ADDR.C_STATELESS);
  const client = new Client({ name: 'ci-release-bot', version: '0.7.2' }, { capabilities: {} });
  const transport = new StreamableHTTPClientTransport(new URL('http://mcp-stateless.corp.test:8080/mcp'), { fetch });
  await client.connect(transport);
  show('tools', (await client.listTools()).tools.map((t) => t.name));
  show('call', toolText(await client.callTool({ name: 'get_build_status', arguments: { query: 'payments-api@main' } })));
  await client.close();
}

// ------------------------------------------------ 3. legacy HTTP+SSE transport
async function legacySse() {
  const fetch = boundFetch(ADDR.C_LEGACY);
  const client = new Client({ name: 'legacy-desktop-agent', version: '0.3.9' }, { capabilities: {} });
  const transport = new SSEClientTransport(new URL('http://mcp-legacy.corp.test:3001/sse'), { fetch });
  await client.connect(transport);
  show('tools', (await client.listTools()).tools.map((t) => t.name));
  show('call', toolText(await client.callTool({ name: 'search_tickets', arguments: { query: 'VPN down' } })));
  await client.close();
}

// ------------------------------------------------------------------ 4. OAuth
// An OAuthClientProvider kept in memory (same shape as the SDK's example
// InMemoryOAuthClientProvider). The "browser" leg of the authorization request
// is played by this script: it GETs the authorization URL from the same source
// address and reads the code from the 302 Location header.
class RecordingOAuthProvider {
  constructor(redirectUrl, clientMetadata, fetch) {
    this._redirectUrl = redirectUrl;
    this._clientMetadata = clientMetadata;
    this._fetch = fetch;
    this.pendingCode = undefined;
  }
  get redirectUrl() {
    return this._redirectUrl;
  }
  get clientMetadata() {
    return this._clientMetadata;
  }
  clientInformation() {
    return this._clientInformation;
  }
  saveClientInformation(info) {
    this._clientInformation = info;
    log(`  registered client_id ${info.client_id}`);
    wireSecret('client_secret', info.client_secret);
  }
  tokens() {
    return this._tokens;
  }
  saveTokens(tokens) {
    this._tokens = tokens;
    log(`  tokens saved (expires_in ${tokens.expires_in}, scope ${tokens.scope})`);
    wireSecret('access_token', tokens.access_token);
    wireSecret('refresh_token', tokens.refresh_token);
  }
  async redirectToAuthorization(url) {
    log(`  authorize: GET ${url.origin}${url.pathname}`);
    const res = await this._fetch(url, { redirect: 'manual' });
    const loc = res.headers.get('location');
    await res.text();
    if (res.status !== 302 || !loc) throw new Error(`authorize returned ${res.status}`);
    this.pendingCode = new URL(loc).searchParams.get('code');
    wireSecret('authorization code', this.pendingCode);
  }
  saveCodeVerifier(v) {
    this._codeVerifier = v;
    wireSecret('code_verifier', v);
  }
  codeVerifier() {
    return this._codeVerifier;
  }
}

async function oauth() {
  const fetch = boundFetch(ADDR.C_OAUTH);
  const serverUrl = new URL('http://mcp-secure.corp.test:3000/mcp');
  const provider = new RecordingOAuthProvider(
    'http://127.0.0.1:33418/oauth/callback',
    {
      client_name: 'Secure Copilot',
      redirect_uris: ['http://127.0.0.1:33418/oauth/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
      scope: 'mcp:tools offline_access',
    },
    fetch,
  );
  const client = new Client({ name: 'secure-copilot', version: '3.0.1' }, { capabilities: {} });
  let transport = new StreamableHTTPClientTransport(serverUrl, { fetch, authProvider: provider });
  try {
    await client.connect(transport);
  } catch (e) {
    if (!(e instanceof UnauthorizedError)) throw e;
    log('  401 -> authorization code obtained, finishing auth');
    await transport.finishAuth(provider.pendingCode); // POST /token
    transport = new StreamableHTTPClientTransport(serverUrl, { fetch, authProvider: provider });
    await client.connect(transport);
  }
  show('tools', (await client.listTools()).tools.map((t) => t.name));
  // The access token lives 3 s: the next call is refused (401 invalid_token),
  // the SDK refreshes it (grant_type=refresh_token) and retries.
  await sleep(3500);
  show('call', toolText(await client.callTool({ name: 'run_query', arguments: { sql: 'SELECT region, sum(revenue) FROM sales GROUP BY 1' } })));
  await transport.terminateSession();
  await client.close();
}

// -------------------------------------------------------------- 5. WebSocket
// WebSocketClientTransport uses the global WebSocket. Node 20 has none by
// default, so provide undici's WebSocket (the one Node >= 22 exposes as the
// global), bound to the client's source address via its dispatcher.
async function websocket() {
  const dispatcher = new Agent({ localAddress: ADDR.C_WS });
  globalThis.WebSocket = class extends UndiciWebSocket {
    constructor(url, protocols) {
      super(url, { protocols, dispatcher });
    }
  };
  const client = new Client({ name: 'ws-agent', version: '0.5.0' }, { capabilities: {} });
  const transport = new WebSocketClientTransport(new URL('ws://mcp-ws.corp.test:8765/mcp'));
  await client.connect(transport);
  show('tools', (await client.listTools()).tools.map((t) => t.name));
  show('call', toolText(await client.callTool({ name: 'get_weather', arguments: { query: 'Lisbon' } })));
  await client.close();
  await sleep(200);
}

// ---------------------------------------------------- 7. static bearer token
async function staticBearer() {
  const fetch = boundFetch(ADDR.C_STATIC);
  {
    const client = new Client({ name: 'ops-bot', version: '2.1.0' }, { capabilities: {} });
    const transport = new StreamableHTTPClientTransport(new URL('http://mcp-static.corp.test:3000/mcp'), {
      fetch,
      requestInit: { headers: { Authorization: `Bearer ${testKey(1)}` } },
    });
    await client.connect(transport);
    show('tools (bearer)', (await client.listTools()).tools.map((t) => t.name));
    await client.close();
  }
  {
    const client = new Client({ name: 'ops-bot', version: '2.1.0' }, { capabilities: {} });
    const transport = new StreamableHTTPClientTransport(
      new URL(`http://mcp-static.corp.test:3000/mcp?token=${testKey(2)}`),
      { fetch },
    );
    await client.connect(transport);
    show('tools (token in URL)', (await client.listTools()).tools.map((t) => t.name));
    await client.close();
  }
}

// ---------------------------------------------------------------------- A2A
async function a2a() {
  const fetch = boundFetch(ADDR.C_A2A);
  const base = 'http://agent.corp.test:9999';
  // v1.0 client (@a2a-js/sdk 1.x): agent card, SendMessage, SendStreamingMessage, GetTask.
  {
    const { ClientFactory, JsonRpcTransportFactory, DefaultAgentCardResolver } = await import('@a2a-js/sdk/client');
    const { Role } = await import('@a2a-js/sdk');
    const factory = new ClientFactory({
      transports: [new JsonRpcTransportFactory({ fetchImpl: fetch })],
      cardResolver: new DefaultAgentCardResolver({ fetchImpl: fetch }),
    });
    const client = await factory.createFromUrl(base);
    const msg = (text) => ({
      message: {
        messageId: crypto.randomUUID(),
        contextId: '',
        taskId: '',
        role: Role.ROLE_USER,
        parts: [{ content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: 'text/plain' }],
        metadata: undefined,
        extensions: [],
        referenceTaskIds: [],
      },
    });
    const r = await client.sendMessage(msg('Find a flight from Berlin to Lisbon on 3 March'));
    show('v1.0 SendMessage', r);
    let taskId;
    for await (const ev of client.sendMessageStream(msg('Book a hotel near the Lisbon office for two nights'))) {
      taskId ??= ev.payload?.value?.id ?? ev.payload?.value?.taskId;
      show('v1.0 stream event', ev.payload?.$case);
    }
    show('v1.0 GetTask', (await client.getTask({ id: taskId, historyLength: 1 })).status);
  }
  // v0.3 client (@a2a-js/sdk 0.3.x, npm alias a2a-sdk-03), from its own
  // address: agent card, message/send, message/stream, tasks/get -- served by
  // the same agent through the 1.x SDK's v0.3 compatibility layer.
  {
    const fetch = boundFetch(ADDR.C_A2A03);
    const { ClientFactory, JsonRpcTransportFactory, DefaultAgentCardResolver } = await import('a2a-sdk-03/client');
    const factory = new ClientFactory({
      transports: [new JsonRpcTransportFactory({ fetchImpl: fetch })],
      cardResolver: new DefaultAgentCardResolver({ fetchImpl: fetch }),
    });
    const client = await factory.createFromUrl(base);
    const msg = (text) => ({
      message: { kind: 'message', messageId: crypto.randomUUID(), role: 'user', parts: [{ kind: 'text', text }] },
    });
    const r = await client.sendMessage(msg('Find a flight from Munich to Porto on 12 April'));
    show('v0.3 message/send', r);
    let taskId;
    for await (const ev of client.sendMessageStream(msg('Book a hotel near the Porto office for one night'))) {
      taskId ??= ev.kind === 'task' ? ev.id : ev.taskId;
      show('v0.3 stream event', ev.kind);
    }
    show('v0.3 tasks/get', (await client.getTask({ id: taskId })).status);
  }
}

const scenarios = { stateful, stateless, 'legacy-sse': legacySse, oauth, websocket, static: staticBearer, a2a };
const name = process.argv[2];
if (!scenarios[name]) {
  log(`usage: node clients.mjs {${Object.keys(scenarios).join('|')}}`);
  process.exit(2);
}
log(`== client ${name}`);
await scenarios[name]();
process.exit(0);
