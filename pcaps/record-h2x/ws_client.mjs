// MCP client over WebSocket with permessage-deflate for pcaps/ws-deflate.pcap.
//
// The official, unmodified @modelcontextprotocol/sdk Client with its
// WebSocketClientTransport. The transport uses the global WebSocket; here that
// is the `ws` package's WebSocket (Node 20 has no global WebSocket), bound to
// the client's source address, with perMessageDeflate { threshold: 0 } so every
// client message is compressed too (ws's default threshold, 1024 bytes, would
// leave the small requests uncompressed). ws offers
// `permessage-deflate; client_max_window_bits` and keeps the sliding window
// across messages (no *_no_context_takeover).
//
// With IMPL "undici" the global WebSocket is undici's instead (the one Node
// >= 22 exposes as the global, as in record-mcp): it offers the same
// `permessage-deflate; client_max_window_bits` and inflates what it receives,
// but sends its own messages uncompressed (RSV1 clear).
//
// Usage: node ws_client.mjs SRC_ADDR URL [ws|undici]
import WebSocket from 'ws';
import { Agent, WebSocket as UndiciWebSocket } from 'undici';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';

const [SRC, URL_, IMPL = 'ws'] = process.argv.slice(2);
if (IMPL === 'undici') {
  const dispatcher = new Agent({ localAddress: SRC });
  globalThis.WebSocket = class extends UndiciWebSocket {
    constructor(url, protocols) {
      super(url, { protocols, dispatcher });
      this.addEventListener('open', () => console.log(`open, extensions: ${this.extensions}`));
    }
  };
} else {
  globalThis.WebSocket = class extends WebSocket {
    constructor(url, protocols) {
      super(url, protocols, { localAddress: SRC, perMessageDeflate: { threshold: 0 } });
      this.on('upgrade', (res) => console.log(`101, Sec-WebSocket-Extensions: ${res.headers['sec-websocket-extensions']}`));
    }
  };
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const client = new Client({ name: 'ide-agent', version: '1.4.0' }, { capabilities: {} });
await client.connect(new WebSocketClientTransport(new URL(URL_)));
console.log(`initialized: ${JSON.stringify(client.getServerVersion())}`);
await sleep(100);
const tools = (await client.listTools()).tools;
console.log(`tools/list: ${tools.map((t) => t.name).join(', ')}`);
await sleep(100);
const first = (r) => r.content[0].text.split('\n')[0];
let r = await client.callTool({ name: 'read_file', arguments: { path: '/srv/app/config/settings.yaml' } });
console.log(`tools/call read_file: ${r.content[0].text.length} chars, "${first(r)}"`);
await sleep(100);
r = await client.callTool({ name: 'search_files', arguments: { path: '/srv/app', pattern: 'timeout' } });
console.log(`tools/call search_files: ${r.content[0].text.split('\n').length} hits`);
await sleep(100);
r = await client.callTool({ name: 'read_file', arguments: { path: '/srv/app/config/logging.yaml' } });
console.log(`tools/call read_file: ${r.content[0].text.length} chars, "${first(r)}"`);
await sleep(100);
await client.close();
await sleep(200);
