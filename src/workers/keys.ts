/**
 * Every Redis key and BullMQ queue Troupe uses, under one prefix (`executor.prefix`, default
 * `troupe`). One server owns a prefix; any number of workers join it.
 *
 * - `<p>:worker.<id>:…`        BullMQ queue of one worker: the step jobs placed on it
 * - `<p>:workers`              sorted set: worker id → last heartbeat (ms)
 * - `<p>:workerinfo:<id>`      the worker's registration (JSON), expiring when heartbeats stop
 * - `<p>:events`               stream: job lifecycle and output, worker → server
 * - `<p>:cancel`               pub/sub channel: cancel requests, server → workers
 * - `<p>:cancelled:<jobId>`    a cancel that arrived before the worker took the job
 * - `<p>:placements`           hash: job id → worker id (for reconcile and loss detection)
 * - `<p>:affinity`             hash: run key → worker id (all steps of a run on one worker)
 */
export const WORKER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function workerQueueName(workerId: string): string {
  return `worker.${workerId}`;
}

export function keys(prefix: string) {
  return {
    workers: `${prefix}:workers`,
    workerInfo: (id: string) => `${prefix}:workerinfo:${id}`,
    events: `${prefix}:events`,
    cancel: `${prefix}:cancel`,
    cancelled: (jobId: string) => `${prefix}:cancelled:${jobId}`,
    placements: `${prefix}:placements`,
    affinity: `${prefix}:affinity`,
  };
}
