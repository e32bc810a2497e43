// Shared helpers for the MCP 2026-07-28 recorder (record-mcp2).
import fs from 'node:fs';
import { Agent, fetch as undiciFetch } from 'undici';

// Address plan (must match record.sh). Clients 127.0.5.1-6, servers 127.0.5.101-104
// (all in 127.0.5.0/24; 127.0.6.x and 127.0.7.x are used by the QUIC recorder).
export const ADDR = {
  C_PINNED: '127.0.5.1', // v2 client "release-copilot", pinned to 2026-07-28
  C_AUTO_V2: '127.0.5.2', // v2 client "ide-agent", auto negotiation -> v2 server
  C_AUTO_V1: '127.0.5.3', // v2 client "ops-console", auto negotiation -> v1 servers
  C_BEARER: '127.0.5.4', // v2 client "vault-cli", static bearer token
  C_SUBSCRIBE: '127.0.5.5', // v2 client "dashboard-agent", subscriptions/listen
  C_DEFAULT: '127.0.5.6', // v2 client "notebook-assistant", default (legacy) negotiation
  S_V2: '127.0.5.101', // mcp2-tools.corp.test:3000   v2 server "fleet-tools" (createMcpHandler)
  S_V1: '127.0.5.102', // mcp-v1.corp.test:3000        v1 server "legacy-inventory", stateful
  S_V1_STATELESS: '127.0.5.103', // mcp-v1-stateless.corp.test:8080  v1 server "legacy-billing", stateless JSON
  S_V2_SECURE: '127.0.5.104', // mcp2-secure.corp.test:3000  v2 server "vault-tools", static bearer check
};

// A fetch whose connections originate from `localAddress` (undici Agent).
export function boundFetch(localAddress) {
  const dispatcher = new Agent({ localAddress, keepAliveTimeout: 10_000 });
  const f = (input, init = {}) => undiciFetch(input, { ...init, dispatcher });
  f.dispatcher = dispatcher;
  return f;
}

// Static secrets from test-keys.txt (line N, 1-based, comments skipped).
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
