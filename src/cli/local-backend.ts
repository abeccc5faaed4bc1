import { concat, filter, from } from 'rxjs';
import type { TransitionEvent } from '../actors/index.ts';
import type { Engine } from '../engine.ts';
import type { CliBackend, StepProgress } from './backend.ts';

/** The CLI backend that runs the engine in this process. */
export function localBackend(engine: Engine): CliBackend {
  const rt = engine.runtime;
  // A run's first step transitions happen while `start` is still returning, before `follow`
  // subscribes: keep step transitions from the beginning (a CLI process follows one run).
  const early: TransitionEvent[] = [];
  const recorder = rt.events$.subscribe((e) => {
    if (e.type === 'transition' && e.actorKind === 'step') early.push(e);
  });
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
      recorder.unsubscribe();
      const buffered = early.splice(0);
      const sub = concat(from(buffered), rt.events$)
        .pipe(filter((e) => e.type === 'transition' && e.actorKind === 'step' && e.run?.name === name && e.run.dagRunId === id))
        .subscribe((e) => {
          if (e.type !== 'transition' || !e.step || !e.stepState) return;
          const st = e.stepState;
          if (st.status === 'not_started') return;
          const p: StepProgress = { step: e.step, status: st.status, exitCode: st.exitCode };
          if (st.startedAt !== null && st.finishedAt !== null) p.durationMs = st.finishedAt - st.startedAt;
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
    close: async () => {
      recorder.unsubscribe();
      await engine.close();
    },
  };
}
