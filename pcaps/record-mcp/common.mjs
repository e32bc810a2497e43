// Shared helpers for the MCP / OAuth / A2A recorder.
import fs from 'node:fs';
import { Agent, fetch as undiciFetch } from 'undici';

// Address plan (must match record.sh). Clients 127.0.3.x, servers 127.0.4.x.
export const ADDR = {
  C_STATEFUL: '127.0.3.1', // MCP client "corp-assistant" (Streamable HTTP, stateful)
  C_STATELESS: '127.0.3.2', // MCP client "ci-release-bot" (Streamable HTTP, stateless)
  C_LEGACY: '127.0.3.3', // MCP client "legacy-desktop-agent" (HTTP+SSE)
  C_OAUTH: '127.0.3.4', // MCP client "secure-copilot" (OAuth) + its "browser" leg
  C_WS: '127.0.3.5', // MCP client "ws-agent" (WebSocket)
  C_A2A: '127.0.3.6', // A2A client, @a2a-js/sdk 1.x (protocol v1.0)
  C_A2A03: '127.0.3.8', // A2A client, @a2a-js/sdk 0.3.x (protocol v0.3)
  C_STATIC: '127.0.3.7', // MCP client "ops-bot" (static bearer / token in URL)
  S_STATEFUL: '127.0.4.1', // mcp-tools.corp.test:3000
  S_STATELESS: '127.0.4.2', // mcp-stateless.corp.test:8080
  S_LEGACY: '127.0.4.3', // mcp-legacy.corp.test:3001
  S_OAUTH_MCP: '127.0.4.4', // mcp-secure.corp.test:3000 (OAuth resource server)
  S_AUTH: '127.0.4.5', // auth.corp.test:80 (OAuth authorization server)
  S_WS: '127.0.4.6', // mcp-ws.corp.test:8765
  S_A2A: '127.0.4.7', // agent.corp.test:9999
  S_STATIC: '127.0.4.8', // mcp-static.corp.test:3000
};

// A fetch whose connections originate from `localAddress` (undici Agent).
export function boundFetch(localAddress) {
  const dispatcher = new Agent({ localAddress, keepAliveTimeout: 10_000 });
  const f = (input, init = {}) => undiciFetch(input, { ...init, dispatcher });
  f.dispatcher = dispatcher;
  return f;
}

// Secrets that appeared on the wire are appended to $WIRE_SECRETS_OUT (one per line).
export function wireSecret(label, value) {
  if (!value) return;
  process.stderr.write(`[secret] ${label}\n`);
  if (process.env.WIRE_SECRETS_OUT) fs.appendFileSync(process.env.WIRE_SECRETS_OUT, `${value}\n`);
}

// Static secrets from test-keys.txt (line N, 1-based).
export function testKey(n) {
  const lines = fs
    .readFileSync(new URL('./test-keys.txt', import.meta.url), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  return lines[n - 1];
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const log = (...a) => process.stderr.write(a.join(' ') + '\n');
