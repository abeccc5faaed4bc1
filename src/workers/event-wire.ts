import type { Redis } from 'ioredis';
import type { JobEvent, LogStream } from '../actors/executors/port.ts';
import { keys } from './keys.ts';

/**
 * What travels on the `<prefix>:events` stream, worker → server. Job lifecycle events are the
 * port's own `JobEvent`s, unchanged; log chunks and worker notices ride beside them. One
 * worker writes a job's entries in order on one connection, so the server reads them in order.
 */
export type WireEntry =
  | { kind: 'event'; jobId: string; event: JobEvent }
  | { kind: 'log'; jobId: string; stream: LogStream; chunk: Buffer }
  | { kind: 'worker-left'; workerId: string };

/** Stream length cap (approximate): entries are deleted once the server has read them. */
const MAXLEN = 200_000;

/** Appends entries with one round trip. */
export async function appendEntries(redis: Redis, prefix: string, entries: WireEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const stream = keys(prefix).events;
  const pipe = redis.pipeline();
  for (const e of entries) {
    if (e.kind === 'event') pipe.xadd(stream, 'MAXLEN', '~', MAXLEN, '*', 'k', 'e', 'j', e.jobId, 'd', JSON.stringify(e.event));
    else if (e.kind === 'log') pipe.xadd(stream, 'MAXLEN', '~', MAXLEN, '*', 'k', 'l', 'j', e.jobId, 's', e.stream, 'b', e.chunk);
    else pipe.xadd(stream, 'MAXLEN', '~', MAXLEN, '*', 'k', 'w', 'w', e.workerId);
  }
  const results = await pipe.exec();
  for (const [error] of results ?? []) if (error) throw error;
}

/** Decodes one stream entry's fields (as Buffers); `undefined` for an entry it does not know. */
export function decodeEntry(fields: Buffer[]): WireEntry | undefined {
  const f: Record<string, Buffer> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!.toString()] = fields[i + 1]!;
  const kind = f.k?.toString();
  try {
    if (kind === 'e' && f.j && f.d) return { kind: 'event', jobId: f.j.toString(), event: JSON.parse(f.d.toString()) as JobEvent };
    if (kind === 'l' && f.j && f.s && f.b) {
      const stream = f.s.toString();
      if (stream !== 'stdout' && stream !== 'stderr') return undefined;
      return { kind: 'log', jobId: f.j.toString(), stream, chunk: f.b };
    }
    if (kind === 'w' && f.w) return { kind: 'worker-left', workerId: f.w.toString() };
  } catch {
    return undefined;
  }
  return undefined;
}

/** A cancel request, server → workers, on the `<prefix>:cancel` channel. */
export interface CancelMessage {
  jobId: string;
  workerId: string;
  signal: string;
  graceMs?: number;
}
