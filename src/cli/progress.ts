import type { RunDetails } from '../actors/index.ts';
import type { StepProgress } from './backend.ts';
import { duration, human, progressLine } from './format.ts';
import type { CliIo } from './io.ts';

/** Receives a followed run's step changes; `end` is called once, when the run is over. */
export interface ProgressReporter {
  step(p: StepProgress): void;
  end(): void;
}

const FINAL = new Set(['succeeded', 'failed', 'skipped', 'aborted', 'partially_succeeded']);

/**
 * Orders step changes that arrive in one burst by when they happened: a step that finished
 * comes before a step that its end let start, even when the runtime reports the start first.
 * Changes of one step keep their order.
 */
export function orderBurst(batch: StepProgress[]): StepProgress[] {
  const out: StepProgress[] = [];
  for (const p of batch) {
    let i = out.length;
    while (i > 0) {
      const q = out[i - 1]!;
      if (q.step === p.step) break;
      const earlier = p.at < q.at || (p.at === q.at && FINAL.has(p.status) && !FINAL.has(q.status));
      if (!earlier) break;
      i--;
    }
    out.splice(i, 0, p);
  }
  return out;
}

/** Plain lines, one per step change, in the order the changes happened (pipes, files, CI logs). */
export function lineReporter(io: CliIo): ProgressReporter {
  let burst: StepProgress[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const batch = orderBurst(burst);
    burst = [];
    for (const p of batch) io.out(progressLine(p));
  };
  return {
    step(p) {
      burst.push(p);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    end: flush,
  };
}

const MARKS: Record<string, string> = {
  not_started: '○',
  running: '●',
  retrying: '↻',
  succeeded: '✓',
  partially_succeeded: '✓',
  failed: '✗',
  aborted: '■',
  skipped: '–',
};

interface Row {
  step: string;
  status: string;
  startedAt?: number;
  finishedAt?: number;
  exitCode: number | null;
  error?: string;
}

/**
 * The live display on a terminal: one row per step with a status mark, its state and elapsed
 * time; running steps update in place (redrawn every 100 ms, cursor moved back over the block).
 * Rows are cut to the terminal's width so a wrapped line never breaks the redraw.
 */
export function liveReporter(tty: NonNullable<CliIo['tty']>, initial: RunDetails | undefined, now: () => number = Date.now): ProgressReporter {
  const rows = new Map<string, Row>();
  for (const s of initial?.steps ?? []) rows.set(s.name, { step: s.name, status: s.statusLabel, exitCode: s.exitCode });
  let drawn = 0;
  const width = () => Math.max(20, tty.columns - 1);
  const nameWidth = () => Math.min(28, Math.max(8, ...[...rows.keys()].map((k) => k.length)));

  function text(r: Row): string {
    const elapsed = r.startedAt === undefined ? '' : duration((r.finishedAt ?? now()) - r.startedAt);
    const exit = r.exitCode !== null && FINAL.has(r.status) && r.exitCode !== 0 ? ` exit=${r.exitCode}` : '';
    const why = r.error && r.status !== 'succeeded' ? `  ${r.error}` : '';
    const line = `  ${MARKS[r.status] ?? '?'} ${r.step.padEnd(nameWidth())}  ${(r.status === 'not_started' ? 'pending' : human(r.status)).padEnd(12)} ${elapsed.padStart(7)}${exit}${why}`;
    return line.length > width() ? `${line.slice(0, width() - 1)}…` : line;
  }

  function render(): void {
    let out = drawn > 0 ? `\x1b[${drawn}F` : '';
    for (const r of rows.values()) out += `\x1b[2K${text(r)}\n`;
    drawn = rows.size;
    tty.write(out);
  }

  const timer = setInterval(() => {
    if ([...rows.values()].some((r) => r.status === 'running' || r.status === 'retrying')) render();
  }, 100);
  timer.unref?.();
  render();

  return {
    step(p) {
      const r = rows.get(p.step) ?? { step: p.step, status: 'not_started', exitCode: null };
      r.status = p.status;
      r.exitCode = p.exitCode;
      if (p.startedAt !== undefined) r.startedAt = p.startedAt;
      else if (r.startedAt === undefined && (p.status === 'running' || p.status === 'retrying')) r.startedAt = p.at;
      if (p.finishedAt !== undefined) r.finishedAt = p.finishedAt;
      else if (FINAL.has(p.status)) r.finishedAt = p.at;
      if (p.status === 'running') delete r.finishedAt;
      if (p.error) r.error = p.error;
      rows.set(p.step, r);
      render();
    },
    end() {
      clearInterval(timer);
      render();
    },
  };
}

/** The live display on a terminal, plain lines otherwise; nothing with `--json`. */
export function reporterFor(io: CliIo, json: boolean, initial?: RunDetails): ProgressReporter {
  if (json) return { step() {}, end() {} };
  if (io.tty && !io.env.TROUPE_PLAIN) return liveReporter(io.tty, initial);
  return lineReporter(io);
}
