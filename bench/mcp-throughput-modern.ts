// Benchmark: `dagu_read target=run` tools/call throughput in the 2026-07-28 era (stateless,
// per-request envelope) through the whole Troupe stack, against a bare SDK 2.x
// `createMcpHandler` with a trivial `echo` tool on the same HTTP stack (h3 on node:http), in the
// same process and run, rounds interleaved. Loopback only, bounded by time.
//
// Usage: node --import tsx bench/mcp-throughput-modern.ts [seconds per round=3] [connections=8] [rounds=5]
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { H3, toNodeHandler } from 'h3';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { createTroupe } from '../src/app.ts';
import { defaultConfig } from '../src/config.ts';
import { loadModern } from './mcp-load.ts';

const seconds = Number(process.argv[2] ?? 3);
const connections = Number(process.argv[3] ?? 8);
const rounds = Number(process.argv[4] ?? 5);

/** The bare baseline: the SDK's modern entry, a fresh McpServer per request with an echo tool. */
async function startBare(): Promise<{ url: string; server: Server }> {
  const handler = createMcpHandler(
    () => {
      const mcp = new McpServer({ name: 'bare', version: '1' });
      mcp.registerTool('echo', { description: 'echo', inputSchema: z.object({ text: z.string() }) }, async ({ text }) => ({ content: [{ type: 'text', text }] }));
      return mcp;
    },
    { legacy: 'reject' },
  );
  const app = new H3().all('/mcp', (event) => handler.fetch(event.req));
  const server = createServer(toNodeHandler(app));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/mcp`, server };
}

const dir = mkdtempSync(join(tmpdir(), 'troupe-bench-mcp-modern-'));
const config = defaultConfig(dir);
config.port = 0;
config.auth.mode = 'none';
mkdirSync(config.dagsDir, { recursive: true });
writeFileSync(join(config.dagsDir, 'hello.yaml'), 'steps:\n  - name: hello\n    run: echo hello\n');
const troupe = await createTroupe(config, { onWarning: () => {} });
const troupeUrl = `${(await troupe.listen()).url}/mcp`;
const run = await troupe.engine.runtime.start({ name: 'hello' });
await troupe.engine.runtime.waitForRun('hello', run.dagRunId, 10_000);
const bare = await startBare();

const readCall = { name: 'dagu_read', arguments: { target: 'run', name: 'hello', dagRunId: run.dagRunId } };
const echoCall = { name: 'echo', arguments: { text: 'hi' } };
const load = (url: string, call: typeof readCall | typeof echoCall, ms: number) => loadModern(url, call, ms, connections);
await load(bare.url, echoCall, 1000);
await load(troupeUrl, readCall, 1000);

const bareRates: number[] = [];
const troupeRates: number[] = [];
for (let i = 0; i < rounds; i++) {
  if (i % 2 === 0) {
    bareRates.push(await load(bare.url, echoCall, seconds * 1000));
    troupeRates.push(await load(troupeUrl, readCall, seconds * 1000));
  } else {
    troupeRates.push(await load(troupeUrl, readCall, seconds * 1000));
    bareRates.push(await load(bare.url, echoCall, seconds * 1000));
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' / ');
const ratios = troupeRates.map((x, i) => x / bareRates[i]!);
console.log(`2026-07-28 era, connections=${connections}, ${rounds} interleaved rounds of ${seconds} s, node ${process.version}`);
console.log(`bare SDK 2.x echo tool     : ${fmt(bareRates)} calls/s (median ${median(bareRates).toFixed(0)})`);
console.log(`troupe dagu_read target=run: ${fmt(troupeRates)} calls/s (median ${median(troupeRates).toFixed(0)})`);
console.log(`per-round ratios           : ${ratios.map((r) => r.toFixed(2)).join(' / ')}`);
console.log(`median ratio troupe/bare = ${median(ratios).toFixed(2)} (target >= 0.8)`);
await troupe.engine.audit.flush();
await troupe.close();
bare.server.closeAllConnections();
bare.server.close();
rmSync(dir, { recursive: true, force: true });
