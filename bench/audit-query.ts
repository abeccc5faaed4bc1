// Benchmark: correlation_id queries over 1,000,000 audit entries (posting-block index) against
// a full scan of the same entries, in the same run. Usage: node --import tsx bench/audit-query.ts [n=1000000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditTrail } from '../src/audit/index.ts';
import { openDatabase } from '../src/store/database.ts';
import { prng, traffic } from './audit-fixtures.ts';
import { createLevelAuditStore } from '../src/store/level-audit-store.ts';

const n = Number(process.argv[2] ?? 1_000_000);
const QUERIES = 500;
const SCANS = 3;
const T0 = Date.parse('2025-01-01T00:00:00.000Z');

const dir = mkdtempSync(join(tmpdir(), 'troupe-bench-audit-q-'));
const db = await openDatabase(dir);
const trail = await createAuditTrail({ store: createLevelAuditStore(db), retentionDays: 0, batchMs: 10, maxBatch: 500 });
const t0 = performance.now();
let i = 0;
let requests = 0;
for (const input of traffic(n, T0)) {
  trail.record(input);
  requests = Number(input.origin!.correlationId.slice(5)) + 1;
  if (++i % 10_000 === 0) await trail.flush();
}
await trail.flush();
console.log(`loaded ${n} entries (${requests} correlation ids) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
const rnd = prng(11);
const ids = Array.from({ length: QUERIES }, () => `corr-${Math.floor(rnd() * requests)}`);
for (const id of ids.slice(0, 50)) await trail.query({ correlation_id: id }); // warm-up
const times: number[] = [];
let found = 0;
for (const id of ids) {
  const s = performance.now();
  const page = await trail.query({ correlation_id: id });
  times.push(performance.now() - s);
  found += page.total;
}
// Baseline: the same question answered by scanning every stored entry.
const entries = db.sublevel<string, { correlation_id: string }>('audit', { valueEncoding: 'json' });
const scans: number[] = [];
for (const id of ids.slice(0, SCANS)) {
  const s = performance.now();
  let hits = 0;
  for await (const e of entries.values()) if (e.correlation_id === id) hits++;
  scans.push(performance.now() - s);
  if (hits === 0) throw new Error('scan found nothing');
}
const p50 = pct(times, 0.5);
const scanP50 = pct(scans, 0.5);
console.log(`indexed correlation_id query: p50 ${p50.toFixed(2)} ms, p95 ${pct(times, 0.95).toFixed(2)} ms, p99 ${pct(times, 0.99).toFixed(2)} ms over ${QUERIES} queries (mean ${(found / QUERIES).toFixed(1)} entries each; target p50 < 5 ms)`);
console.log(`baseline full scan: p50 ${scanP50.toFixed(0)} ms over ${SCANS} scans`);
console.log(`ratio scan/indexed at p50: ${(scanP50 / p50).toFixed(0)}x faster with the index`);
const c = performance.now();
const cat = await trail.query({ category: 'dag', limit: 50 });
console.log(`for scale: category=dag first page with total ${cat.total}: ${(performance.now() - c).toFixed(0)} ms`);
await trail.close();
await db.close();
rmSync(dir, { recursive: true, force: true });
