import type { DagRef, DagSummary, LogTail, RetryOptions, RunDetails, RunList, RunListFilter, RunLogs, RunRef, StartOptions } from '../actors/index.ts';

/** A step's status change, for progress lines and the live display. */
export interface StepProgress {
  step: string;
  /** The step's status label: running, retrying, succeeded, failed, skipped, aborted... */
  status: string;
  exitCode: number | null;
  /** Epoch ms of the change (the step's end for a final status, its start otherwise). */
  at: number;
  startedAt?: number;
  finishedAt?: number;
  /** Why the step failed, when it did ("working directory does not exist"). */
  error?: string;
}

/**
 * What CLI commands drive: the engine in this process when no server owns the data directory,
 * or the running server over its REST API.
 */
export interface CliBackend {
  kind: 'local' | 'remote';
  /** The data directory (local either way: the server that owns it runs on this machine). */
  dataDir: string;
  start(ref: DagRef, options: StartOptions): Promise<RunRef>;
  enqueue(ref: DagRef, options: StartOptions): Promise<RunRef>;
  stop(name: string, id: string): Promise<void>;
  retry(name: string, id: string, options: RetryOptions): Promise<RunRef & { attempt?: number }>;
  dequeue(name: string, id: string): Promise<void>;
  getRun(name: string, id: string): Promise<RunDetails | undefined>;
  listRuns(filter: RunListFilter): Promise<RunList>;
  runLogs(name: string, id: string, tail?: number): Promise<RunLogs>;
  stepLog(name: string, id: string, step: string, stream: 'stdout' | 'stderr', tail?: number): Promise<LogTail>;
  listDags(): Promise<DagSummary[]>;
  /** A stored DAG's YAML, or undefined when there is no such DAG. */
  dagYaml(name: string): Promise<string | undefined>;
  /** Reports each step transition until the run is terminal, then resolves with its details. */
  follow(name: string, id: string, onStep: (p: StepProgress) => void): Promise<RunDetails>;
  close(): Promise<void>;
}

/** Run statuses after which nothing changes. */
export const TERMINAL = new Set(['succeeded', 'failed', 'aborted', 'partially_succeeded', 'rejected']);

/** Steps of a run whose status differs from what `seen` last recorded, as progress reports. */
export function stepChanges(d: RunDetails, seen: Map<string, string>): StepProgress[] {
  const out: StepProgress[] = [];
  for (const s of d.steps) {
    if (s.statusLabel === 'not_started' || seen.get(s.name) === s.statusLabel) continue;
    seen.set(s.name, s.statusLabel);
    const startedAt = s.startedAt ? Date.parse(s.startedAt) : undefined;
    const finishedAt = s.finishedAt ? Date.parse(s.finishedAt) : undefined;
    const p: StepProgress = { step: s.name, status: s.statusLabel, exitCode: s.exitCode, at: finishedAt ?? startedAt ?? Date.now() };
    if (startedAt !== undefined) p.startedAt = startedAt;
    if (finishedAt !== undefined) p.finishedAt = finishedAt;
    if (s.error) p.error = s.error;
    out.push(p);
  }
  return out.sort((a, b) => a.at - b.at);
}

/**
 * Follows a run by reading its details whenever `wake` fires (an event of the run) and at
 * least every `pollMs`, reporting each step's changes in the order they happened. Reads only the
 * public run details, so it does not depend on the shape of the runtime's internal events.
 */
export async function followDetails(
  getRun: () => Promise<RunDetails | undefined>,
  onStep: (p: StepProgress) => void,
  o: { pollMs: number; wake?: (notify: () => void) => () => void; notFound: () => Error },
): Promise<RunDetails> {
  const seen = new Map<string, string>();
  let dirty = false;
  let nudge: (() => void) | undefined;
  const unsubscribe = o.wake?.(() => {
    dirty = true;
    nudge?.();
  });
  try {
    for (;;) {
      dirty = false;
      const d = await getRun();
      if (!d) throw o.notFound();
      for (const p of stepChanges(d, seen)) onStep(p);
      if (TERMINAL.has(d.statusLabel)) return d;
      await new Promise<void>((resolve) => {
        // Let the burst of events of one tick settle into the record first.
        if (dirty) return void setImmediate(resolve);
        const timer = setTimeout(resolve, o.pollMs);
        nudge = () => {
          nudge = undefined;
          clearTimeout(timer);
          setImmediate(resolve);
        };
      });
      nudge = undefined;
    }
  } finally {
    unsubscribe?.();
  }
}
