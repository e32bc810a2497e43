// MCP clients for the clear-text twin captures (record-twins-mcp), built from
// the official, unmodified MCP TypeScript SDKs.
//
// Usage: node clients.mjs SCENARIO MODE
//   SCENARIO: sdk-v1 | sdk-v2 | oauth
//   MODE:     tls (https://HOST/mcp) | http (http://HOST:8080/mcp)
// The same code runs in both modes; only the URL scheme and port differ.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADDR, base, boundFetch, log } from './common.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const show = (label, obj) => log(`  ${label}: ${JSON.stringify(obj).slice(0, 200)}`);
const toolText = (r) => r.content?.map((c) => c.text).join(' ');

// ------------------------------------------------ 1. SDK v1 client -> v1 server
async function sdkV1(mode) {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
  const fetch = boundFetch(ADDR.C_V1);
  const client = new Client({ name: 'twin-agent-v1', version: '1.2.0', title: 'Twin Agent (SDK v1)' }, { capabilities: {} });
  const transport = new StreamableHTTPClientTransport(new URL(`${base('mcp.corp.test', mode)}/mcp`), { fetch });
  await client.connect(transport);
  log(`  session ${transport.sessionId}, protocol ${transport.protocolVersion}`);
  show('tools', (await client.listTools()).tools.map((t) => t.name));
  show('search_docs', toolText(await client.callTool({ name: 'search_docs', arguments: { query: 'vpn certificate expired', limit: 3 } })));
  show('create_ticket', toolText(await client.callTool({ name: 'create_ticket', arguments: { title: 'VPN certificate expired', priority: 'high' } })));
  show('resources', (await client.listResources()).resources.map((r) => r.uri));
  await transport.terminateSession(); // DELETE /mcp
  await client.close();
}

// ------------------------------------------------ 2. SDK v2 client -> v2 server
async function sdkV2(mode) {
  const { Client, StreamableHTTPClientTransport } = await import('@modelcontextprotocol/client');
  const fetch = boundFetch(ADDR.C_V2);
  const client = new Client(
    { name: 'twin-agent-v2', version: '2.1.0', title: 'Twin Agent (SDK v2)' },
    { capabilities: {}, versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(`${base('mcp2.corp.test', mode)}/mcp`), { fetch }));
  log(`  era ${client.getProtocolEra()}, protocol ${client.getNegotiatedProtocolVersion()}`);
  show('tools', (await client.listTools()).tools.map((t) => t.name));
  show('get_fleet_status', toolText(await client.callTool({ name: 'get_fleet_status', arguments: { region: 'eu-west-1' } })));
  show('restart_service', toolText(await client.callTool({ name: 'restart_service', arguments: { host: 'web-17', service: 'nginx' } })));
  show('resources', (await client.listResources()).resources.map((r) => r.uri));
  await client.close();
}

// ------------------------------- 3. stdio client -> mcp-remote -> OAuth + MCP
// An SDK v1 stdio client (the "desktop app") spawns the unmodified mcp-remote
// proxy. mcp-remote does the whole OAuth dance itself and opens the
// authorization URL with its bundled `open` -> xdg-open -> $BROWSER, which is
// fake-browser.sh (curl from the client address, then the redirect to
// mcp-remote's callback on localhost). bind-source.mjs, preloaded with
// --import, makes mcp-remote's connections start from ADDR.C_OAUTH.
async function oauth(mode) {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
  const url = `${base('mcp-secure.corp.test', mode)}/mcp`;
  const args = [
    '--import',
    path.join(HERE, 'bind-source.mjs'),
    path.join(HERE, 'node_modules/mcp-remote/dist/proxy.js'),
    url,
    '33418', // callback port: http://localhost:33418/oauth/callback
    '--transport',
    'http-only',
    ...(mode === 'http' ? ['--allow-http'] : []),
  ];
  const env = {};
  for (const k of ['PATH', 'HOME', 'NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS', 'SSLKEYLOGFILE', 'MCP_REMOTE_CONFIG_DIR', 'BROWSER']) {
    if (process.env[k] !== undefined) env[k] = process.env[k];
  }
  env.BIND_SOURCE_ADDRESS = ADDR.C_OAUTH;
  env.BROWSER_SOURCE_ADDRESS = ADDR.C_OAUTH;
  const client = new Client({ name: 'twin-desktop-app', version: '0.8.0' }, { capabilities: {} });
  const transport = new StdioClientTransport({ command: process.execPath, args, env, stderr: 'inherit' });
  await client.connect(transport);
  show('server', client.getServerVersion());
  show('tools', (await client.listTools()).tools.map((t) => t.name));
  show('search_docs', toolText(await client.callTool({ name: 'search_docs', arguments: { query: 'expense policy' } })));
  await client.close();
}

const scenarios = { 'sdk-v1': sdkV1, 'sdk-v2': sdkV2, oauth };
const [name, mode] = process.argv.slice(2);
if (!scenarios[name] || !['tls', 'http'].includes(mode)) {
  log(`usage: node clients.mjs {${Object.keys(scenarios).join('|')}} {tls|http}`);
  process.exit(2);
}
log(`== client ${name} ${mode}`);
await scenarios[name](mode);
process.exit(0);
