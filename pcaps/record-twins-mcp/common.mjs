// Shared helpers for the clear-text twin MCP recorder (record-twins-mcp).
import fs from 'node:fs';
import { Agent, fetch as undiciFetch } from 'undici';

// Address plan (must match record.sh). Clients 127.0.21.11-19, servers 127.0.21.1-9.
export const ADDR = {
  C_V1: '127.0.21.11', // SDK v1 client "twin-agent-v1"
  C_V2: '127.0.21.12', // SDK v2 client "twin-agent-v2"
  C_OAUTH: '127.0.21.13', // mcp-remote (stdio proxy) + its "browser" (curl)
  S_V1: '127.0.21.1', // mcp.corp.test         SDK v1 server "twin-tools-v1"
  S_V2: '127.0.21.2', // mcp2.corp.test        SDK v2 server "twin-tools-v2"
  S_SECURE: '127.0.21.3', // mcp-secure.corp.test  SDK v1 server "twin-secure-tools" (OAuth resource server)
  S_AUTH: '127.0.21.4', // auth.corp.test        OAuth authorization server (SDK mcpAuthRouter)
};

// Each server listens twice on its address: HTTPS on 443, plain HTTP on 8080.
export const PORT = { tls: 443, http: 8080 };

// Base URL of HOST in MODE (tls | http): https://HOST or http://HOST:8080.
export const base = (host, mode) => (mode === 'tls' ? `https://${host}` : `http://${host}:${PORT.http}`);

// A fetch whose connections originate from `localAddress` (undici Agent).
export function boundFetch(localAddress) {
  const dispatcher = new Agent({ localAddress, keepAliveTimeout: 10_000 });
  const f = (input, init = {}) => undiciFetch(input, { ...init, dispatcher });
  f.dispatcher = dispatcher;
  return f;
}

// Static fake secrets from test-keys.txt (line N, 1-based, comments skipped).
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
