import { filter } from 'rxjs';
import type { Engine } from '../engine.ts';
import type { CliBackend, StepProgress } from './backend.ts';

/** The CLI backend that runs the engine in this process. */
export function localBackend(engine: Engine): CliBackend {
  const rt = engine.runtime;
  return {
    kind: 'local',
    start: (ref, o) => rt.start(ref, o),
    enqueue: (ref, o) => rt.enqueue(ref, o),
    stop: (n, id) => rt.stop(n, id),
    retry: (n, id, o) => rt.retry(n, id, o),
    dequeue: (n, id) => rt.dequeue(n, id),
    getRun: (n, id) => rt.getRun(n, id),
    listRuns: (f) => rt.listRuns(f),
    runLogs: (n, id, t) => rt.runLogs(n, id, t),
    stepLog: (n, id, s, st, t) => rt.stepLog(n, id, s, st, t),
    async follow(name, id, onStep) {
      const sub = rt.events$
        .pipe(filter((e) => e.type === 'transition' && e.actorKind === 'step' && e.run?.name === name && e.run.dagRunId === id))
        .subscribe(async (e) => {
          if (e.type !== 'transition' || !e.step) return;
          const status = e.to.split('.')[0]!;
          if (status === 'pending' || status === 'checking' || status === 'retrying') return;
          const p: StepProgress = { step: e.step, status, exitCode: null };
          const details = await rt.getRun(name, id);
          const st = details?.steps.find((s) => s.name === e.step);
          if (st) {
            p.exitCode = st.exitCode;
            if (st.startedAt && st.finishedAt) p.durationMs = Date.parse(st.finishedAt) - Date.parse(st.startedAt);
          }
          onStep(p);
        });
      try {
        const { details } = await rt.waitForRun(name, id, 2 ** 31 - 1);
        return details;
      } finally {
        sub.unsubscribe();
      }
    },
    audit: engine.audit,
    close: () => engine.close(),
  };
}
