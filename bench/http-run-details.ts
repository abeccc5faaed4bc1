// GET run details through the whole stack (API key auth, audit context, workspace check,
// runtime read from LevelDB) against a bare h3 handler returning the same JSON.
// Loopback only, bounded loops. Run: node --import tsx bench/http-run-details.ts
import { createLogger } from '../src/core/index.ts';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { H3 } from 'h3';
import { openEngine } from '../src/engine.ts';
import { createAuthService } from '../src/auth/index.ts';
import { createHttpApp, startHttpServer } from '../src/http/index.ts';
import { defaultConfig } from '../src/config.ts';
import { createLevelAuthStore } from '../src/store/level-auth-store.ts';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 6000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const WARMUP = 500;

async function load(url: string, headers: Record<string, string>, total: number): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < total) {
        next++;
        const res = await fetch(url, { headers });
        if (res.status !== 200) throw new Error(`status ${res.status}`);
        await res.arrayBuffer();
      }
    }),
  );
  return total / ((performance.now() - t0) / 1000);
}

const dir = mkdtempSync(join(tmpdir(), 'troupe-bench-http-'));
const config = defaultConfig(dir);
config.dataDir = join(dir, 'data');
config.dagsDir = join(dir, 'dags');
config.auth.mode = 'builtin';
mkdirSync(config.dagsDir, { recursive: true });
writeFileSync(join(config.dagsDir, 'bench.yaml'), 'steps:\n  - name: a\n    run: echo a\n  - name: b\n    depends: [a]\n    run: echo b\n');
const engine = await openEngine(config, { logger: createLogger({ level: 'error' }) });
const auth = await createAuthService({ store: createLevelAuthStore(engine.db), config, audit: engine.audit });
const { key } = await auth.createApiKey({ name: 'bench', role: 'viewer', allowedSurfaces: ['rest_api'] });
const full = await startHttpServer(createHttpApp({ config, runtime: engine.runtime, audit: engine.audit, auth }), { host: '127.0.0.1', port: 0 });
const { dagRunId } = await engine.runtime.start({ name: 'bench' }, { dagRunId: 'bench-run' });
const { details } = await engine.runtime.waitForRun('bench', dagRunId, 10_000);
const body = JSON.stringify(details);

const bare = new H3();
bare.get('/x', () => new Response(body, { headers: { 'content-type': 'application/json; charset=utf-8' } }));
const baseline = await startHttpServer(bare, { host: '127.0.0.1', port: 0 });

const fullUrl = `${full.url}/api/v1/dag-runs/bench/${dagRunId}`;
const auth_ = { authorization: `Bearer ${key}` };
const check = await (await fetch(fullUrl, { headers: auth_ })).text();
if (check !== body) throw new Error('the two servers do not return the same JSON');

await load(`${baseline.url}/x`, {}, WARMUP);
await load(fullUrl, auth_, WARMUP);
// Alternate the two measurements so drift affects both alike.
const bareRuns: number[] = [];
const fullRuns: number[] = [];
for (let round = 0; round < 3; round++) {
  bareRuns.push(await load(`${baseline.url}/x`, {}, REQUESTS));
  fullRuns.push(await load(fullUrl, auth_, REQUESTS));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const b = median(bareRuns);
const f = median(fullRuns);
console.log(`node ${process.version}, ${REQUESTS} requests x 3 rounds, concurrency ${CONCURRENCY}, body ${body.length} bytes`);
console.log(`bare h3 handler (baseline):              ${b.toFixed(0)} req/s  (rounds: ${bareRuns.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`full stack (API key + audit ctx + store): ${f.toFixed(0)} req/s  (rounds: ${fullRuns.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`ratio full/bare: ${(f / b).toFixed(2)}  (target >= 0.5)`);

await full.close();
await baseline.close();
await engine.close();
rmSync(dir, { recursive: true, force: true });
