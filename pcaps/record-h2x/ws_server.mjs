// MCP server over WebSocket with permessage-deflate for pcaps/ws-deflate.pcap.
//
// The official, unmodified @modelcontextprotocol/sdk McpServer (server side)
// behind the `ws` package's WebSocketServer with perMessageDeflate enabled
// (threshold 0: every message is compressed; ws defaults otherwise, so no
// *_no_context_takeover: each direction keeps its LZ77 sliding window across
// messages). The SDK ships only a client-side WebSocket transport; the
// server-side transport below (one JSON-RPC message per text frame,
// subprotocol "mcp") follows record-mcp/servers.mjs.
//
// Usage: node ws_server.mjs ADDR PORT CAPTURE_FILE
//   Prints READY on stdout once listening; on stderr the upgrade (offered and
//   accepted Sec-WebSocket-Extensions) and each JSON-RPC method / result.
import fs from 'node:fs';
import http from 'node:http';
import { z } from 'zod';
import { WebSocketServer } from 'ws';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';

const [ADDR, PORT, CAPTURE_FILE] = process.argv.slice(2);
const capture = () => {
  try {
    return fs.readFileSync(CAPTURE_FILE, 'utf8').trim() || '-';
  } catch {
    return '-';
  }
};
const log = (peer, msg) => process.stderr.write(`[${capture()}] ${peer} ${msg}\n`);

class WsServerTransport {
  constructor(socket, peer) {
    this.socket = socket;
    this.peer = peer;
  }
  async start() {
    this.socket.on('message', (data, isBinary) => {
      let msg;
      try {
        msg = JSONRPCMessageSchema.parse(JSON.parse(data.toString('utf8')));
      } catch (e) {
        this.onerror?.(e);
        return;
      }
      log(this.peer, `<- ${isBinary ? 'binary' : 'text'} ${data.length} bytes ${msg.method ?? `response id=${msg.id}`}`);
      this.onmessage?.(msg);
    });
    this.socket.on('close', (code) => {
      log(this.peer, `closed (${code})`);
      this.onclose?.();
    });
    this.socket.on('error', (e) => this.onerror?.(e));
  }
  async send(message) {
    const text = JSON.stringify(message);
    log(this.peer, `-> text ${Buffer.byteLength(text)} bytes ${message.method ?? `result id=${message.id}`}`);
    this.socket.send(text);
  }
  async close() {
    this.socket.close();
  }
}

// A file-system / dev-tools server: enough tools with long descriptions that
// the tools/list result is several KB.
const FILES = {
  '/srv/app/config/settings.yaml': `# Application settings (production)
server:
  host: 0.0.0.0
  port: 8080
  workers: 8
  request_timeout_seconds: 30
  max_body_bytes: 10485760
database:
  url: postgresql://app@db.corp.test:5432/app
  pool_size: 20
  pool_timeout_seconds: 10
  statement_timeout_ms: 15000
cache:
  url: redis://cache.corp.test:6379/0
  default_ttl_seconds: 300
llm:
  provider: openai
  base_url: https://api.openai.com/v1
  model: gpt-4o-mini
  temperature: 0.2
  max_tokens: 1024
  timeout_seconds: 60
logging:
  level: info
  format: json
  include_request_ids: true
features:
  enable_tool_calls: true
  enable_streaming: true
  enable_audit_log: true
`,
  '/srv/app/config/logging.yaml': `# Logging configuration (production)
version: 1
formatters:
  json:
    class: app.logging.JsonFormatter
    fields: [timestamp, level, logger, message, request_id]
handlers:
  console:
    class: logging.StreamHandler
    formatter: json
    level: info
  audit:
    class: logging.handlers.RotatingFileHandler
    filename: /var/log/app/audit.log
    maxBytes: 10485760
    backupCount: 5
    formatter: json
loggers:
  app:
    level: info
    handlers: [console, audit]
  app.llm:
    level: info
    handlers: [console, audit]
`,
};

function buildServer() {
  const server = new McpServer(
    { name: 'workspace-files', version: '1.7.2', title: 'Workspace Files MCP Server' },
    { capabilities: { logging: {} }, instructions: 'Read, search and list files in the /srv/app workspace.' },
  );
  const text = (t) => ({ content: [{ type: 'text', text: t }] });
  server.registerTool(
    'read_file',
    {
      title: 'Read file',
      description:
        'Read the complete contents of a file from the workspace. Handles text files with any encoding; ' +
        'use the optional head / tail parameters to read only the first or last N lines of a large file. ' +
        'Only works within the allowed directories.',
      inputSchema: {
        path: z.string().describe('Absolute path of the file to read'),
        head: z.number().int().optional().describe('If given, return only the first N lines'),
        tail: z.number().int().optional().describe('If given, return only the last N lines'),
      },
      annotations: { readOnlyHint: true },
    },
    async ({ path }) => text(FILES[path] ?? `Error: ENOENT: no such file or directory, open '${path}'`),
  );
  server.registerTool(
    'write_file',
    {
      title: 'Write file',
      description:
        'Create a new file or completely overwrite an existing file with new content. Use with caution as it ' +
        'will overwrite existing files without warning. Only works within the allowed directories.',
      inputSchema: {
        path: z.string().describe('Absolute path of the file to write'),
        content: z.string().describe('New contents of the file'),
      },
      annotations: { destructiveHint: true },
    },
    async ({ path }) => text(`Successfully wrote to ${path}`),
  );
  server.registerTool(
    'list_directory',
    {
      title: 'List directory',
      description:
        'Get a detailed listing of all files and directories in a specified path. Results clearly distinguish ' +
        'between files and directories with [FILE] and [DIR] prefixes. Only works within the allowed directories.',
      inputSchema: { path: z.string().describe('Absolute path of the directory to list') },
      annotations: { readOnlyHint: true },
    },
    async ({ path }) => text(Object.keys(FILES).filter((f) => f.startsWith(path)).map((f) => `[FILE] ${f}`).join('\n')),
  );
  server.registerTool(
    'search_files',
    {
      title: 'Search files',
      description:
        'Recursively search for files and directories matching a pattern, and for lines inside files that ' +
        'contain the pattern. Searches through all subdirectories from the starting path. The search is ' +
        'case-insensitive and matches partial names. Only searches within the allowed directories.',
      inputSchema: {
        path: z.string().describe('Absolute path of the directory to start from'),
        pattern: z.string().describe('Text to look for in file names and file contents'),
        excludePatterns: z.array(z.string()).optional().describe('Glob patterns of paths to skip'),
      },
      annotations: { readOnlyHint: true },
    },
    async ({ path, pattern }) => {
      const hits = [];
      for (const [f, body] of Object.entries(FILES)) {
        if (!f.startsWith(path)) continue;
        body.split('\n').forEach((line, i) => {
          if (line.toLowerCase().includes(pattern.toLowerCase())) hits.push(`${f}:${i + 1}: ${line}`);
        });
      }
      return text(hits.join('\n') || 'No matches found');
    },
  );
  server.registerTool(
    'get_file_info',
    {
      title: 'Get file info',
      description:
        'Retrieve detailed metadata about a file or directory: size, creation time, last modified time, ' +
        'permissions and type. Only works within the allowed directories.',
      inputSchema: { path: z.string().describe('Absolute path of the file or directory') },
      annotations: { readOnlyHint: true },
    },
    async ({ path }) => text(`path: ${path}\ntype: file\nsize: ${(FILES[path] ?? '').length}\npermissions: 0644`),
  );
  server.registerTool(
    'run_command',
    {
      title: 'Run command',
      description:
        'Run a shell command in the workspace and return its standard output, standard error and exit ' +
        'status. Commands run as the workspace user with a 60 second timeout.',
      inputSchema: {
        command: z.string().describe('The shell command line to run'),
        cwd: z.string().optional().describe('Working directory (default /srv/app)'),
      },
      annotations: { destructiveHint: true, openWorldHint: true },
    },
    async ({ command }) => text(`$ ${command}\n(exit status 0)`),
  );
  return server;
}

const httpServer = http.createServer((req, res) => {
  res.writeHead(426, { 'content-type': 'text/plain' });
  res.end('Upgrade Required');
});
const wss = new WebSocketServer({
  server: httpServer,
  path: '/mcp',
  handleProtocols: (protocols) => (protocols.has('mcp') ? 'mcp' : false),
  perMessageDeflate: { threshold: 0 },
});
wss.on('connection', async (socket, req) => {
  const peer = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
  log(
    peer,
    `${req.method} ${req.url} upgraded (subprotocol ${socket.protocol}); offered extensions: ` +
      `${req.headers['sec-websocket-extensions'] ?? '-'}; accepted: ${socket.extensions || '-'}`,
  );
  await buildServer().connect(new WsServerTransport(socket, peer));
});
httpServer.listen(Number(PORT), ADDR, () => console.log(`READY ws://${ADDR}:${PORT}/mcp`));
