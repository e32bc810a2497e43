// The corporate MCP server the products talk to (record-products): official,
// unmodified npm @modelcontextprotocol/sdk 1.x (`McpServer` +
// `StreamableHTTPServerTransport`, stateful, on express as in that package's
// README), plain HTTP on mcp-tools.corp.test:8080 (127.0.24.4), path /mcp.
//
// Tools: get_build_status (read-only; the one the mock LLMs make the products
// call) and restart_service (destructive, listed but never called).
// Logs every HTTP request with its MCP headers and, for initialize, the
// client's clientInfo and protocolVersion; for tools/call, the tool name and
// arguments. Prints "READY" on stdout once listening.
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';

const ADDR = '127.0.24.4';
const PORT = 8080;
const NAME = 'mcp-tools.corp.test';
const log = (...a) => process.stderr.write(a.join(' ') + '\n');

function buildServer() {
  const server = new McpServer(
    { name: 'corp-tools', version: '3.1.0', title: 'Corp engineering tools' },
    { capabilities: { tools: {} }, instructions: 'Build and service tools of the engineering department.' },
  );
  server.registerTool(
    'get_build_status',
    {
      title: 'Build status',
      description: 'Status of the latest CI build of a project.',
      inputSchema: { project: z.string().describe('Project name, e.g. aisensor') },
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ project }) => ({
      content: [{ type: 'text', text: `${project}: build #1842 passed on main (commit 3f9c2e1), 412 tests, 0 failures.` }],
    }),
  );
  server.registerTool(
    'restart_service',
    {
      title: 'Restart service',
      description: 'Restart a production service (drops its connections).',
      inputSchema: { service: z.string() },
      annotations: { destructiveHint: true, readOnlyHint: false },
    },
    async ({ service }) => ({ content: [{ type: 'text', text: `${service} restarted.` }] }),
  );
  return server;
}

const app = createMcpExpressApp({ host: ADDR, allowedHosts: [NAME] });
app.use((req, _res, next) => {
  const h = req.headers;
  const extra = ['mcp-protocol-version', 'mcp-session-id', 'user-agent', 'accept', 'authorization']
    .filter((k) => h[k])
    .map((k) => `${k}=${JSON.stringify(k === 'authorization' ? h[k].slice(0, 12) + '…' : h[k])}`);
  let rpc = '';
  const b = req.body;
  for (const m of Array.isArray(b) ? b : b ? [b] : []) {
    rpc += ` ${m.method ?? 'response'}`;
    if (m.method === 'initialize') rpc += ` clientInfo=${JSON.stringify(m.params?.clientInfo)} protocolVersion=${m.params?.protocolVersion} capabilities=${JSON.stringify(m.params?.capabilities)}`;
    if (m.method === 'tools/call') rpc += ` name=${m.params?.name} arguments=${JSON.stringify(m.params?.arguments)}`;
  }
  log(`[mcp] ${req.socket.remoteAddress} ${req.method} ${req.url}${rpc} ${extra.join(' ')}`);
  next();
});
const transports = {};
app.post('/mcp', async (req, res) => {
  const sid = req.headers['mcp-session-id'];
  let transport;
  if (sid && transports[sid]) {
    transport = transports[sid];
  } else if (!sid && isInitializeRequest(req.body)) {
    transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        transports[id] = transport;
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) delete transports[transport.sessionId];
    };
    await buildServer().connect(transport);
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
// OAuth discovery probes (a client may look before/without a 401): plain 404.
app.use((req, res) => res.status(404).json({ error: 'not_found' }));

app.listen(PORT, ADDR, (err) => {
  if (err) throw err;
  log(`[mcp] corp-tools listening on ${NAME}:${PORT} (${ADDR})`);
  process.stdout.write('READY\n');
});
