import type { SchedulerStateStore } from '../scheduler/state-store.ts';
import type { Database } from './database.ts';

/** The scheduler's state in the data directory's LevelDB (sublevel `scheduler`). */
export function createLevelSchedulerStore(db: Database): SchedulerStateStore {
  const sub = db.sublevel<string, string>('scheduler', { valueEncoding: 'utf8' });
  return {
    async loadEvaluatedTo() {
      const v = await sub.get('evaluated-to');
      const n = v === undefined ? NaN : Number(v);
      return Number.isFinite(n) ? n : undefined;
    },
    async saveEvaluatedTo(ms) {
      await sub.put('evaluated-to', String(ms));
    },
  };
}
