import type { AbstractSublevel } from 'abstract-level';
import type { RunStore } from '../actors/ports.ts';
import type { TransitionRecord } from '../actors/events.ts';
import type { RunRecord } from '../actors/types.ts';
import { isActiveRunStatus } from '../dag/status.ts';
import type { Database } from './database.ts';

type Sub<V> = AbstractSublevel<Database, string | Buffer | Uint8Array, string, V>;

// Keys: names match [a-zA-Z0-9_.-] and run ids [-a-zA-Z0-9_], so '/' and '|' never occur in
// them and can separate key parts; ISO timestamps sort lexically.
const runKey = (name: string, id: string) => `${name}/${id}`;
const timeKey = (r: RunRecord) => `${r.createdAt}|${r.name}/${r.dagRunId}`;
const dagKey = (r: RunRecord) => `${r.name}/${r.createdAt}|${r.dagRunId}`;
// Transitions sort by run, then by seq (zero-padded: seq stays far below 10^15).
const seqPart = (seq: number) => String(seq).padStart(15, '0');
const transitionKey = (t: TransitionRecord) => `${t.run.name}/${t.run.dagRunId}|${seqPart(t.seq)}`;

/**
 * Run records in LevelDB: the records, two listing indexes (by time, by DAG then time), the
 * set of active runs for boot recovery, run specs and persisted actor snapshots. Each
 * `putMany` is one atomic batch across all of them.
 */
export function createLevelRunStore(db: Database): RunStore {
  const runs = db.sublevel<string, RunRecord>('runs', { valueEncoding: 'json' }) as unknown as Sub<RunRecord>;
  const byTime = db.sublevel<string, string>('runs-by-time', { valueEncoding: 'utf8' }) as unknown as Sub<string>;
  const byDag = db.sublevel<string, string>('runs-by-dag', { valueEncoding: 'utf8' }) as unknown as Sub<string>;
  const active = db.sublevel<string, string>('runs-active', { valueEncoding: 'utf8' }) as unknown as Sub<string>;
  const specs = db.sublevel<string, string>('run-specs', { valueEncoding: 'utf8' }) as unknown as Sub<string>;
  const snapshots = db.sublevel<string, unknown>('run-snapshots', { valueEncoding: 'json' }) as unknown as Sub<unknown>;
  const transitions = db.sublevel<string, TransitionRecord>('run-transitions', { valueEncoding: 'json' }) as unknown as Sub<TransitionRecord>;
  const meta = db.sublevel<string, string>('runs-meta', { valueEncoding: 'utf8' }) as unknown as Sub<string>;

  async function getMany(keys: string[]): Promise<RunRecord[]> {
    if (keys.length === 0) return [];
    const values = await runs.getMany(keys);
    return values.filter((v): v is RunRecord => v !== undefined);
  }

  return {
    async putMany(records, extras) {
      const moved = extras?.transitions?.length ?? 0;
      if (records.length === 0 && moved === 0 && extras?.seqLease === undefined) return;
      const ops: Array<{ type: 'put' | 'del'; sublevel: never; key: string; value?: unknown }> = [];
      for (const r of records) {
        const key = runKey(r.name, r.dagRunId);
        ops.push({ type: 'put', sublevel: runs as never, key, value: r });
        ops.push({ type: 'put', sublevel: byTime as never, key: timeKey(r), value: key });
        ops.push({ type: 'put', sublevel: byDag as never, key: dagKey(r), value: key });
        if (isActiveRunStatus(r.status)) ops.push({ type: 'put', sublevel: active as never, key, value: '' });
        else ops.push({ type: 'del', sublevel: active as never, key });
      }
      for (const t of extras?.transitions ?? []) ops.push({ type: 'put', sublevel: transitions as never, key: transitionKey(t), value: t });
      if (extras?.seqLease !== undefined) ops.push({ type: 'put', sublevel: meta as never, key: 'seq-lease', value: String(extras.seqLease) });
      await db.batch(ops as never);
    },
    async transitions(name, id, { afterSeq, limit }) {
      const prefix = `${runKey(name, id)}|`;
      return transitions.values({ gt: afterSeq === undefined ? prefix : `${prefix}${seqPart(afterSeq)}`, lt: `${prefix}\uffff`, limit }).all();
    },
    async seqLease() {
      const v = await meta.get('seq-lease');
      return v === undefined ? 0 : Number(v);
    },
    async get(name, id) {
      return runs.get(runKey(name, id));
    },
    async latest(name) {
      const keys = await byDag.values({ gte: `${name}/`, lt: `${name}/\uffff`, reverse: true, limit: 1 }).all();
      return (await getMany(keys))[0];
    },
    async list({ name, limit, before }) {
      const range = name === undefined ? {} : { gte: `${name}/`, lt: `${name}/\uffff` };
      const index = name === undefined ? byTime : byDag;
      const opts: Record<string, unknown> = { ...range, reverse: true, limit };
      if (before !== undefined) opts.lt = before;
      const entries = await index.iterator(opts as never).all();
      const values = entries.length === 0 ? [] : await runs.getMany(entries.map(([, v]) => v));
      const records: RunRecord[] = [];
      const cursors: string[] = [];
      values.forEach((r, i) => {
        if (r === undefined) return;
        records.push(r);
        cursors.push(entries[i]![0]);
      });
      const last = entries[entries.length - 1];
      return { records, cursors, ...(entries.length === limit && last ? { next: last[0] } : {}) };
    },
    async active() {
      const keys = await active.keys().all();
      const records = await getMany(keys);
      return records.filter((r) => isActiveRunStatus(r.status));
    },
    async putSpec(name, id, yaml) {
      await specs.put(runKey(name, id), yaml);
    },
    async getSpec(name, id) {
      return specs.get(runKey(name, id));
    },
    async getSpecs(list) {
      return list.length === 0 ? [] : specs.getMany(list.map((r) => runKey(r.name, r.dagRunId)));
    },
    async putSnapshot(key, snapshot) {
      await snapshots.put(key, snapshot);
    },
    async getSnapshot(key) {
      return snapshots.get(key);
    },
    async getSnapshots(keys) {
      return keys.length === 0 ? [] : snapshots.getMany(keys);
    },
    async deleteSnapshot(key) {
      await snapshots.del(key);
    },
  };
}
