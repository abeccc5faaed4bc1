import type { DagSpec, ScheduleEntry } from './types.ts';
import type { At } from './spec-path.ts';
import type { SpecReader, YamlMap } from './spec-reader.ts';

const OVERLAP = new Set(['skip', 'all', 'latest']);

/**
 * Reads the root keys that steer the scheduler and history (§19, §22): `skip_if_successful`,
 * `overlap_policy`, `restart_wait_sec`, `hist_retention_days`, `hist_retention_runs`, and
 * stores the schedule entries on the spec.
 */
export function readSchedulingKeys(reader: SpecReader, at: At, root: YamlMap, spec: DagSpec, entries: ScheduleEntry[]): void {
  if (entries.length > 0) spec.scheduleEntries = entries;
  const get = (key: string): unknown => {
    const v = root.get(key);
    return v === null ? undefined : v;
  };
  const skip = get('skip_if_successful');
  if (skip !== undefined) {
    const b = reader.boolean(at.to('skip_if_successful'), skip);
    if (b) spec.skipIfSuccessful = true;
  }
  const overlap = get('overlap_policy');
  if (overlap !== undefined) {
    const s = reader.string(at.to('overlap_policy'), overlap);
    if (s !== undefined && !OVERLAP.has(s)) reader.add(at.to('overlap_policy'), `must be skip, all or latest, got ${JSON.stringify(s)}`);
    else if (s !== undefined) spec.overlapPolicy = s as NonNullable<DagSpec['overlapPolicy']>;
  }
  const wait = get('restart_wait_sec');
  if (wait !== undefined) {
    const n = reader.integer(at.to('restart_wait_sec'), wait, 0);
    if (n !== undefined) spec.restartWaitSec = n;
  }
  const days = get('hist_retention_days');
  const runs = get('hist_retention_runs');
  if (days !== undefined && runs !== undefined) {
    reader.add(at.to('hist_retention_runs'), 'hist_retention_days and hist_retention_runs cannot both be set', { hint: 'keep one of them' });
    return;
  }
  if (days !== undefined) {
    const n = reader.integer(at.to('hist_retention_days'), days, 0);
    // As in Dagu, 0 is the same as unset: the default applies.
    if (n) spec.histRetentionDays = n;
  }
  if (runs !== undefined) {
    const n = reader.integer(at.to('hist_retention_runs'), runs, 1);
    if (n !== undefined) spec.histRetentionRuns = n;
  }
}
