// MCP clients for the aisensor 2026-07-28 reference captures (record-mcp2),
// built from the official, unmodified npm @modelcontextprotocol/client 2.x.
//
// Usage: node clients.mjs SCENARIO
//   SCENARIO: pinned | auto-v2 | auto-v1 | bearer | subscription | default-legacy
// Each scenario connects from its own loopback source address (undici Agent
// with localAddress, passed to the SDK transport as its `fetch`).
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { ADDR, boundFetch, testKey, sleep, log } from './common.mjs';

const show = (label, obj) => log(`  ${label}: ${JSON.stringify(obj).slice(0, 200)}`);
const toolText = (r) => r.content?.map((c) => c.text).join(' ');
const FLEET_URL = new URL('http://mcp2-tools.corp.test:3000/mcp');

function describe(client) {
  log(
    `  era ${client.getProtocolEra()}, protocol ${client.getNegotiatedProtocolVersion()}, server ${JSON.stringify(client.getServerVersion())}`,
  );
}

// Elicitation handler: fulfils embedded `elicitation/create` requests of
// input_required results (2026-07-28) -- and server->client requests on 2025.
function acceptConfirmations(client) {
  client.setRequestHandler('elicitation/create', async (req) => {
    log(`  elicitation: ${req.params.message} -> accept`);
    return { action: 'accept', content: { confirm: true } };
  });
}

// ------------------------------------------ 1. pinned to 2026-07-28, v2 server
// Also: tool annotations (readOnlyHint / destructiveHint, both called), the
// Mcp-Param-Region header (x-mcp-header) and an input_required round trip.
async function pinned() {
  const fetch = boundFetch(ADDR.C_PINNED);
  const client = new Client(
    { name: 'release-copilot', version: '2.0.0', title: 'Release Copilot' },
    { capabilities: { elicitation: { form: {} } }, versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  acceptConfirmations(client);
  await client.connect(new StreamableHTTPClientTransport(FLEET_URL, { fetch }));
  describe(client);
  show('tools', (await client.listTools()).tools.map((t) => [t.name, t.annotations]));
  show('get_fleet_status', toolText(await client.callTool({ name: 'get_fleet_status', arguments: { region: 'eu-west-1' } })));
  show('decommission_host', toolText(await client.callTool({ name: 'decommission_host', arguments: { host: 'web-17', reason: 'disk failure' } })));
  await client.close();
}

// --------------------------------------------------- 2. auto -> v2 server
async function autoV2() {
  const fetch = boundFetch(ADDR.C_AUTO_V2);
  const client = new Client(
    { name: 'ide-agent', version: '0.9.1' },
    { capabilities: { elicitation: { form: {} } }, versionNegotiation: { mode: 'auto' } },
  );
  acceptConfirmations(client);
  await client.connect(new StreamableHTTPClientTransport(FLEET_URL, { fetch }));
  describe(client);
  show('tools', (await client.listTools()).tools.map((t) => t.name));
  // With a progress callback: the request carries _meta.progressToken and the
  // server answers over SSE (notifications/progress, then the result).
  const r = await client.callTool(
    { name: 'get_fleet_status', arguments: { region: 'us-east-2', include_drained: true } },
    { onprogress: (p) => log(`  progress ${p.progress}/${p.total} ${p.message ?? ''}`) },
  );
  show('get_fleet_status', toolText(r));
  show('decommission_host', toolText(await client.callTool({ name: 'decommission_host', arguments: { host: 'web-18' } })));
  await client.close();
}

// ------------------------------------- 3. auto -> v1 servers (stateful, stateless)
async function autoV1() {
  const fetch = boundFetch(ADDR.C_AUTO_V1);
  for (const url of ['http://mcp-v1.corp.test:3000/mcp', 'http://mcp-v1-stateless.corp.test:8080/mcp']) {
    log(`  -> ${url}`);
    const client = new Client({ name: 'ops-console', version: '5.1.0' }, { capabilities: {}, versionNegotiation: { mode: 'auto' } });
    const transport = new StreamableHTTPClientTransport(new URL(url), { fetch });
    await client.connect(transport);
    describe(client);
    show('tools', (await client.listTools()).tools.map((t) => [t.name, t.annotations]));
    show('find_asset', toolText(await client.callTool({ name: 'find_asset', arguments: { tag: 'SRV-00412' } })));
    show('retire_asset', toolText(await client.callTool({ name: 'retire_asset', arguments: { tag: 'SRV-00077' } })));
    if (transport.sessionId) await transport.terminateSession(); // DELETE /mcp
    await client.close();
  }
}

// ---------------------------------------------- 4. static bearer token, v2
async function bearer() {
  const fetch = boundFetch(ADDR.C_BEARER);
  const url = new URL('http://mcp2-secure.corp.test:3000/mcp');
  // (a) no credentials: the probe is answered 401 and connect() fails.
  {
    const client = new Client({ name: 'vault-cli', version: '1.2.0' }, { versionNegotiation: { mode: 'auto' } });
    try {
      await client.connect(new StreamableHTTPClientTransport(url, { fetch }));
      log('  unexpected: connected without a token');
    } catch (e) {
      log(`  without token: ${e.constructor.name} ${e.code ?? ''} ${e.message}`);
    }
  }
  // (b) static bearer token through the v2 AuthProvider ({ token }) seam.
  {
    const client = new Client({ name: 'vault-cli', version: '1.2.0' }, { versionNegotiation: { mode: 'auto' } });
    const transport = new StreamableHTTPClientTransport(url, { fetch, authProvider: { token: async () => testKey(1) } });
    await client.connect(transport);
    describe(client);
    show('tools', (await client.listTools()).tools.map((t) => [t.name, t.annotations]));
    show('list_secrets', toolText(await client.callTool({ name: 'list_secrets', arguments: { path: 'prod/payments' } })));
    show('revoke_secret', toolText(await client.callTool({ name: 'revoke_secret', arguments: { path: 'prod/payments', name: 'api-token' } })));
    await client.close();
  }
}

// ------------------------------------------------ 5. subscriptions/listen
async function subscription() {
  const fetch = boundFetch(ADDR.C_SUBSCRIBE);
  const client = new Client(
    { name: 'dashboard-agent', version: '3.3.0' },
    { capabilities: {}, versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  const got = [];
  let resolveAll;
  const all = new Promise((r) => (resolveAll = r));
  const seen = (n) => {
    got.push(n.method);
    log(`  notification ${n.method} ${JSON.stringify(n.params ?? {})}`);
    if (got.length >= 2) resolveAll();
  };
  client.setNotificationHandler('notifications/resources/updated', seen);
  client.setNotificationHandler('notifications/tools/list_changed', seen);
  await client.connect(new StreamableHTTPClientTransport(FLEET_URL, { fetch }));
  describe(client);
  show('tools', (await client.listTools()).tools.map((t) => t.name));
  const sub = await client.listen({ toolsListChanged: true, resourcesListChanged: true, resourceSubscriptions: ['fleet://inventory'] });
  show('honoredFilter', sub.honoredFilter);
  show('read', (await client.readResource({ uri: 'fleet://inventory' })).contents[0].text);
  show('add_host', toolText(await client.callTool({ name: 'add_host', arguments: { host: 'web-19', region: 'eu-west-1' } })));
  await Promise.race([all, sleep(3000)]);
  show('notifications', got);
  await sleep(200);
  await sub.close();
  log(`  subscription closed: ${await sub.closed}`);
  await sleep(500);
  await client.close();
}

// ------------------- 6. v2 client with default options (mode 'legacy') -> v2 server
async function defaultLegacy() {
  const fetch = boundFetch(ADDR.C_DEFAULT);
  const client = new Client({ name: 'notebook-assistant', version: '0.2.0' }, { capabilities: {} });
  const transport = new StreamableHTTPClientTransport(FLEET_URL, { fetch });
  await client.connect(transport);
  describe(client);
  show('tools', (await client.listTools()).tools.map((t) => t.name));
  show('get_fleet_status', toolText(await client.callTool({ name: 'get_fleet_status', arguments: { region: 'ap-south-1' } })));
  await client.close();
}

const scenarios = { pinned, 'auto-v2': autoV2, 'auto-v1': autoV1, bearer, subscription, 'default-legacy': defaultLegacy };
const name = process.argv[2];
if (!scenarios[name]) {
  log(`usage: node clients.mjs {${Object.keys(scenarios).join('|')}}`);
  process.exit(2);
}
log(`== client ${name}`);
await scenarios[name]();
process.exit(0);
