import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { maskText } from '../dag/index.ts';
import type { StepEvent } from '../machines/index.ts';
import type { ChildRunRequest } from './run-commands.ts';
import type { ChildResult, ChildStepArgs } from './sub-dag-step.ts';
import type { RunRef } from './types.ts';

/** A step try's end, as a step actor reports it (`step.exited` without type and time). */
export type Exited = Omit<Extract<StepEvent, { type: 'step.exited' }>, 'type' | 'now'>;

/** The shared part of a step that runs child runs (sub-DAG calls, `parallel`, `foreach`). */
export interface ChildFanOut {
  /** Reports the try's end once (masked), closing every watch. Later calls are ignored. */
  exited(e: Exited): void;
  /** Appends a line (masked) to the step's stdout log. */
  writeStdout(text: string): void;
  /**
   * Starts one child run, announces it (`step.subrun`), and waits for its end; with
   * `wait: false` (dag.enqueue) returns once it is accepted. Throws when it cannot start.
   */
  runChild(req: ChildRunRequest, wait?: boolean): Promise<{ ref: RunRef; result?: ChildResult }>;
  /** Runs `fn` over `items`, at most `max` at once, results in item order. */
  pool<T, R>(items: readonly T[], max: number, fn: (item: T) => Promise<R>): Promise<R[]>;
  /** The step was stopped (`step.kill`) or its actor is going away. */
  readonly stopped: boolean;
  /** The actor's cleanup: stop launching, close the watches (children stop with the runtime). */
  cleanup(): void;
}

/**
 * The bookkeeping every child-running step shares: the active children (stopped on
 * `step.kill`), their watches, a bounded launch pool, the stdout log and the single report.
 */
export function createChildFanOut(args: Omit<ChildStepArgs, 'input'> & { stdoutPath: string }): ChildFanOut {
  const { scope, port, clock, stdoutPath, sendBack, receive } = args;
  const active = new Map<string, RunRef>();
  const watches: Array<{ close(): void }> = [];
  let stopped = false;
  let ended = false;
  receive((event) => {
    if (event.type !== 'step.kill' || stopped) return;
    stopped = true;
    for (const ref of active.values()) port.stop(ref);
  });
  return {
    get stopped() {
      return stopped;
    },
    exited(e) {
      if (ended) return;
      ended = true;
      for (const w of watches) w.close();
      sendBack({ type: 'step.exited', ...e, ...(e.error !== undefined ? { error: maskText(e.error, scope.mask) } : {}), ...(e.failure !== undefined ? { failure: maskText(e.failure, scope.mask) } : {}), now: clock.now() });
    },
    writeStdout(text) {
      mkdirSync(dirname(stdoutPath), { recursive: true });
      appendFileSync(stdoutPath, `${maskText(text, scope.mask)}\n`);
    },
    async runChild(req, wait = true) {
      const watch = port.watch({ name: req.dag, dagRunId: req.dagRunId });
      watches.push(watch);
      try {
        const started = await port.start(req);
        sendBack({ type: 'step.subrun', subRun: { name: started.name, dagRunId: started.dagRunId }, now: clock.now() });
        if (!wait) {
          watch.close();
          return { ref: started };
        }
        active.set(started.dagRunId, started);
        if (stopped) port.stop(started);
        const result = await watch.ended(started.attempt);
        active.delete(started.dagRunId);
        return { ref: started, result };
      } catch (error) {
        watch.close();
        throw error;
      }
    },
    async pool(items, max, fn) {
      const out = new Array(items.length);
      let next = 0;
      const worker = async () => {
        while (next < items.length) {
          const i = next++;
          out[i] = await fn(items[i]!);
        }
      };
      await Promise.all(Array.from({ length: Math.min(max, items.length) }, worker));
      return out;
    },
    cleanup() {
      stopped = true;
      for (const w of watches) w.close();
    },
  };
}
