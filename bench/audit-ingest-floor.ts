// Benchmark: what the trail's LevelDB writes alone cost, without any of its JavaScript. Runs the
// trail once, reads back every row it stored (entries, index blocks, chain head), then replays
// them as raw batch puts grouped as the trail wrote them, next to the entry rows alone in the
// same grouping (baseline A of audit-ingest.ts). The ratio is the ceiling for audit-ingest's
// ratio A: what it would be if attribution, serialization, hashing and index building were free.
// Usage: node --import tsx bench/audit-ingest-floor.ts [n=100000] [rounds=5]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditTrail } from '../src/audit/index.ts';
import { openDatabase } from '../src/store/database.ts';
import { traffic } from './audit-fixtures.ts';
import { createLevelAuditStore } from '../src/store/level-audit-store.ts';

const n = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 5);
async function fresh() { const dir = mkdtempSync(join(tmpdir(), 'troupe-floor-')); const db = await openDatabase(dir); return { db, done: async () => { await db.close(); rmSync(dir, { recursive: true, force: true }); } }; }
const { db, done } = await fresh();
const trail = await createAuditTrail({ store: createLevelAuditStore(db), retentionDays: 0, batchMs: 10, maxBatch: 500, maxWrite: 2000 });
let i = 0;
for (const input of traffic(n, Date.parse('2025-01-01T00:00:00.000Z'))) { trail.record(input); if (++i % 10000 === 0) await trail.flush(); }
await trail.flush();
const all = await (db as any).iterator({ keyEncoding: 'utf8', valueEncoding: 'utf8' }).all() as Array<[string, string]>;
await trail.close(); await done();
const entries = all.filter(([k]) => k.startsWith('!audit!'));
const idx = new Map<string, Array<[string, string]>>();
for (const [k, v] of all) if (k.startsWith('!audit-idx!')) { const suf = k.slice(-16); (idx.get(suf) ?? idx.set(suf, []).get(suf)!).push([k, v]); }
const head = all.find(([k]) => k === '!audit-meta!head')!;
const suffixes = [...idx.keys()].sort();
const full: Array<Array<[string, string]>> = []; const only: Array<Array<[string, string]>> = [];
let at = 0;
for (const suf of suffixes) { const last = Number(suf); const b = entries.slice(at, last); at = last; only.push(b); full.push(b.concat(idx.get(suf)!, [head])); }
async function run(bs: Array<Array<[string, string]>>) { const { db, done } = await fresh(); const t0 = performance.now(); for (const b of bs) await db.batch(b.map(([key, value]) => ({ type: 'put', key, value })) as any, { valueEncoding: 'utf8' } as any); const ms = performance.now() - t0; await done(); return ms; }
const r: Record<string, number[]> = { entriesOnly: [], trailWriteSet: [] };
for (let k = 0; k < rounds; k++) { r.entriesOnly!.push(await run(only)); r.trailWriteSet!.push(await run(full)); }
console.log(`writes ${full.length}, keys entries ${entries.length}, trail set ${full.reduce((s, b) => s + b.length, 0)}`);
for (const [k, xs] of Object.entries(r)) { xs.sort((a, b) => a - b); console.log(k.padEnd(14), 'median', xs[Math.floor(rounds / 2)]!.toFixed(0), 'ms', `(${xs[0]!.toFixed(0)}..${xs[rounds - 1]!.toFixed(0)})`); }
console.log('ratio entries-only / trail write set, medians:', (r.entriesOnly![Math.floor(rounds / 2)]! / r.trailWriteSet![Math.floor(rounds / 2)]!).toFixed(2));
