// Child process of bench/mcp-cpu-per-call.ts: starts one MCP server variant on 127.0.0.1:0,
// prints `{"url":…,"call":…}` on stdout, and answers IPC `cpu` with its process.cpuUsage(), so
// the parent can charge the server's own CPU time to the calls it sent.
//
// Variants: troupe-legacy, bare-legacy (SDK 1.x, sessionful SSE), troupe-modern, bare-modern (SDK 2.x createMcpHandler).
import { createServer } from 'node:http';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
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
import { defaultConfig } from '../src/config.ts';

const variant = process.argv[2] ?? 'troupe-legacy';
const echo = { name: 'echo', arguments: { text: 'hi' } };

async function listen(app: H3): Promise<string> {
  const server = createServer(toNodeHandler(app));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/mcp`;
}

let out: { url: string; call: unknown };
if (variant.startsWith('troupe')) {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-bench-cpu-'));
  const config = defaultConfig(dir);
  config.port = 0;
  config.auth.mode = 'none';
  config.mcp.maxSessions = 1000;
  mkdirSync(config.dagsDir, { recursive: true });
  writeFileSync(join(config.dagsDir, 'hello.yaml'), 'steps:\n  - name: hello\n    run: echo hello\n');
  const troupe = await createTroupe(config, { onWarning: () => {} });
  const url = `${(await troupe.listen()).url}/mcp`;
  const run = await troupe.engine.runtime.start({ name: 'hello' });
  await troupe.engine.runtime.waitForRun('hello', run.dagRunId, 10_000);
  out = { url, call: { name: 'dagu_read', arguments: { target: 'run', name: 'hello', dagRunId: run.dagRunId } } };
  process.on('disconnect', () => void troupe.close().finally(() => process.exit(0)));
} else if (variant === 'bare-legacy') {
  const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();
  const app = new H3().all('/mcp', async (event) => {
    const req = event.req;
    const sid = req.headers.get('mcp-session-id');
    const t = sid ? sessions.get(sid) : undefined;
    if (t) return t.handleRequest(req);
    const body = await req.json();
    if (!isInitializeRequest(body)) return new Response('bad', { status: 400 });
    const mcp = new McpServer({ name: 'bare', version: '1' });
    mcp.registerTool('echo', { description: 'echo', inputSchema: { text: z.string() } }, async ({ text }) => ({ content: [{ type: 'text', text }] }));
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: randomUUID, onsessioninitialized: (id) => void sessions.set(id, transport) });
    await mcp.connect(transport);
    return transport.handleRequest(req, { parsedBody: body });
  });
  out = { url: await listen(app), call: echo };
  process.on('disconnect', () => process.exit(0));
} else {
  const handler = createMcpHandler(
    () => {
      const mcp = new McpServer2({ name: 'bare', version: '1' });
      mcp.registerTool('echo', { description: 'echo', inputSchema: z.object({ text: z.string() }) }, async ({ text }) => ({ content: [{ type: 'text', text }] }));
      return mcp;
    },
    { legacy: 'reject' },
  );
  out = { url: await listen(new H3().all('/mcp', (event) => handler.fetch(event.req))), call: echo };
  process.on('disconnect', () => process.exit(0));
}
process.on('message', (m) => {
  if (m === 'cpu') process.send!(process.cpuUsage());
});
console.log(JSON.stringify(out));
