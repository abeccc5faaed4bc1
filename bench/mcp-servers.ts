// The MCP servers the MCP benchmarks measure: Troupe's real composition with a finished run to
// read, and the bare SDK baselines (an `echo` tool, nothing else) for each protocol era, all on
// h3 + node:http on 127.0.0.1:0.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { H3, toNodeHandler } from 'h3';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { McpServer as McpServer2, createMcpHandler } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { createTroupe } from '../src/app.ts';
import type { Troupe } from '../src/app.ts';
import { defaultConfig } from '../src/config.ts';
import type { TroupeConfig } from '../src/config.ts';
import { createLogger } from '../src/core/index.ts';
import type { ToolCall } from './mcp-load.ts';

export const ECHO_CALL: ToolCall = { name: 'echo', arguments: { text: 'hi' } };

export interface BenchServer {
  url: string;
  close(): Promise<void>;
}

async function listen(app: H3): Promise<{ url: string; server: Server }> {
  const server = createServer(toNodeHandler(app));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/mcp`, server };
}

const closing = (server: Server) => async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
};

/** The baseline's default server: an `echo` tool and nothing else. */
function echoServer(): McpServer {
  const mcp = new McpServer({ name: 'bare', version: '1' });
  mcp.registerTool('echo', { description: 'echo', inputSchema: { text: z.string() } }, async ({ text }) => ({ content: [{ type: 'text', text }] }));
  return mcp;
}

/**
 * 2025-11-25 baseline: one SDK 1.x McpServer + web-standard transport (SSE) per session;
 * `serverFor` builds each session's server (default: the `echo` tool).
 */
export async function startBareLegacy(serverFor: () => McpServer = echoServer): Promise<BenchServer> {
  const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();
  const app = new H3().all('/mcp', async (event) => {
    const req = event.req;
    const sid = req.headers.get('mcp-session-id');
    const t = sid ? sessions.get(sid) : undefined;
    if (t) return t.handleRequest(req);
    const body = await req.json();
    if (!isInitializeRequest(body)) return new Response('bad', { status: 400 });
    const mcp = serverFor();
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: randomUUID, onsessioninitialized: (id) => void sessions.set(id, transport) });
    await mcp.connect(transport);
    return transport.handleRequest(req, { parsedBody: body });
  });
  const { url, server } = await listen(app);
  return { url, close: closing(server) };
}

/** 2026-07-28 baseline: the SDK 2.x modern entry, a fresh McpServer per request. */
export async function startBareModern(): Promise<BenchServer> {
  const handler = createMcpHandler(
    () => {
      const mcp = new McpServer2({ name: 'bare', version: '1' });
      mcp.registerTool('echo', { description: 'echo', inputSchema: z.object({ text: z.string() }) }, async ({ text }) => ({ content: [{ type: 'text', text }] }));
      return mcp;
    },
    { legacy: 'reject' },
  );
  const { url, server } = await listen(new H3().all('/mcp', (event) => handler.fetch(event.req)));
  return { url, close: closing(server) };
}

/** Troupe (`createTroupe`, auth mode none) with one finished run of `hello`, and the call that reads it. */
export async function startTroupe(configure?: (config: TroupeConfig) => void): Promise<BenchServer & { troupe: Troupe; readCall: ToolCall }> {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-bench-mcp-'));
  const config = defaultConfig(dir);
  config.port = 0;
  config.auth.mode = 'none';
  config.mcp.maxSessions = 1000;
  configure?.(config);
  mkdirSync(config.dagsDir, { recursive: true });
  writeFileSync(join(config.dagsDir, 'hello.yaml'), 'steps:\n  - name: hello\n    run: echo hello\n');
  const troupe = await createTroupe(config, { logger: createLogger({ level: 'error' }) });
  const url = `${(await troupe.listen()).url}/mcp`;
  const run = await troupe.engine.runtime.start({ name: 'hello' });
  await troupe.engine.runtime.waitForRun('hello', run.dagRunId, 10_000);
  return {
    url,
    troupe,
    readCall: { name: 'dagu_read', arguments: { target: 'run', name: 'hello', dagRunId: run.dagRunId } },
    async close() {
      await troupe.engine.audit.flush();
      await troupe.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Interleaved rounds of `a` and `b` (alternating which goes first); the median of per-round a/b. */
export async function interleave(rounds: number, a: () => Promise<number>, b: () => Promise<number>): Promise<{ a: number[]; b: number[]; ratios: number[]; median: number }> {
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      bs.push(await b());
      as.push(await a());
    } else {
      as.push(await a());
      bs.push(await b());
    }
  }
  const ratios = as.map((x, i) => x / bs[i]!);
  return { a: as, b: bs, ratios, median: median(ratios) };
}

export const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

/** The p-quantile (0..1) of `xs`, nearest rank. */
export const quantile = (xs: number[], p: number): number => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
