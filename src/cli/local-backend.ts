import { concat, filter, from } from 'rxjs';
import type { StepFinishedEvent, StepRetryingEvent, StepStartedEvent } from '../actors/index.ts';
import type { Engine } from '../engine.ts';
import type { CliBackend, StepProgress } from './backend.ts';

/** The CLI backend that runs the engine in this process. */
export function localBackend(engine: Engine): CliBackend {
  const rt = engine.runtime;
  // A run's first step transitions happen while `start` is still returning, before `follow`
  // subscribes: keep step transitions from the beginning (a CLI process follows one run).
  type StepEvent = StepStartedEvent | StepRetryingEvent | StepFinishedEvent;
  const isStep = (e: { type: string }): e is StepEvent => e.type === 'step.started' || e.type === 'step.retrying' || e.type === 'step.finished';
  const early: StepEvent[] = [];
  const recorder = rt.events$.subscribe((e) => {
    if (isStep(e)) early.push(e);
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
        .pipe(filter((e): e is StepEvent => isStep(e) && e.run.name === name && e.run.dagRunId === id))
        .subscribe((e) => {
          if (e.type === 'step.started') return onStep({ step: e.step, status: 'running', exitCode: null });
          if (e.type === 'step.retrying') return onStep({ step: e.step, status: 'retrying', exitCode: e.exitCode });
          const p: StepProgress = { step: e.step, status: e.status, exitCode: e.exitCode };
          if (e.startedAt !== null && e.finishedAt !== null) p.durationMs = e.finishedAt - e.startedAt;
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
