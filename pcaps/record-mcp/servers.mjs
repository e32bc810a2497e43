// MCP / OAuth servers for the aisensor reference captures, built from the
// official, unmodified @modelcontextprotocol/sdk (server side).
//
// Every listener binds to its own loopback address (127.0.4.x, see common.mjs)
// and checks the Host header against its corp.test name (SDK
// createMcpExpressApp({ allowedHosts })). Prints "READY" on stdout once all
// listeners are up. Run inside record.sh's mount namespace so that the
// resource server's token introspection resolves auth.corp.test via dnsmasq.
import { randomUUID, randomBytes } from 'node:crypto';
import http from 'node:http';
import express from 'express';
import { z } from 'zod';
import { WebSocketServer } from 'ws';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import {
  mcpAuthRouter,
  mcpAuthMetadataRouter,
  createOAuthMetadata,
  getOAuthProtectedResourceMetadataUrl,
} from '@modelcontextprotocol/sdk/server/auth/router.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { DemoInMemoryAuthProvider } from '@modelcontextprotocol/sdk/examples/server/demoInMemoryOAuthProvider.js';
import {
  isInitializeRequest,
  ElicitResultSchema,
  ListRootsResultSchema,
  JSONRPCMessageSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { ADDR, boundFetch, wireSecret, testKey, log } from './common.mjs';

const listen = (app, host, port, name) =>
  new Promise((resolve, reject) => {
    const srv = http.createServer(app);
    srv.on('error', reject);
    srv.listen(port, host, () => {
      log(`[servers] ${name} listening on ${host}:${port}`);
      resolve(srv);
    });
  });

const reqLog = (name) => (req, _res, next) => {
  log(`[${name}] ${req.socket.remoteAddress} ${req.method} ${req.url}`);
  next();
};

// ------------------------------------------------------------ tool server --
// The "corp tools" MCP server used by the stateful, OAuth and WebSocket captures.
function buildToolsServer(name = 'corp-tools') {
  const server = new McpServer(
    { name, version: '2.3.1', title: 'Corp Tools MCP Server' },
    { capabilities: { logging: {} }, instructions: 'Internal tools for files, CRM records, e-mail and SQL.' },
  );

  server.registerTool(
    'read_file',
    {
      title: 'Read file',
      description: 'Read a text file from the shared project workspace.',
      inputSchema: { path: z.string().describe('Path relative to a workspace root') },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ path }, extra) => {
      const token = extra._meta?.progressToken;
      if (token !== undefined) {
        await extra.sendNotification({
          method: 'notifications/progress',
          params: { progressToken: token, progress: 1, total: 2, message: 'resolving roots' },
        });
      }
      // Server -> client request on the same SSE stream: which roots may I read?
      let root = 'file:///srv/projects/';
      try {
        const roots = await extra.sendRequest({ method: 'roots/list' }, ListRootsResultSchema);
        if (roots.roots?.[0]?.uri) root = roots.roots[0].uri;
      } catch (e) {
        log('[corp-tools] roots/list failed:', e.message);
      }
      if (token !== undefined) {
        await extra.sendNotification({
          method: 'notifications/progress',
          params: { progressToken: token, progress: 2, total: 2, message: 'reading' },
        });
      }
      return {
        content: [{ type: 'text', text: `# ${path} (from ${root})\nQ3 roadmap: ship the sensor, then write the docs.\n` }],
      };
    },
  );

  server.registerTool(
    'delete_record',
    {
      title: 'Delete CRM record',
      description: 'Permanently delete a record from the CRM database.',
      inputSchema: { table: z.enum(['contacts', 'accounts', 'deals']), id: z.string() },
      annotations: { destructiveHint: true, readOnlyHint: false, idempotentHint: true, openWorldHint: false },
    },
    async ({ table, id }, extra) => {
      // Server -> client request: ask the user to confirm (elicitation/create).
      let confirmed = false;
      try {
        const r = await extra.sendRequest(
          {
            method: 'elicitation/create',
            params: {
              mode: 'form',
              message: `Delete ${table}/${id}? This cannot be undone.`,
              requestedSchema: {
                type: 'object',
                properties: { confirm: { type: 'boolean', title: 'Confirm deletion' } },
                required: ['confirm'],
              },
            },
          },
          ElicitResultSchema,
        );
        confirmed = r.action === 'accept' && r.content?.confirm === true;
      } catch (e) {
        log('[corp-tools] elicitation failed:', e.message);
      }
      return {
        content: [{ type: 'text', text: confirmed ? `Deleted ${table}/${id}.` : `Not deleted: ${table}/${id}.` }],
        isError: !confirmed,
      };
    },
  );

  server.registerTool(
    'send_email',
    {
      title: 'Send e-mail',
      description: 'Send an e-mail to any address on behalf of the user.',
      inputSchema: { to: z.string(), subject: z.string(), body: z.string() },
      annotations: { openWorldHint: true, destructiveHint: false, readOnlyHint: false },
    },
    async ({ to }) => ({ content: [{ type: 'text', text: `Queued message to ${to}.` }] }),
  );

  server.registerTool(
    'run_query',
    {
      title: 'Run SQL query',
      description: 'Run a read-only SQL query against the analytics warehouse.',
      inputSchema: { sql: z.string(), limit: z.number().int().optional() },
      annotations: { idempotentHint: true, readOnlyHint: true, openWorldHint: false },
    },
    async ({ sql }) => ({
      content: [{ type: 'text', text: `[{"region":"emea","revenue":1204}] -- ${sql}` }],
    }),
  );

  server.registerResource(
    'employee-handbook',
    'file:///srv/docs/handbook.md',
    { title: 'Employee handbook', description: 'Company handbook (Markdown)', mimeType: 'text/markdown' },
    async (uri) => ({
      contents: [{ uri: uri.href, mimeType: 'text/markdown', text: '# Handbook\n\nBe kind. Rotate your keys.\n' }],
    }),
  );
  server.registerResource(
    'crm-schema',
    'db://crm/schema',
    { title: 'CRM schema', description: 'Tables and columns of the CRM database', mimeType: 'application/json' },
    async (uri) => ({
      contents: [
        {
          uri: uri.href,
          mimeType: 'application/json',
          text: JSON.stringify({ contacts: ['id', 'name', 'email'], deals: ['id', 'account_id', 'amount'] }),
        },
      ],
    }),
  );

  server.registerPrompt(
    'summarize_incident',
    {
      title: 'Summarize incident',
      description: 'Summarize an incident ticket for the on-call handover.',
      argsSchema: { incident_id: z.string(), audience: z.string().optional() },
    },
    ({ incident_id, audience }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'text',
            text: `Summarize incident ${incident_id} for ${audience ?? 'the on-call engineer'} in five bullet points.`,
          },
        },
      ],
    }),
  );
  return server;
}

// Small server for the stateless / legacy / static captures.
function buildSmallServer(name, tools) {
  const server = new McpServer({ name, version: '0.9.0' }, { capabilities: {} });
  for (const [tool, desc, annotations] of tools) {
    server.registerTool(
      tool,
      { description: desc, inputSchema: { query: z.string() }, annotations },
      async ({ query }) => ({ content: [{ type: 'text', text: `${tool}: ok (${query})` }] }),
    );
  }
  return server;
}

// --------------------------------------- 1. Streamable HTTP, stateful mode --
async function startStateful() {
  const app = createMcpExpressApp({ host: ADDR.S_STATEFUL, allowedHosts: ['mcp-tools.corp.test'] });
  app.use(reqLog('stateful'));
  const transports = {};
  app.post('/mcp', async (req, res) => {
    const sid = req.headers['mcp-session-id'];
    let transport = sid ? transports[sid] : undefined;
    if (!transport) {
      if (sid || !isInitializeRequest(req.body)) {
        res.status(400).json({ jsonrpc: '2.0', error: { code: -32000, message: 'Bad Request: no valid session' }, id: null });
        return;
      }
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          transports[id] = transport;
        },
      });
      transport.onclose = () => {
        if (transport.sessionId) delete transports[transport.sessionId];
      };
      await buildToolsServer().connect(transport);
    }
    await transport.handleRequest(req, res, req.body);
  });
  const bySession = async (req, res) => {
    const t = transports[req.headers['mcp-session-id']];
    if (!t) return res.status(400).send('Invalid or missing session ID');
    await t.handleRequest(req, res);
  };
  app.get('/mcp', bySession);
  app.delete('/mcp', bySession);
  return listen(app, ADDR.S_STATEFUL, 3000, 'mcp-tools.corp.test');
}

// -------------------------- 2. Streamable HTTP, stateless + JSON responses --
async function startStateless() {
  const app = createMcpExpressApp({ host: ADDR.S_STATELESS, allowedHosts: ['mcp-stateless.corp.test'] });
  app.use(reqLog('stateless'));
  app.post('/mcp', async (req, res) => {
    const server = buildSmallServer('build-info', [
      ['get_build_status', 'Status of the latest CI build for a repository.', { readOnlyHint: true }],
      ['trigger_deploy', 'Deploy a service to production.', { destructiveHint: true, openWorldHint: true }],
    ]);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      transport.close();
      server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  const notAllowed = (_req, res) =>
    res.status(405).set('Allow', 'POST').json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null });
  app.get('/mcp', notAllowed);
  app.delete('/mcp', notAllowed);
  return listen(app, ADDR.S_STATELESS, 8080, 'mcp-stateless.corp.test');
}

// ---------------------------------------------- 3. legacy HTTP+SSE (2024-11-05)
async function startLegacy() {
  const app = createMcpExpressApp({ host: ADDR.S_LEGACY, allowedHosts: ['mcp-legacy.corp.test'] });
  app.use(reqLog('legacy'));
  const transports = {};
  app.get('/sse', async (req, res) => {
    const transport = new SSEServerTransport('/messages', res);
    transports[transport.sessionId] = transport;
    res.on('close', () => delete transports[transport.sessionId]);
    const server = buildSmallServer('helpdesk', [
      ['search_tickets', 'Search helpdesk tickets.', { readOnlyHint: true }],
      ['create_ticket', 'Open a new helpdesk ticket.', { readOnlyHint: false, destructiveHint: false }],
    ]);
    await server.connect(transport);
  });
  app.post('/messages', async (req, res) => {
    const transport = transports[req.query.sessionId];
    if (!transport) return res.status(400).send('No transport found for sessionId');
    await transport.handlePostMessage(req, res, req.body);
  });
  return listen(app, ADDR.S_LEGACY, 3001, 'mcp-legacy.corp.test');
}

// ------------------------------------------------------------------ 4. OAuth
// Authorization server: the SDK's mcpAuthRouter with the SDK's shipped demo
// provider (examples/server/demoInMemoryOAuthProvider.js). The demo provider
// issues no refresh tokens, so this subclass adds them (and a short access
// token lifetime so the client's second call is refused and it refreshes).
const ACCESS_TTL_S = 3;
class RefreshingDemoProvider extends DemoInMemoryAuthProvider {
  constructor() {
    super();
    this.refreshTokens = new Map();
  }
  issue(clientId, scopes, resource) {
    const access = 'at_' + randomBytes(24).toString('base64url');
    const refresh = 'rt_' + randomBytes(24).toString('base64url');
    this.tokens.set(access, {
      token: access,
      clientId,
      scopes,
      expiresAt: Date.now() + ACCESS_TTL_S * 1000,
      resource,
      type: 'access',
    });
    this.refreshTokens.set(refresh, { clientId, scopes, resource });
    wireSecret('access_token (server)', access);
    wireSecret('refresh_token (server)', refresh);
    return { access_token: access, token_type: 'bearer', expires_in: ACCESS_TTL_S, scope: scopes.join(' '), refresh_token: refresh };
  }
  async authorize(client, params, res) {
    // The demo provider generates the code; record it via the redirect.
    const redirect = res.redirect.bind(res);
    res.redirect = (url) => {
      const code = new URL(url).searchParams.get('code');
      wireSecret('authorization code (server)', code);
      return redirect(url);
    };
    return super.authorize(client, params, res);
  }
  async exchangeAuthorizationCode(client, code, verifier) {
    const data = this.codes.get(code);
    if (!data) throw new Error('Invalid authorization code');
    if (data.client.client_id !== client.client_id) throw new Error('Authorization code was not issued to this client');
    this.codes.delete(code);
    return this.issue(client.client_id, data.params.scopes || [], data.params.resource);
  }
  async exchangeRefreshToken(client, refreshToken, scopes, resource) {
    const data = this.refreshTokens.get(refreshToken);
    if (!data || data.clientId !== client.client_id) throw new Error('Invalid refresh token');
    this.refreshTokens.delete(refreshToken);
    return this.issue(client.client_id, scopes?.length ? scopes : data.scopes, resource ?? data.resource);
  }
}

async function startOAuth() {
  const issuerUrl = new URL('http://auth.corp.test/');
  const mcpServerUrl = new URL('http://mcp-secure.corp.test:3000/mcp');
  const scopes = ['mcp:tools', 'offline_access'];
  const provider = new RefreshingDemoProvider();

  const authApp = express();
  authApp.set('trust proxy', false);
  authApp.use(reqLog('auth'));
  authApp.use(express.json());
  authApp.use(express.urlencoded());
  authApp.use(mcpAuthRouter({ provider, issuerUrl, scopesSupported: scopes, resourceName: 'Corp Auth' }));
  // Token introspection (RFC 7662) as in the SDK demo, used by the resource server.
  authApp.post('/introspect', async (req, res) => {
    try {
      const info = await provider.verifyAccessToken(req.body.token);
      res.json({
        active: true,
        client_id: info.clientId,
        scope: info.scopes.join(' '),
        exp: info.expiresAt,
        aud: info.resource,
      });
    } catch {
      res.json({ active: false });
    }
  });
  await listen(authApp, ADDR.S_AUTH, 80, 'auth.corp.test');

  const oauthMetadata = createOAuthMetadata({ provider, issuerUrl, scopesSupported: scopes });
  oauthMetadata.introspection_endpoint = new URL('/introspect', issuerUrl).href;

  // Resource server: MCP behind requireBearerAuth; introspects tokens at the AS
  // from its own address.
  const rsFetch = boundFetch(ADDR.S_OAUTH_MCP);
  const verifier = {
    async verifyAccessToken(token) {
      const r = await rsFetch(oauthMetadata.introspection_endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token }).toString(),
      });
      const data = await r.json();
      if (!data.active) {
        const { InvalidTokenError } = await import('@modelcontextprotocol/sdk/server/auth/errors.js');
        throw new InvalidTokenError('Token is not active');
      }
      return {
        token,
        clientId: data.client_id,
        scopes: data.scope ? data.scope.split(' ') : [],
        expiresAt: data.exp,
        resource: data.aud ? new URL(data.aud) : undefined,
      };
    },
  };
  const app = createMcpExpressApp({ host: ADDR.S_OAUTH_MCP, allowedHosts: ['mcp-secure.corp.test'] });
  app.use(reqLog('oauth-rs'));
  app.use(
    mcpAuthMetadataRouter({
      oauthMetadata,
      resourceServerUrl: mcpServerUrl,
      scopesSupported: scopes,
      resourceName: 'Corp Secure MCP',
    }),
  );
  const auth = requireBearerAuth({
    verifier,
    // No requiredScopes (as in the SDK example): the 401 challenge then carries
    // no scope= and the SDK client requests the PRM's scopes_supported
    // ("mcp:tools offline_access").
    requiredScopes: [],
    resourceMetadataUrl: getOAuthProtectedResourceMetadataUrl(mcpServerUrl),
    expectedResource: mcpServerUrl,
  });
  const transports = {};
  app.post('/mcp', auth, async (req, res) => {
    const sid = req.headers['mcp-session-id'];
    let transport = sid ? transports[sid] : undefined;
    if (!transport) {
      if (sid || !isInitializeRequest(req.body)) {
        res.status(400).json({ jsonrpc: '2.0', error: { code: -32000, message: 'Bad Request: no valid session' }, id: null });
        return;
      }
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          transports[id] = transport;
        },
      });
      transport.onclose = () => {
        if (transport.sessionId) delete transports[transport.sessionId];
      };
      await buildToolsServer('corp-secure-tools').connect(transport);
    }
    await transport.handleRequest(req, res, req.body);
  });
  const bySession = async (req, res) => {
    const t = transports[req.headers['mcp-session-id']];
    if (!t) return res.status(400).send('Invalid or missing session ID');
    await t.handleRequest(req, res);
  };
  app.get('/mcp', auth, bySession);
  app.delete('/mcp', auth, bySession);
  return listen(app, ADDR.S_OAUTH_MCP, 3000, 'mcp-secure.corp.test');
}

// -------------------------------------------------------------- 5. WebSocket
// The SDK ships only a client-side WebSocket transport. This is a minimal
// server-side counterpart on the `ws` package: one JSON-RPC message per text
// frame, subprotocol "mcp" (what WebSocketClientTransport requests).
class WsServerTransport {
  constructor(socket) {
    this.socket = socket;
  }
  async start() {
    this.socket.on('message', (data) => {
      let msg;
      try {
        msg = JSONRPCMessageSchema.parse(JSON.parse(data.toString('utf8')));
      } catch (e) {
        this.onerror?.(e);
        return;
      }
      this.onmessage?.(msg);
    });
    this.socket.on('close', () => this.onclose?.());
    this.socket.on('error', (e) => this.onerror?.(e));
  }
  async send(message) {
    this.socket.send(JSON.stringify(message));
  }
  async close() {
    this.socket.close();
  }
}
async function startWebSocket() {
  const httpServer = http.createServer((req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' });
    res.end('Upgrade Required');
  });
  const wss = new WebSocketServer({
    server: httpServer,
    path: '/mcp',
    handleProtocols: (protocols) => (protocols.has('mcp') ? 'mcp' : false),
  });
  wss.on('connection', async (socket, req) => {
    log(`[ws] ${req.socket.remoteAddress} ${req.method} ${req.url} upgraded (${socket.protocol})`);
    const server = buildSmallServer('ws-tools', [
      ['get_weather', 'Current weather for a city.', { readOnlyHint: true, openWorldHint: true }],
      ['restart_service', 'Restart a systemd service on the build host.', { destructiveHint: true }],
    ]);
    await server.connect(new WsServerTransport(socket));
  });
  await new Promise((r) => httpServer.listen(8765, ADDR.S_WS, r));
  log(`[servers] mcp-ws.corp.test listening on ${ADDR.S_WS}:8765`);
}

// --------------------------------------------------- 7. static bearer token
async function startStatic() {
  const K_BEARER = testKey(1);
  const K_URL = testKey(2);
  const app = createMcpExpressApp({ host: ADDR.S_STATIC, allowedHosts: ['mcp-static.corp.test'] });
  app.use(reqLog('static'));
  app.use('/mcp', (req, res, next) => {
    if (req.headers.authorization === `Bearer ${K_BEARER}` || req.query.token === K_URL) return next();
    res.status(401).set('WWW-Authenticate', 'Bearer realm="mcp-static"').json({ error: 'unauthorized' });
  });
  app.post('/mcp', async (req, res) => {
    const server = buildSmallServer('ops-tools', [
      ['list_hosts', 'List fleet hosts.', { readOnlyHint: true }],
      ['drain_host', 'Drain a host from the load balancer.', { destructiveHint: true }],
    ]);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      transport.close();
      server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  const notAllowed = (_req, res) =>
    res.status(405).set('Allow', 'POST').json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null });
  app.get('/mcp', notAllowed);
  app.delete('/mcp', notAllowed);
  return listen(app, ADDR.S_STATIC, 3000, 'mcp-static.corp.test');
}

await Promise.all([startStateful(), startStateless(), startLegacy(), startOAuth(), startWebSocket(), startStatic()]);
const { startA2A } = await import('./a2a-server.mjs');
await startA2A();
process.stdout.write('READY\n');
