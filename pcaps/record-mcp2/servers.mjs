// MCP servers for the aisensor 2026-07-28 reference captures (record-mcp2).
//
// - v2 servers: official, unmodified npm @modelcontextprotocol/server 2.x
//   (`McpServer` + `createMcpHandler`) mounted on node:http with
//   @modelcontextprotocol/node (`toNodeHandler`, `hostHeaderValidation`,
//   `toWebRequest`). createMcpHandler serves the 2026-07-28 revision and, by
//   default, 2025-era traffic through its stateless legacy fallback.
// - v1 servers: official, unmodified npm @modelcontextprotocol/sdk 1.x
//   (`McpServer` + `StreamableHTTPServerTransport` on express, as in that
//   package's README), protocol 2025-11-25 only.
//
// Only application callbacks (tools, resources, token verifier) are written
// here. Every listener binds to its own loopback address (127.0.5.101-104, see
// common.mjs) and checks the Host header against its corp.test name. Prints
// "READY" on stdout once all listeners are up.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import * as z from 'zod';
import {
  McpServer,
  createMcpHandler,
  inputRequired,
  acceptedContent,
  requireBearerAuth,
  OAuthError,
  OAuthErrorCode,
} from '@modelcontextprotocol/server';
import { toNodeHandler, hostHeaderValidation } from '@modelcontextprotocol/node';
import { McpServer as McpServerV1 } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport as StreamableHTTPServerTransportV1 } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createMcpExpressApp as createMcpExpressAppV1 } from '@modelcontextprotocol/sdk/server/express.js';
import { isInitializeRequest as isInitializeRequestV1 } from '@modelcontextprotocol/sdk/types.js';
import { ADDR, testKey, log } from './common.mjs';

const logReq = (name, req) => {
  const h = req.headers;
  const extra = ['mcp-protocol-version', 'mcp-method', 'mcp-name', 'mcp-session-id']
    .filter((k) => h[k])
    .map((k) => `${k}=${h[k]}`)
    .concat(Object.keys(h).filter((k) => k.startsWith('mcp-param-')).map((k) => `${k}=${h[k]}`));
  log(`[${name}] ${req.socket.remoteAddress} ${req.method} ${req.url} ${extra.join(' ')}`);
};

function listenNode(handler, host, port, name) {
  return new Promise((resolve, reject) => {
    const srv = http.createServer(handler);
    srv.on('error', reject);
    srv.listen(port, host, () => {
      log(`[servers] ${name} listening on ${host}:${port}`);
      resolve(srv);
    });
  });
}

// --------------------------------------------------- v2 server "fleet-tools" --
// One factory for both eras (createMcpHandler calls it once per HTTP request).
// `handler` is assigned below; the add_host tool publishes change events on
// the handler's bus, which reach every open subscriptions/listen stream.
let fleetHandler;

function buildFleetServer(ctx) {
  const server = new McpServer(
    { name: 'fleet-tools', version: '4.2.0', title: 'Fleet Tools MCP Server' },
    {
      capabilities: { tools: { listChanged: true }, resources: { subscribe: true, listChanged: true } },
      instructions: 'Inspect and change the server fleet: status, inventory, decommissioning.',
    },
  );

  server.registerTool(
    'get_fleet_status',
    {
      title: 'Fleet status',
      description: 'Health summary of all hosts in one region.',
      // x-mcp-header: SEP-2243, mirrored by 2026-07-28 clients as an Mcp-Param-Region header.
      inputSchema: z.object({
        region: z.string().describe('Cloud region, e.g. eu-west-1').meta({ 'x-mcp-header': 'Region' }),
        include_drained: z.boolean().optional(),
      }),
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ region }, c) => {
      // Progress, when the caller asked for it (_meta.progressToken): a related
      // message before the result, so the response is upgraded to SSE.
      const progressToken = c.mcpReq._meta?.progressToken;
      if (progressToken !== undefined) {
        await c.mcpReq.notify({
          method: 'notifications/progress',
          params: { progressToken, progress: 1, total: 2, message: `polling ${region}` },
        });
      }
      return { content: [{ type: 'text', text: `${region}: 41 hosts healthy, 1 degraded (web-17).` }] };
    },
  );

  server.registerTool(
    'decommission_host',
    {
      title: 'Decommission host',
      description: 'Permanently remove a host from the fleet and wipe its disks.',
      inputSchema: z.object({ host: z.string(), reason: z.string().optional() }),
      annotations: { destructiveHint: true, readOnlyHint: false, idempotentHint: false, openWorldHint: false },
    },
    async ({ host }, c) => {
      // 2026-07-28 multi-round-trip: ask the user to confirm via an input_required
      // result (embedded elicitation); the client retries with inputResponses.
      const answer = acceptedContent(c.mcpReq.inputResponses, 'confirm');
      if (answer?.confirm !== true) {
        if (ctx.era !== 'modern') {
          return { content: [{ type: 'text', text: `Refusing to decommission ${host} without confirmation.` }], isError: true };
        }
        return inputRequired({
          inputRequests: {
            confirm: inputRequired.elicit({
              message: `Decommission ${host}? Its disks will be wiped.`,
              requestedSchema: {
                type: 'object',
                properties: { confirm: { type: 'boolean', title: 'Confirm decommissioning' } },
                required: ['confirm'],
              },
            }),
          },
          requestState: `decommission:${host}`,
        });
      }
      return { content: [{ type: 'text', text: `Decommissioned ${host}; disks wiped.` }] };
    },
  );

  server.registerTool(
    'add_host',
    {
      title: 'Add host',
      description: 'Register a new host in the fleet inventory.',
      inputSchema: z.object({ host: z.string(), region: z.string() }),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async ({ host, region }) => {
      // Change events for open subscriptions/listen streams.
      fleetHandler.notify.resourceUpdated('fleet://inventory');
      fleetHandler.notify.toolsChanged();
      return { content: [{ type: 'text', text: `Added ${host} to ${region}.` }] };
    },
  );

  server.registerResource(
    'fleet-inventory',
    'fleet://inventory',
    { title: 'Fleet inventory', description: 'All hosts with region and role', mimeType: 'application/json' },
    async (uri) => ({
      contents: [
        { uri: uri.href, mimeType: 'application/json', text: JSON.stringify({ 'eu-west-1': ['web-17', 'web-18', 'db-3'] }) },
      ],
    }),
  );
  return server;
}

async function startFleet() {
  fleetHandler = createMcpHandler(buildFleetServer, {
    onerror: (e) => log('[fleet-tools] error:', e.message),
    keepAliveMs: 0,
  });
  const node = toNodeHandler(fleetHandler);
  const validateHost = hostHeaderValidation(['mcp2-tools.corp.test']);
  return listenNode(
    (req, res) => {
      logReq('fleet-tools', req);
      if (!validateHost(req, res)) return;
      if (new URL(req.url, 'http://x').pathname !== '/mcp') {
        res.writeHead(404).end();
        return;
      }
      void node(req, res);
    },
    ADDR.S_V2,
    3000,
    'mcp2-tools.corp.test',
  );
}

// ---------------------------------- v2 server "vault-tools", static bearer --
function buildVaultServer() {
  const server = new McpServer({ name: 'vault-tools', version: '1.0.3' }, { capabilities: { tools: {} } });
  server.registerTool(
    'list_secrets',
    {
      description: 'List secret names (never values) under a path.',
      inputSchema: z.object({ path: z.string() }),
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ path }) => ({ content: [{ type: 'text', text: `${path}: db-password, api-token, tls-key` }] }),
  );
  server.registerTool(
    'revoke_secret',
    {
      description: 'Revoke a secret immediately; dependent services lose access.',
      inputSchema: z.object({ path: z.string(), name: z.string() }),
      annotations: { destructiveHint: true, readOnlyHint: false, idempotentHint: true },
    },
    async ({ path, name }) => ({ content: [{ type: 'text', text: `Revoked ${path}/${name}.` }] }),
  );
  return server;
}

async function startVault() {
  const KEY = testKey(1);
  // OAuthTokenVerifier for one static key (the SDK's bearer helpers require expiresAt).
  const verifier = {
    async verifyAccessToken(token) {
      if (token !== KEY) throw new OAuthError(OAuthErrorCode.InvalidToken, 'Unknown token');
      return { token, clientId: 'vault-cli', scopes: ['vault:read', 'vault:write'], expiresAt: Math.floor(Date.now() / 1000) + 3600 };
    },
  };
  const gate = requireBearerAuth({ verifier });
  const handler = createMcpHandler(buildVaultServer, { onerror: (e) => log('[vault-tools] error:', e.message), keepAliveMs: 0 });
  const node = toNodeHandler(handler);
  const validateHost = hostHeaderValidation(['mcp2-secure.corp.test']);
  return listenNode(
    async (req, res) => {
      logReq('vault-tools', req);
      if (!validateHost(req, res)) return;
      // Header-only web Request for the SDK's fetch-style bearer gate; the body
      // stays unread in `req` for toNodeHandler.
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
      const auth = await gate(new Request(`http://${req.headers.host}${req.url}`, { method: 'HEAD', headers }));
      if (auth instanceof Response) {
        const body = Buffer.from(await auth.arrayBuffer());
        res.writeHead(auth.status, Object.fromEntries(auth.headers)).end(body);
        return;
      }
      req.auth = auth; // forwarded by toNodeHandler as authInfo
      void node(req, res);
    },
    ADDR.S_V2_SECURE,
    3000,
    'mcp2-secure.corp.test',
  );
}

// ------------------------------------------ v1 servers (@modelcontextprotocol/sdk 1.x)
function buildInventoryV1(name, version) {
  const server = new McpServerV1({ name, version }, { capabilities: {} });
  server.registerTool(
    'find_asset',
    {
      description: 'Look up an asset by tag in the inventory database.',
      inputSchema: { tag: z.string() },
      annotations: { readOnlyHint: true },
    },
    async ({ tag }) => ({ content: [{ type: 'text', text: `${tag}: Dell R750, rack B4, in service` }] }),
  );
  server.registerTool(
    'retire_asset',
    {
      description: 'Mark an asset as retired and delete its records.',
      inputSchema: { tag: z.string() },
      annotations: { destructiveHint: true, readOnlyHint: false },
    },
    async ({ tag }) => ({ content: [{ type: 'text', text: `${tag} retired.` }] }),
  );
  return server;
}

// Stateful, as the SDK 1.x README's "With Session Management" example.
async function startV1Stateful() {
  const app = createMcpExpressAppV1({ host: ADDR.S_V1, allowedHosts: ['mcp-v1.corp.test'] });
  app.use((req, _res, next) => (logReq('v1-stateful', req), next()));
  const transports = {};
  app.post('/mcp', async (req, res) => {
    const sid = req.headers['mcp-session-id'];
    let transport;
    if (sid && transports[sid]) {
      transport = transports[sid];
    } else if (!sid && isInitializeRequestV1(req.body)) {
      transport = new StreamableHTTPServerTransportV1({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          transports[id] = transport;
        },
      });
      transport.onclose = () => {
        if (transport.sessionId) delete transports[transport.sessionId];
      };
      await buildInventoryV1('legacy-inventory', '1.8.3').connect(transport);
    } else {
      res.status(400).json({ jsonrpc: '2.0', error: { code: -32000, message: 'Bad Request: No valid session ID provided' }, id: null });
      return;
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
  return listenNode(app, ADDR.S_V1, 3000, 'mcp-v1.corp.test');
}

// Stateless + JSON responses, as the SDK 1.x README's stateless example.
async function startV1Stateless() {
  const app = createMcpExpressAppV1({ host: ADDR.S_V1_STATELESS, allowedHosts: ['mcp-v1-stateless.corp.test'] });
  app.use((req, _res, next) => (logReq('v1-stateless', req), next()));
  app.post('/mcp', async (req, res) => {
    const server = buildInventoryV1('legacy-billing', '0.4.0');
    const transport = new StreamableHTTPServerTransportV1({ sessionIdGenerator: undefined, enableJsonResponse: true });
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
  return listenNode(app, ADDR.S_V1_STATELESS, 8080, 'mcp-v1-stateless.corp.test');
}

await Promise.all([startFleet(), startVault(), startV1Stateful(), startV1Stateless()]);
process.stdout.write('READY\n');
