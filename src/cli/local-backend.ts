import { TroupeError } from '../core/errors.ts';
import type { Engine } from '../engine.ts';
import { followDetails } from './backend.ts';
import type { CliBackend } from './backend.ts';

/**
 * The CLI backend that runs the engine in this process (no server owns the data directory).
 * The engine is opened with its queues held: a run enqueued here, or one found queued, stays
 * queued on disk for the next server instead of running in, and dying with, this process.
 */
export function localBackend(engine: Engine): CliBackend {
  const rt = engine.runtime;
  return {
    kind: 'local',
    dataDir: engine.config.dataDir,
    start: (ref, o) => rt.start(ref, o),
    enqueue: (ref, o) => rt.enqueue(ref, o),
    stop: (n, id) => rt.stop(n, id),
    retry: (n, id, o) => rt.retry(n, id, o),
    dequeue: (n, id) => rt.dequeue(n, id),
    getRun: (n, id) => rt.getRun(n, id),
    listRuns: (f) => rt.listRuns(f),
    runLogs: (n, id, t) => rt.runLogs(n, id, t),
    stepLog: (n, id, s, st, t) => rt.stepLog(n, id, s, st, t),
    listDags: () => rt.listDags(),
    dagYaml: async (name) => (await rt.getDag(name))?.yaml,
    follow: (name, id, onStep) =>
      followDetails(() => rt.getRun(name, id), onStep, {
        pollMs: 250,
        // Any event of this run is a cue to look again (whatever the event's shape).
        wake: (notify) => {
          const sub = rt.events$.subscribe((e) => {
            const run = (e as { run?: { name?: string; dagRunId?: string } }).run;
            if (run?.name === name && run.dagRunId === id) notify();
          });
          return () => sub.unsubscribe();
        },
        notFound: () => new TroupeError('RUN_NOT_FOUND', `dag-run ${name}:${id} not found`),
      }),
    close: () => engine.close(),
  };
}
