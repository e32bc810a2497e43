// A2A server agent ("Travel Planner") built from the official @a2a-js/sdk
// (v1.0 protocol, JSON-RPC binding, v0.3 compatibility layer enabled so that
// v0.3 clients speaking message/send, message/stream, tasks/get are served
// too). Listens on agent.corp.test:9999 (127.0.4.7), plain HTTP.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import express from 'express';
import { TaskState, Role, AGENT_CARD_PATH } from '@a2a-js/sdk';
import { DefaultRequestHandler, InMemoryTaskStore, AgentEvent } from '@a2a-js/sdk/server';
import { agentCardHandler, jsonRpcHandler, UserBuilder } from '@a2a-js/sdk/server/express';
import { ADDR, log, sleep } from './common.mjs';

const BASE = 'http://agent.corp.test:9999';

const textPart = (text) => ({ content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: 'text/plain' });
const agentMessage = (ctx, text) => ({
  messageId: randomUUID(),
  contextId: ctx.contextId,
  taskId: ctx.taskId,
  role: Role.ROLE_AGENT,
  parts: [textPart(text)],
  metadata: undefined,
  extensions: [],
  referenceTaskIds: [],
});

const agentCard = {
  name: 'Travel Planner Agent',
  description: 'Plans business trips: finds flights and books hotels within the travel policy.',
  supportedInterfaces: [
    { url: `${BASE}/a2a/jsonrpc`, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '1.0' },
    { url: `${BASE}/a2a/jsonrpc`, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '0.3' },
  ],
  provider: { organization: 'Corp Travel', url: 'http://travel.corp.test' },
  version: '1.2.0',
  documentationUrl: 'http://travel.corp.test/docs/agent',
  capabilities: { streaming: true, pushNotifications: false, extensions: [], extendedAgentCard: false },
  securitySchemes: {},
  securityRequirements: [],
  defaultInputModes: ['text/plain'],
  defaultOutputModes: ['text/plain', 'application/json'],
  skills: [
    {
      id: 'find_flights',
      name: 'Find flights',
      description: 'Search flights between two cities on a date, within the travel policy.',
      tags: ['travel', 'flights'],
      examples: ['Find a flight from Berlin to Lisbon on 3 March'],
      inputModes: ['text/plain'],
      outputModes: ['application/json'],
      securityRequirements: [],
    },
    {
      id: 'book_hotel',
      name: 'Book hotel',
      description: 'Book a hotel room near a given address.',
      tags: ['travel', 'hotels', 'booking'],
      examples: ['Book a hotel near the Lisbon office for two nights'],
      inputModes: ['text/plain'],
      outputModes: ['text/plain'],
      securityRequirements: [],
    },
  ],
  signatures: [],
};

class TravelExecutor {
  async execute(ctx, bus) {
    const text = ctx.userMessage.parts.map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join(' ');
    const stream = /hotel/i.test(text);
    const base = { taskId: ctx.taskId, contextId: ctx.contextId, metadata: undefined };
    if (!ctx.task) {
      bus.publish(
        AgentEvent.task({
          id: ctx.taskId,
          contextId: ctx.contextId,
          status: { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: new Date().toISOString() },
          artifacts: [],
          history: [ctx.userMessage],
          metadata: undefined,
        }),
      );
    }
    bus.publish(
      AgentEvent.statusUpdate({
        ...base,
        status: {
          state: TaskState.TASK_STATE_WORKING,
          message: agentMessage(ctx, stream ? 'Checking hotels near the office…' : 'Searching flights…'),
          timestamp: new Date().toISOString(),
        },
      }),
    );
    if (stream) await sleep(100);
    bus.publish(
      AgentEvent.artifactUpdate({
        ...base,
        artifact: {
          artifactId: randomUUID(),
          name: stream ? 'booking' : 'flights',
          description: '',
          parts: [
            stream
              ? textPart('Booked: Hotel Miradouro, 2 nights, confirmation HX-4471.')
              : textPart('TP 551 BER 07:05 → LIS 09:45, 189 EUR; LH 1166 BER 12:10 → LIS 16:40, 232 EUR'),
          ],
          metadata: undefined,
          extensions: [],
        },
        append: false,
        lastChunk: true,
      }),
    );
    if (stream) await sleep(100);
    bus.publish(
      AgentEvent.statusUpdate({
        ...base,
        status: {
          state: TaskState.TASK_STATE_COMPLETED,
          message: agentMessage(ctx, 'Done.'),
          timestamp: new Date().toISOString(),
        },
      }),
    );
    bus.finished();
  }
  async cancelTask() {}
}

export async function startA2A() {
  const handler = new DefaultRequestHandler(agentCard, new InMemoryTaskStore(), new TravelExecutor());
  const app = express();
  app.use((req, _res, next) => {
    log(`[a2a] ${req.socket.remoteAddress} ${req.method} ${req.url}`);
    next();
  });
  const card = agentCardHandler({ agentCardProvider: handler, legacyCompat: { enabled: true } });
  app.use(`/${AGENT_CARD_PATH}`, card); // /.well-known/agent-card.json (v1.0 and v0.3)
  app.use('/a2a/jsonrpc', jsonRpcHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication, legacyCompat: { enabled: true } }));
  await new Promise((r) => http.createServer(app).listen(9999, ADDR.S_A2A, r));
  log(`[servers] agent.corp.test listening on ${ADDR.S_A2A}:9999`);
}
