// Benchmark: `dagu_read target=run` tools/call throughput through the whole Troupe stack (h3 app,
// auth stack, MCP handler, session routing, audit entries, runtime read) against a bare SDK
// server with a trivial `echo` tool on the same transport (web-standard Streamable HTTP in SSE
// mode on node:http + h3), in the same process and run. Loopback only, bounded by time.
//
// Usage: node --import tsx bench/mcp-throughput.ts [seconds per round=3] [connections=8] [rounds=3]
import { createLogger } from '../src/core/index.ts';
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
import { z } from 'zod';
import { createTroupe } from '../src/app.ts';
import { defaultConfig } from '../src/config.ts';

const seconds = Number(process.argv[2] ?? 3);
const connections = Number(process.argv[3] ?? 8);
const rounds = Number(process.argv[4] ?? 3);

/** The bare baseline: one McpServer + transport per session, an echo tool, nothing else. */
async function startBare(): Promise<{ url: string; server: Server }> {
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
  const server = createServer(toNodeHandler(app));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/mcp`, server };
}

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

async function openSession(url: string): Promise<Record<string, string>> {
  const init = await fetch(url, { method: 'POST', headers: HEADERS, body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } }) });
  const sid = init.headers.get('mcp-session-id');
  await init.text();
  if (!sid) throw new Error(`no session from ${url}: ${init.status}`);
  const h = { ...HEADERS, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' };
  await (await fetch(url, { method: 'POST', headers: h, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).text();
  return h;
}

/** `connections` sessions, each posting tools/call back to back for `ms`; returns calls/s. */
async function load(url: string, call: { name: string; arguments: Record<string, unknown> }, ms: number): Promise<number> {
  const sessions = await Promise.all(Array.from({ length: connections }, () => openSession(url)));
  let calls = 0;
  let errors = 0;
  const end = performance.now() + ms;
  await Promise.all(
    sessions.map(async (h) => {
      let id = 1;
      while (performance.now() < end) {
        const res = await fetch(url, { method: 'POST', headers: h, body: JSON.stringify({ jsonrpc: '2.0', id: id++, method: 'tools/call', params: call }) });
        const text = await res.text();
        if (res.status !== 200 || text.includes('"isError":true')) errors++;
        else calls++;
      }
    }),
  );
  await Promise.all(sessions.map((h) => fetch(url, { method: 'DELETE', headers: h }).then((r) => r.text())));
  if (errors > 0) throw new Error(`${errors} failed calls against ${url}`);
  return calls / (ms / 1000);
}

const dir = mkdtempSync(join(tmpdir(), 'troupe-bench-mcp-'));
const config = defaultConfig(dir);
config.port = 0;
config.auth.mode = 'none';
config.mcp.maxSessions = 1000;
mkdirSync(config.dagsDir, { recursive: true });
writeFileSync(join(config.dagsDir, 'hello.yaml'), 'steps:\n  - name: hello\n    run: echo hello\n');
const troupe = await createTroupe(config, { logger: createLogger({ level: 'error' }) });
const troupeUrl = `${(await troupe.listen()).url}/mcp`;
const run = await troupe.engine.runtime.start({ name: 'hello' });
await troupe.engine.runtime.waitForRun('hello', run.dagRunId, 10_000);
const bare = await startBare();

const readCall = { name: 'dagu_read', arguments: { target: 'run', name: 'hello', dagRunId: run.dagRunId } };
const echoCall = { name: 'echo', arguments: { text: 'hi' } };
// Warm-up (JIT, connection pools) for both.
await load(bare.url, echoCall, 1000);
await load(troupeUrl, readCall, 1000);

const bareRates: number[] = [];
const troupeRates: number[] = [];
for (let i = 0; i < rounds; i++) {
  bareRates.push(await load(bare.url, echoCall, seconds * 1000));
  troupeRates.push(await load(troupeUrl, readCall, seconds * 1000));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const b = median(bareRates);
const t = median(troupeRates);
const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' / ');
console.log(`connections=${connections}, ${rounds} rounds of ${seconds} s, node ${process.version}`);
console.log(`bare SDK echo tool         : ${fmt(bareRates)} calls/s (median ${b.toFixed(0)})`);
console.log(`troupe dagu_read target=run: ${fmt(troupeRates)} calls/s (median ${t.toFixed(0)})`);
console.log(`ratio troupe/bare = ${(t / b).toFixed(2)} (target >= 0.6)`);
await troupe.engine.audit.flush();
await troupe.close();
bare.server.closeAllConnections();
bare.server.close();
rmSync(dir, { recursive: true, force: true });
