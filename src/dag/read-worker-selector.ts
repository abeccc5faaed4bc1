import type { At } from './spec-path.ts';
import type { SpecReader } from './spec-reader.ts';

/**
 * Dagu's root `worker_selector`: a map of label → value (scalars coerced to strings). With the
 * BullMQ executor the run goes to a worker carrying every one of these labels; the local
 * executor ignores it. Dagu's string form `local` (force local execution) has no meaning when
 * one executor runs every step of a server, so it is a problem, not a silent no-op.
 */
export function readWorkerSelector(reader: SpecReader, at: At, raw: unknown): Record<string, string> | undefined {
  if (raw === null || raw === undefined) return undefined;
  if (raw === 'local') {
    reader.add(at, 'worker_selector: local is not supported: one executor runs every step of a Troupe server', { hint: 'leave worker_selector out to run anywhere' });
    return undefined;
  }
  const map = reader.map(at, raw, 'a map of label: value');
  if (!map) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of map) {
    const key = reader.string(at, k);
    if (key === undefined || key === '') continue;
    const value = reader.string(at.to(key), v);
    if (value !== undefined) out[key] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
