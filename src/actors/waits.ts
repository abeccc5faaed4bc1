import { defer, filter, from, map, merge, take } from 'rxjs';
import type { Observable } from 'rxjs';
import { TroupeError } from '../core/index.ts';
import type { Clock } from '../core/index.ts';
import { isTerminalRunStatus } from '../dag/status.ts';
import type { EventBus } from './event-bus.ts';
import { keyOf } from './run-handle.ts';
import type { createRunQueries } from './run-queries.ts';
import { toRunDetails } from './run-record.ts';
import type { RunDetails } from './types.ts';

/**
 * Waiting for runs, derived from the backbone: `terminal$` is a filter of `events$` (a run's
 * `run.finished`), joined with the stored record for a run that has already ended, and
 * `waitForRun` adds a timeout on the runtime's clock.
 */
export function createWaits(deps: { bus: EventBus; clock: Clock; queries: ReturnType<typeof createRunQueries> }) {
  const { bus, clock, queries } = deps;

  function terminal$(name: string, dagRunId: string): Observable<RunDetails> {
    const key = keyOf(name, dagRunId);
    return defer(() =>
      merge(
        // Subscribed first, so a run ending while the record is read is not missed. The record
        // fold runs before events$ delivers, so the record in memory already shows the end.
        bus.events$.pipe(
          filter((e) => e.type === 'run.finished' && keyOf(e.run.name, e.run.dagRunId) === key),
          map(() => queries.peek(name, dagRunId)),
          filter((r) => r !== undefined),
          map(toRunDetails),
        ),
        from(queries.getRecord(name, dagRunId)).pipe(
          map((r) => {
            if (!r) throw new TroupeError('RUN_NOT_FOUND', `dag-run ${name}:${dagRunId} not found`);
            return r;
          }),
          filter((r) => isTerminalRunStatus(r.status)),
          map(toRunDetails),
        ),
      ).pipe(take(1)),
    );
  }

  function waitForRun(name: string, dagRunId: string, timeoutMs: number): Promise<{ details: RunDetails; timedOut: boolean }> {
    return new Promise((resolve, reject) => {
      const timer = clock.setTimeout(() => {
        sub.unsubscribe();
        queries.getRun(name, dagRunId).then((d) => (d ? resolve({ details: d, timedOut: true }) : reject(new TroupeError('RUN_NOT_FOUND', `dag-run ${name}:${dagRunId} not found`))), reject);
      }, Math.max(0, Math.min(timeoutMs, 2 ** 31 - 1)));
      const sub = terminal$(name, dagRunId).subscribe({
        next: (details) => {
          clock.clearTimeout(timer);
          resolve({ details, timedOut: false });
        },
        error: (e) => {
          clock.clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  return { terminal$, waitForRun };
}
