import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { Actor } from 'xstate';
import type { sessionMachine } from '../machines/session.machine.ts';
import type { SessionEventStore } from './event-store.ts';

/** One live MCP session: its transport, server, actor and bookkeeping. */
export interface McpSession {
  id: string;
  /** `userId` + credential id of the subject that created it; other subjects get 404. */
  subjectKey: string;
  clientName: string;
  clientVersion: string;
  transport: WebStandardStreamableHTTPServerTransport;
  server: McpServer;
  actor: Actor<typeof sessionMachine>;
  events: SessionEventStore;
  /** Clock ms of the last request. */
  lastSeen: number;
  /** Open GET (standalone SSE) streams; a listening session is not idle. */
  openStreams: number;
  closed: boolean;
}

/** The key binding a session to its subject. */
export function subjectKeyOf(userId: string, credentialId: string | undefined): string {
  return `${userId}\u0000${credentialId ?? ''}`;
}
