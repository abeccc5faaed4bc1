import type { H3 } from 'h3';
import type { WorkerView } from '../../actors/executors/bullmq-executor.ts';
import { TroupeError } from '../../core/index.ts';
import { apiRoute } from '../api-route.ts';
import type { ApiDeps } from '../api-route.ts';

/** What the REST API needs of a worker-pool executor. Absent with the local executor. */
export interface WorkersSource {
  workers(): Promise<WorkerView[]>;
  waiting(): unknown[];
}

/**
 * `GET {base}/api/v1/workers`: the live workers (labels, concurrency, running job ids, last
 * heartbeat, draining) and how many steps wait for a worker, with why (`waiting`: admin and
 * manager only). Any authenticated role may read it. With the local executor the list is empty and `executor` says `local`.
 */
export function registerWorkerRoutes(app: H3, prefix: string, deps: ApiDeps & { workers?: WorkersSource }): void {
  app.get(
    `${prefix}/workers`,
    apiRoute(deps, async ({ subject }) => {
      const source = deps.workers;
      if (!source) return { executor: 'local', workers: [], waitingSteps: 0 };
      let workers: WorkerView[];
      try {
        workers = await source.workers();
      } catch (error) {
        throw new TroupeError('EXECUTOR_UNAVAILABLE', `cannot read the worker registry from Redis: ${(error as Error).message}`);
      }
      const waiting = source.waiting();
      // Which runs wait names DAGs, which workspace grants may hide: only roles that see every
      // run's audit trail get the list; everyone gets the count.
      const seesAll = subject.role === 'admin' || subject.role === 'manager';
      return { executor: 'bullmq', workers, waitingSteps: waiting.length, ...(seesAll ? { waiting } : {}) };
    }),
  );
}
