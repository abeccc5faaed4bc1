// Benchmark: sustained audit ingest (attribution, redaction, hash chain, index blocks, batched,
// recorded until durable) against raw LevelDB batch puts of the same entry bytes, in the same run.
// Usage: node --import tsx bench/audit-ingest.ts [n=100000] [rounds=5] [maxWrite=2000]
//
// Also measured each round: the same inputs through the audit thread (`startAuditThread`, the
// server's default), to durable, with the main thread's busy time (event-loop utilisation) next
// to the wall time: there the hashing, JSON and LevelDB work run on the thread.
//
// What each side writes:
// - the trail: one row per entry in `audit` (key: 16-digit seq, value: the entry's JSON with its
//   hash), the posting blocks of its indexes in `audit-idx`, and the chain head in `audit-meta`,
//   one atomic LevelDB batch per write;
// - baseline A: the same entry rows (the same keys and the very bytes the trail stored, as
//   strings) in the same number of batches of the same sizes as the trail's writes, nothing else;
// - baseline B: as A, but the entries as objects in a `json` sublevel (A plus serialization).
// Rounds alternate which side runs first; each round uses fresh databases. Medians and ranges are
// printed, because this machine is shared and single figures swing by tens of percent.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { createAuditTrail } from '../src/audit/index.ts';
import type { AuditEntry, AuditStore, AuditTrail } from '../src/audit/index.ts';
import { openDatabase } from '../src/store/database.ts';
import { startAuditThread } from '../src/start-audit-thread.ts';
import { createLevelAuditStore } from '../src/store/level-audit-store.ts';
import { traffic } from './audit-fixtures.ts';

const n = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 5);
const maxWrite = Number(process.argv[4] ?? 2000);
const BATCH = 500;
const FLUSH_EVERY = BATCH * 20;
const T0 = Date.parse('2025-01-01T00:00:00.000Z');

async function fresh() {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-bench-audit-'));
  const db = await openDatabase(dir);
  return { db, done: async () => { await db.close(); rmSync(dir, { recursive: true, force: true }); } };
}

interface Ingest {
  ms: number;
  /** Entries per LevelDB write, in order. */
  writes: number[];
  values: string[];
  indexRows: number;
  indexBytes: number;
}

/** Records `count` generated inputs until durable: wall time, and the main thread's busy time. */
async function timedIngest(trail: AuditTrail, count: number): Promise<{ ms: number; mainMs: number }> {
  // Inputs are generated before the clock starts, so only the trail's own work is timed.
  const inputs = [...traffic(count, T0)];
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  let i = 0;
  for (const input of inputs) {
    trail.record(input);
    // Back-pressure as a busy server would see it: never more than FLUSH_EVERY entries in flight.
    if (++i % FLUSH_EVERY === 0) await trail.flush();
  }
  await trail.flush();
  return { ms: performance.now() - t0, mainMs: performance.eventLoopUtilization(elu0).active };
}

async function ingest(count: number): Promise<Ingest> {
  const { db, done } = await fresh();
  // The real store behind the port, only counting the entries of each write (one call per write).
  const level = createLevelAuditStore(db);
  const writes: number[] = [];
  const store: AuditStore = { ...level, append: (list) => (writes.push(list.length), level.append(list)) };
  const trail = await createAuditTrail({ store, retentionDays: 0, batchMs: 10, maxBatch: BATCH, maxWrite });
  const { ms } = await timedIngest(trail, count);
  const values = await db.sublevel<string, string>('audit', { valueEncoding: 'utf8' }).values().all();
  let indexRows = 0;
  let indexBytes = 0;
  for await (const [k, v] of db.sublevel<string, string>('audit-idx', { valueEncoding: 'utf8' }).iterator()) {
    indexRows++;
    indexBytes += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  await trail.close();
  await done();
  return { ms, writes, values, indexRows, indexBytes };
}

/** The same ingest through the audit thread: wall time to durable, and the main thread's busy time. */
async function ingestThreaded(count: number): Promise<{ ms: number; mainMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-bench-audit-'));
  const trail = await startAuditThread({ dataDir: dir, onFailure: 'fail_closed', retentionDays: 0 }, { batchMs: 10, maxBatch: BATCH });
  const { ms, mainMs } = await timedIngest(trail, count);
  await trail.close();
  rmSync(dir, { recursive: true, force: true });
  return { ms, mainMs };
}

/** Baseline: batch puts of the entries' bytes, as strings (`utf8`) or as objects (`json`), grouped as the trail's writes. */
async function raw(values: unknown[], writes: number[], valueEncoding: 'utf8' | 'json'): Promise<number> {
  const { db, done } = await fresh();
  const sub = db.sublevel<string, unknown>('raw', { valueEncoding });
  const t0 = performance.now();
  let at = 0;
  for (const size of writes) {
    const ops = [];
    for (let j = at; j < at + size; j++) ops.push({ type: 'put' as const, key: String(j + 1).padStart(16, '0'), value: values[j]! });
    at += size;
    await sub.batch(ops);
  }
  const ms = performance.now() - t0;
  await done();
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const range = (xs: number[], digits = 0) => `${Math.min(...xs).toFixed(digits)}..${Math.max(...xs).toFixed(digits)}`;

await ingest(5_000); // warm-up
const trailMs: number[] = [];
const aMs: number[] = [];
const bMs: number[] = [];
const ratioA: number[] = [];
const ratioB: number[] = [];
const threadMs: number[] = [];
const threadMainMs: number[] = [];
const ratioThreadB: number[] = [];
let sample: Ingest | undefined;
for (let r = 0; r < rounds; r++) {
  let ours: Ingest;
  let a: number;
  if (r % 2 === 0 || !sample) {
    ours = await ingest(n);
    a = await raw(ours.values, ours.writes, 'utf8');
  } else {
    a = await raw(sample.values, sample.writes, 'utf8');
    ours = await ingest(n);
  }
  sample = ours;
  const objects = ours.values.map((v) => JSON.parse(v) as AuditEntry);
  const b = await raw(objects, ours.writes, 'json');
  const threaded = await ingestThreaded(n);
  threadMs.push(threaded.ms);
  threadMainMs.push(threaded.mainMs);
  ratioThreadB.push(b / threaded.ms);
  trailMs.push(ours.ms);
  aMs.push(a);
  bMs.push(b);
  ratioA.push(a / ours.ms);
  ratioB.push(b / ours.ms);
  console.log(`round ${r + 1}: trail ${ours.ms.toFixed(0)} ms, A ${a.toFixed(0)} ms, B ${b.toFixed(0)} ms, ratio A ${(a / ours.ms).toFixed(2)}, B ${(b / ours.ms).toFixed(2)}; audit thread ${threaded.ms.toFixed(0)} ms (main thread busy ${threaded.mainMs.toFixed(0)} ms), B ${(b / threaded.ms).toFixed(2)}`);
}
const s = sample!;
const entryBytes = s.values.reduce((sum, v) => sum + Buffer.byteLength(v), 0);
const rate = (ms: number) => ((n / ms) * 1000).toFixed(0);
console.log(`entries: ${n}, mean entry ${(entryBytes / n).toFixed(0)} bytes; ${s.writes.length} LevelDB writes (mean ${(n / s.writes.length).toFixed(0)} entries, batcher ${BATCH}, maxWrite ${maxWrite}); flush every ${FLUSH_EVERY}`);
console.log(`trail writes: ${n} entry rows (${(entryBytes / 1e6).toFixed(1)} MB) + ${s.indexRows} index rows (${(s.indexBytes / 1e6).toFixed(1)} MB) + ${s.writes.length} head rows`);
console.log(`baseline A, raw batch puts of the same entry bytes (strings), same write grouping: median ${median(aMs).toFixed(0)} ms (${range(aMs)}), ${rate(median(aMs))} entries/s`);
console.log(`baseline B, raw batch puts of the same entries as objects (json encoding): median ${median(bMs).toFixed(0)} ms (${range(bMs)}), ${rate(median(bMs))} entries/s`);
console.log(`audit trail (context, redaction, SHA-256 chain, indexes, record() to durable): median ${median(trailMs).toFixed(0)} ms (${range(trailMs)}), ${rate(median(trailMs))} entries/s`);
console.log(`ratio audit/A: median ${median(ratioA).toFixed(2)} (${range(ratioA, 2)}), audit/B: median ${median(ratioB).toFixed(2)} (${range(ratioB, 2)}) over ${rounds} rounds (target >= 0.5)`);
console.log(`audit trail on the audit thread (same inputs, record() to durable): median ${median(threadMs).toFixed(0)} ms (${range(threadMs)}), ${rate(median(threadMs))} entries/s; main thread busy median ${median(threadMainMs).toFixed(0)} ms (${range(threadMainMs)}), ${((median(threadMainMs) * 1000) / n).toFixed(2)} µs per entry`);
console.log(`ratio audit thread/B: median ${median(ratioThreadB).toFixed(2)} (${range(ratioThreadB, 2)}) over ${rounds} rounds (target >= 0.5)`);
