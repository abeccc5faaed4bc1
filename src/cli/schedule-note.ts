import type { DagSpec } from '../dag/types.ts';
import { nextStartAfter } from '../scheduler/fire-times.ts';

/** The next scheduled start of a DAG (ISO time, host zone for expressions without `CRON_TZ=`), or null. */
export function nextRunOf(spec: DagSpec | undefined, now = Date.now()): string | null {
  const at = nextStartAfter(spec?.scheduleEntries, now, process.env.DAGU_TZ || undefined);
  return at === undefined ? null : new Date(at).toISOString();
}

/** What `validate` and `dry` say about a DAG's schedule: when it fires next, and that a server fires it. */
export function scheduleNote(spec: DagSpec): string {
  const next = nextRunOf(spec);
  return `note: schedule ${spec.schedule.join(', ')}: ${next ? `next start ${next.replace(/\.\d+Z$/, 'Z')}` : 'no start ahead'}; schedules fire while \`troupe server\` runs`;
}
