// MCP / OAuth servers for the clear-text twin captures (record-twins-mcp),
// built from the official, unmodified MCP TypeScript SDKs:
//   - mcp.corp.test        SDK v1 (@modelcontextprotocol/sdk) McpServer + StreamableHTTPServerTransport, stateful
//   - mcp2.corp.test       SDK v2 (@modelcontextprotocol/server) McpServer + createMcpHandler on node (toNodeHandler)
//   - mcp-secure.corp.test SDK v1 server behind the SDK's mcpAuthMetadataRouter + requireBearerAuth
//   - auth.corp.test       SDK v1 mcpAuthRouter with the SDK's DemoInMemoryAuthProvider (subclassed for fixed fake secrets)
// Every server listens twice on its own address: HTTPS on 443 (certificate for
// its name from the throw-away CA in $CERTS) and plain HTTP on 8080, with the
// same application code, so a client run against both gives twin captures.
// Prints "READY" on stdout once all listeners are up.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import express from 'express';
import * as z from 'zod';
// SDK v1
import { McpServer as McpServerV1 } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import {
  mcpAuthRouter,
  mcpAuthMetadataRouter,
  createOAuthMetadata,
  getOAuthProtectedResourceMetadataUrl,
} from '@modelcontextprotocol/sdk/server/auth/router.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { InvalidRequestError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { DemoInMemoryAuthProvider } from '@modelcontextprotocol/sdk/examples/server/demoInMemoryOAuthProvider.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
// SDK v2
import { McpServer as McpServerV2, createMcpHandler } from '@modelcontextprotocol/server';
import { toNodeHandler, hostHeaderValidation } from '@modelcontextprotocol/node';
import { ADDR, PORT, base, testKey, log } from './common.mjs';

const CERTS = process.env.CERTS;
const MODES = ['tls', 'http'];

function listen(handler, host, mode, name) {
  return new Promise((resolve, reject) => {
    const srv =
      mode === 'tls'
        ? https.createServer(
            { key: fs.readFileSync(`${CERTS}/${name}.key`), cert: fs.readFileSync(`${CERTS}/${name}.crt`) },
            handler,
          )
        : http.createServer(handler);
    srv.on('error', reject);
    srv.listen(PORT[mode], host, () => {
      log(`[servers] ${name} (${mode}) listening on ${host}:${PORT[mode]}`);
      resolve(srv);
    });
  });
}

const reqLog = (name, mode) => (req, _res, next) => {
  log(`[${name}/${mode}] ${req.socket.remoteAddress} ${req.method} ${req.url}`);
  next();
};

// ------------------------------------------------------------ SDK v1 tools --
function buildToolsV1(name) {
  const server = new McpServerV1(
    { name, version: '1.6.0', title: 'Twin Tools (SDK v1)' },
    { capabilities: {}, instructions: 'Search the knowledge base and file tickets.' },
  );
  server.registerTool(
    'search_docs',
    {
      title: 'Search docs',
      description: 'Full-text search over the internal knowledge base.',
      inputSchema: { query: z.string(), limit: z.number().int().optional() },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ query }) => ({ content: [{ type: 'text', text: `3 hits for "${query}": vpn-setup.md, sso.md, laptops.md` }] }),
  );
  server.registerTool(
    'create_ticket',
    {
      title: 'Create ticket',
      description: 'Open a ticket in the IT helpdesk queue.',
      inputSchema: { title: z.string(), priority: z.enum(['low', 'normal', 'high']) },
      annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: false },
    },
    async ({ title, priority }) => ({ content: [{ type: 'text', text: `Created IT-4711 (${priority}): ${title}` }] }),
  );
  server.registerTool(
    'delete_user',
    {
      title: 'Delete user',
      description: 'Remove a user account and all of its data.',
      inputSchema: { user: z.string() },
      annotations: { destructiveHint: true, readOnlyHint: false },
    },
    async ({ user }) => ({ content: [{ type: 'text', text: `Deleted ${user}.` }] }),
  );
  server.registerResource(
    'it-handbook',
    'file:///srv/docs/it-handbook.md',
    { title: 'IT handbook', description: 'How IT works here (Markdown)', mimeType: 'text/markdown' },
    async (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/markdown', text: '# IT handbook\n\nRotate your keys.\n' }] }),
  );
  return server;
}

// A stateful Streamable HTTP MCP endpoint (SDK v1 README pattern) on `app`.
function mountStatefulV1(app, name, auth = (_q, _s, next) => next()) {
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
      await buildToolsV1(name).connect(transport);
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
}

async function startV1(mode) {
  const app = createMcpExpressApp({ host: ADDR.S_V1, allowedHosts: ['mcp.corp.test'] });
  app.use(reqLog('mcp-v1', mode));
  mountStatefulV1(app, 'twin-tools-v1');
  return listen(app, ADDR.S_V1, mode, 'mcp.corp.test');
}

// ------------------------------------------------------------ SDK v2 tools --
function buildToolsV2() {
  const server = new McpServerV2(
    { name: 'twin-tools-v2', version: '2.0.3', title: 'Twin Tools (SDK v2)' },
    { capabilities: { tools: {}, resources: {} }, instructions: 'Inspect and operate the server fleet.' },
  );
  server.registerTool(
    'get_fleet_status',
    {
      title: 'Fleet status',
      description: 'Health summary of all hosts in one region.',
      inputSchema: z.object({ region: z.string() }),
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ region }) => ({ content: [{ type: 'text', text: `${region}: 41 hosts healthy, 1 degraded (web-17).` }] }),
  );
  server.registerTool(
    'restart_service',
    {
      title: 'Restart service',
      description: 'Restart a systemd service on one host.',
      inputSchema: z.object({ host: z.string(), service: z.string() }),
      annotations: { destructiveHint: true, readOnlyHint: false, idempotentHint: false },
    },
    async ({ host, service }) => ({ content: [{ type: 'text', text: `Restarted ${service} on ${host}.` }] }),
  );
  server.registerResource(
    'fleet-inventory',
    'fleet://inventory',
    { title: 'Fleet inventory', description: 'All hosts with region and role', mimeType: 'application/json' },
    async (uri) => ({
      contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify({ 'eu-west-1': ['web-17', 'db-3'] }) }],
    }),
  );
  return server;
}

async function startV2(mode) {
  const handler = createMcpHandler(buildToolsV2, { onerror: (e) => log('[mcp-v2] error:', e.message), keepAliveMs: 0 });
  const node = toNodeHandler(handler);
  const validateHost = hostHeaderValidation(['mcp2.corp.test']);
  return listen(
    (req, res) => {
      log(`[mcp-v2/${mode}] ${req.socket.remoteAddress} ${req.method} ${req.url} ${req.headers['mcp-method'] ?? ''}`);
      if (!validateHost(req, res)) return;
      if (new URL(req.url, 'http://x').pathname !== '/mcp') {
        res.writeHead(404).end();
        return;
      }
      void node(req, res);
    },
    ADDR.S_V2,
    mode,
    'mcp2.corp.test',
  );
}

// ------------------------------------------------------------------- OAuth --
// The SDK's demo provider, with fixed fake values (test-keys.txt) instead of
// random ones, so that both twins carry the same client id, code and tokens.
// (mcp-remote registers as a public client, token_endpoint_auth_method "none":
// no client secret is issued.)
const K = { clientId: testKey(1), code: testKey(2), access: testKey(3), refresh: testKey(4) };
class TwinDemoProvider extends DemoInMemoryAuthProvider {
  constructor() {
    super();
    const store = this.clientsStore;
    const register = store.registerClient.bind(store);
    store.registerClient = (md) => register({ ...md, client_id: K.clientId });
  }
  async authorize(client, params, res) {
    // As the demo provider (auto-approve, 302 to the redirect URI), fixed code, no cookie.
    if (!client.redirect_uris.includes(params.redirectUri)) throw new InvalidRequestError('Unregistered redirect_uri');
    this.codes.set(K.code, { client, params });
    const target = new URL(params.redirectUri);
    target.searchParams.set('code', K.code);
    if (params.state !== undefined) target.searchParams.set('state', params.state);
    res.redirect(target.toString());
  }
  issue(clientId, scopes, resource) {
    this.tokens.set(K.access, { token: K.access, clientId, scopes, expiresAt: Date.now() + 3600_000, resource, type: 'access' });
    return { access_token: K.access, token_type: 'bearer', expires_in: 3600, scope: scopes.join(' '), refresh_token: K.refresh };
  }
  async exchangeAuthorizationCode(client, code) {
    const data = this.codes.get(code);
    if (!data) throw new Error('Invalid authorization code');
    if (data.client.client_id !== client.client_id) throw new Error('Authorization code was not issued to this client');
    this.codes.delete(code);
    return this.issue(client.client_id, data.params.scopes || [], data.params.resource);
  }
  async exchangeRefreshToken(client, _refreshToken, scopes, resource) {
    return this.issue(client.client_id, scopes || ['mcp:tools'], resource);
  }
}

async function startOAuth(mode) {
  const issuerUrl = new URL(`${base('auth.corp.test', mode)}/`);
  const mcpServerUrl = new URL(`${base('mcp-secure.corp.test', mode)}/mcp`);
  const scopes = ['mcp:tools', 'mcp:resources', 'offline_access'];
  const provider = new TwinDemoProvider();

  const authApp = express();
  authApp.use(reqLog('auth', mode));
  authApp.use(mcpAuthRouter({ provider, issuerUrl, scopesSupported: scopes, resourceName: 'Corp Auth' }));
  await listen(authApp, ADDR.S_AUTH, mode, 'auth.corp.test');

  // Resource server: verifies tokens in-process with the AS's provider (no
  // RS->AS traffic in the captures).
  const oauthMetadata = createOAuthMetadata({ provider, issuerUrl, scopesSupported: scopes });
  const app = createMcpExpressApp({ host: ADDR.S_SECURE, allowedHosts: ['mcp-secure.corp.test'] });
  app.use(reqLog('mcp-secure', mode));
  app.use(
    mcpAuthMetadataRouter({ oauthMetadata, resourceServerUrl: mcpServerUrl, scopesSupported: scopes, resourceName: 'Corp Secure MCP' }),
  );
  const auth = requireBearerAuth({
    verifier: provider,
    requiredScopes: [],
    resourceMetadataUrl: getOAuthProtectedResourceMetadataUrl(mcpServerUrl),
  });
  mountStatefulV1(app, 'twin-secure-tools', auth);
  return listen(app, ADDR.S_SECURE, mode, 'mcp-secure.corp.test');
}

for (const mode of MODES) await Promise.all([startV1(mode), startV2(mode), startOAuth(mode)]);
process.stdout.write('READY\n');
