// Benchmark: latency from a run's terminal transition (the run actor entering succeeded, seen on
// runtime.events$) to an SDK client receiving notifications/resources/updated for that run,
// through the whole Troupe stack. Baseline in the same run: a bare SDK server sending
// resources/updated straight from the handler to the same kind of client (transport floor).
// Dagu polls subscribed runs every 2 s. Loopback only, bounded by the run count.
//
// Usage: node --import tsx bench/mcp-subscription-latency.ts [runs=100]
import { createLogger } from '../src/core/index.ts';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ResourceUpdatedNotificationSchema, SubscribeRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { startBareLegacy } from './mcp-servers.ts';
import { createTroupe } from '../src/app.ts';
import { defaultConfig } from '../src/config.ts';

const runs = Number(process.argv[2] ?? 100);
const TERMINAL = new Set(['succeeded', 'failed', 'aborted', 'partially_succeeded', 'rejected']);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

// --- Troupe ---------------------------------------------------------------------------------
const dir = mkdtempSync(join(tmpdir(), 'troupe-bench-sub-'));
const config = defaultConfig(dir);
config.port = 0;
config.auth.mode = 'none';
mkdirSync(config.dagsDir, { recursive: true });
writeFileSync(join(config.dagsDir, 'tick.yaml'), 'steps:\n  - name: tick\n    run: sleep 0.05\n');
const troupe = await createTroupe(config, { logger: createLogger({ level: 'error' }) });
const url = `${(await troupe.listen()).url}/mcp`;
const rt = troupe.engine.runtime;
const terminalAt = new Map<string, number>();
rt.events$.subscribe((e) => {
  if (e.type === 'transition' && e.actorKind === 'run' && e.run && TERMINAL.has(e.to)) terminalAt.set(e.run.dagRunId, performance.now());
});
const client = new Client({ name: 'bench', version: '1' });
await client.connect(new StreamableHTTPClientTransport(new URL(url)));
let received: ((uri: string) => void) | undefined;
client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => received?.(n.params.uri));
await client.listTools();
const troupeMs: number[] = [];
for (let i = 0; i < runs; i++) {
  const gotIt = new Promise<string>((r) => (received = r));
  // The step sleeps long enough for the subscribe round trip to finish first, so the
  // notification comes from the terminal transition, not from subscribing to an ended run.
  const { dagRunId } = await rt.start({ name: 'tick' });
  const uri = `dagu://runs/tick/${dagRunId}`;
  await client.subscribeResource({ uri });
  const seen = await Promise.race([gotIt, new Promise<string>((_, j) => setTimeout(() => j(new Error('no notification in 10 s')), 10_000))]);
  const at = performance.now();
  const t0 = terminalAt.get(seen.split('/').pop()!);
  if (t0 !== undefined) troupeMs.push(at - t0);
  await client.unsubscribeResource({ uri });
}
await client.close();
await troupe.close();
rmSync(dir, { recursive: true, force: true });

// --- Bare SDK baseline ----------------------------------------------------------------------
let bareServer: McpServer | undefined;
const baseline = await startBareLegacy(() => {
  const mcp = new McpServer({ name: 'bare', version: '1' }, { capabilities: { resources: { subscribe: true } } });
  mcp.server.setRequestHandler(SubscribeRequestSchema, async () => ({}));
  bareServer = mcp;
  return mcp;
});
const bareUrl = baseline.url;
const bare = new Client({ name: 'bench', version: '1' });
await bare.connect(new StreamableHTTPClientTransport(new URL(bareUrl)));
let bareReceived: (() => void) | undefined;
bare.setNotificationHandler(ResourceUpdatedNotificationSchema, () => bareReceived?.());
await bare.subscribeResource({ uri: 'x://y' });
const bareMs: number[] = [];
for (let i = 0; i < runs; i++) {
  const got = new Promise<void>((r) => (bareReceived = r));
  const t0 = performance.now();
  await bareServer!.server.sendResourceUpdated({ uri: 'x://y' });
  await got;
  bareMs.push(performance.now() - t0);
  await new Promise((r) => setTimeout(r, 5));
}
await bare.close();
await baseline.close();

const line = (label: string, xs: number[]) => `${label}: n=${xs.length} p50 ${pct(xs, 50).toFixed(2)} ms, p99 ${pct(xs, 99).toFixed(2)} ms, max ${Math.max(...xs).toFixed(2)} ms`;
console.log(`node ${process.version}`);
console.log(line('troupe terminal transition -> client resources/updated', troupeMs));
console.log(line('bare SDK sendResourceUpdated -> client (baseline)     ', bareMs));
console.log(`ratio p50 ${(pct(troupeMs, 50) / pct(bareMs, 50)).toFixed(2)}, p99 ${(pct(troupeMs, 99) / pct(bareMs, 99)).toFixed(2)} (target p99 < 20 ms; Dagu polls every 2000 ms)`);
