import type { RunDetails } from '../actors/index.ts';
import type { StepProgress } from './backend.ts';

/** `850ms`, `2.4s`, `3m05s`. */
export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}s`;
}

/** A status label for people: `partially_succeeded` -> `partially succeeded`. */
export function human(label: string): string {
  return label.replace(/_/g, ' ');
}

/** "exit code 3" says nothing the exit code does not. */
export const isExitCodeOnly = (error: string) => /^exit code \d+$/.test(error);

/** One progress line per step change: step, status, exit code, duration, failure reason. */
export function progressLine(p: StepProgress): string {
  const final = p.status !== 'running' && p.status !== 'retrying';
  const exit = p.exitCode !== null && final ? ` exit=${p.exitCode}` : '';
  const d = final && p.startedAt !== undefined && p.finishedAt !== undefined ? ` ${duration(p.finishedAt - p.startedAt)}` : '';
  const why = p.error && p.status !== 'succeeded' && !isExitCodeOnly(p.error) ? ` (${p.error})` : '';
  return `  ${p.step.padEnd(24)} ${human(p.status)}${exit}${d}${why}`;
}

/** The closing line of a followed run, and one line per failed step with its reason. */
export function outcomeLines(d: RunDetails): string[] {
  const took = d.startedAt && d.finishedAt ? ` in ${duration(Date.parse(d.finishedAt) - Date.parse(d.startedAt))}` : '';
  const lines = [`${human(d.statusLabel)}${took}${d.error ? `: ${d.error}` : ''}`];
  if (d.skippedHandler) lines.push(`  ${skippedText(d.skippedHandler)}`);
  for (const s of d.steps) {
    if (s.statusLabel === 'failed' || s.statusLabel === 'aborted') {
      lines.push(`  step ${s.name} ${human(s.statusLabel)}${s.exitCode !== null ? ` (exit ${s.exitCode})` : ''}${s.error && !isExitCodeOnly(s.error) ? `: ${s.error}` : ''}`);
    }
  }
  return lines;
}

/** Human-readable run details. */
export function runText(d: RunDetails): string {
  const lines = [
    `${d.name} ${d.dagRunId}`,
    `  status:   ${human(d.statusLabel)}${d.error ? ` — ${d.error}` : ''}`,
    `  attempt:  ${d.attempt}`,
    `  queued:   ${d.queuedAt ?? '-'}`,
    `  started:  ${d.startedAt ?? '-'}`,
    `  finished: ${d.finishedAt ?? '-'}`,
  ];
  if (d.skippedHandler) lines.push(`  handlers: ${skippedText(d.skippedHandler)}`);
  const keys = Object.keys(d.params);
  if (keys.length > 0) lines.push(`  params:   ${keys.map((k) => `${k}=${d.params[k]}`).join(' ')}`);
  if (d.parentDAGRunName !== undefined) lines.push(`  parent:   ${d.parentDAGRunName} ${d.parentDAGRunId} (step ${d.parentStepName})`);
  if (d.rootDAGRunName !== undefined && d.rootDAGRunId !== d.parentDAGRunId) lines.push(`  root:     ${d.rootDAGRunName} ${d.rootDAGRunId}`);
  lines.push('  steps:');
  for (const s of d.steps) {
    const dur = s.startedAt && s.finishedAt ? duration(Date.parse(s.finishedAt) - Date.parse(s.startedAt)) : '';
    const exit = s.exitCode !== null ? `exit=${s.exitCode}` : '';
    const retries = s.retryCount > 0 ? `retries=${s.retryCount}` : '';
    const repeats = s.repeatCount ? `repeats=${s.repeatCount}` : '';
    lines.push(`    ${s.name.padEnd(24)} ${human(s.statusLabel).padEnd(20)} ${[exit, retries, repeats, dur, s.error ?? ''].filter(Boolean).join(' ')}`.trimEnd());
    // The child runs of a sub-DAG step: `troupe status <name> <id>` shows each.
    const subs = s.subRuns ?? [];
    for (const r of subs.slice(0, 10)) lines.push(`      -> ${r.name} ${r.dagRunId}`);
    if (subs.length > 10) lines.push(`      -> … and ${subs.length - 10} more (troupe status --json lists them)`);
  }
  if (d.history.length > 0) {
    lines.push('  earlier attempts:');
    for (const a of d.history) lines.push(`    #${a.attempt} ${human(a.statusLabel).padEnd(20)} ${a.startedAt ?? '-'} -> ${a.finishedAt ?? '-'}${a.error ? ` (${a.error})` : ''}${a.skippedHandler ? ` [handler_on.${a.skippedHandler.handler} skipped]` : ''}`);
  }
  return lines.join('\n');
}

/** A handler the attempt left out, e.g. `failure` while an automatic retry is pending (§20.3). */
function skippedText(h: NonNullable<RunDetails['skippedHandler']>): string {
  return `handler_on.${h.handler} skipped: ${h.reason}`;
}

/** One line per run for `troupe runs`. */
export function runLine(d: RunDetails): string {
  return `${(d.startedAt ?? d.queuedAt ?? '').padEnd(24)} ${d.name.padEnd(20)} ${d.dagRunId.padEnd(36)} ${human(d.statusLabel)}`;
}
