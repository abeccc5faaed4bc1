// Benchmark: sustained audit ingest (attribution, redaction, hash chain, 13 index rows per
// entry, batched) against raw LevelDB batch puts of the same entry bytes, in the same run.
// Usage: node --import tsx bench/audit-ingest.ts [n=100000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditTrail } from '../src/audit/index.ts';
import type { AuditEntry } from '../src/audit/index.ts';
import { openDatabase } from '../src/store/database.ts';
import { traffic } from './audit-fixtures.ts';

const n = Number(process.argv[2] ?? 100_000);
const BATCH = 500;
const T0 = Date.parse('2025-01-01T00:00:00.000Z');

async function fresh() {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-bench-audit-'));
  const db = await openDatabase(dir);
  return { db, done: async () => { await db.close(); rmSync(dir, { recursive: true, force: true }); } };
}

async function ingest(count: number): Promise<{ ms: number; entries: AuditEntry[] }> {
  const { db, done } = await fresh();
  const trail = await createAuditTrail({ db, retentionDays: 0, batchMs: 10, maxBatch: BATCH });
  // Inputs are generated before the clock starts, so only the trail's own work is timed.
  const inputs = [...traffic(count, T0)];
  const t0 = performance.now();
  let i = 0;
  for (const input of inputs) {
    trail.record(input);
    // Back-pressure as a busy server would see it: never more than a few batches in flight.
    if (++i % (BATCH * 20) === 0) await trail.flush();
  }
  await trail.flush();
  const ms = performance.now() - t0;
  const entries = (await db.sublevel<string, AuditEntry>('audit', { valueEncoding: 'json' }).values().all());
  await trail.close();
  await done();
  return { ms, entries };
}

/** Baseline: batch puts of the entries' bytes, as strings (`utf8`) or as objects (`json`). */
async function raw(values: unknown[], valueEncoding: 'utf8' | 'json'): Promise<number> {
  const { db, done } = await fresh();
  const sub = db.sublevel<string, unknown>('raw', { valueEncoding });
  const t0 = performance.now();
  for (let i = 0; i < values.length; i += BATCH) {
    const ops = [];
    for (let j = i; j < Math.min(values.length, i + BATCH); j++) ops.push({ type: 'put' as const, key: String(j + 1).padStart(16, '0'), value: values[j]! });
    await sub.batch(ops);
  }
  const ms = performance.now() - t0;
  await done();
  return ms;
}

await ingest(5_000); // warm-up
const ours = await ingest(n);
const values = ours.entries.map((e) => JSON.stringify(e));
const bytes = values.reduce((s, v) => s + Buffer.byteLength(v), 0);
const rawMs = await raw(values, 'utf8');
const rawJsonMs = await raw(ours.entries, 'json');
const rate = (ms: number) => (n / ms) * 1000;
console.log(`entries: ${n}, mean entry ${(bytes / n).toFixed(0)} bytes, batches of ${BATCH}`);
console.log(`baseline A, raw batch puts of the same bytes as pre-serialized strings: ${rawMs.toFixed(0)} ms, ${rate(rawMs).toFixed(0)} entries/s`);
console.log(`baseline B, raw batch puts of the same entries as objects (json encoding): ${rawJsonMs.toFixed(0)} ms, ${rate(rawJsonMs).toFixed(0)} entries/s`);
console.log(`audit trail (context, redaction, SHA-256 chain, indexes, record() to durable): ${ours.ms.toFixed(0)} ms, ${rate(ours.ms).toFixed(0)} entries/s`);
console.log(`ratio audit/A: ${(rawMs / ours.ms).toFixed(2)}, audit/B: ${(rawJsonMs / ours.ms).toFixed(2)} (target >= 0.5)`);
