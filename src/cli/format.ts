import type { RunDetails } from '../actors/index.ts';
import type { StepProgress } from './backend.ts';

export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '';
  return ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`;
}

/** One progress line per step transition: step, status, duration. */
export function progressLine(p: StepProgress): string {
  const exit = p.exitCode !== null && p.status !== 'running' ? ` exit=${p.exitCode}` : '';
  const d = p.durationMs !== undefined && p.status !== 'running' ? ` ${duration(p.durationMs)}` : '';
  return `  ${p.step.padEnd(24)} ${p.status}${exit}${d}`;
}

/** Human-readable run details. */
export function runText(d: RunDetails): string {
  const lines = [
    `${d.name} ${d.dagRunId}`,
    `  status:   ${d.statusLabel} (${d.status})${d.error ? ` — ${d.error}` : ''}`,
    `  attempt:  ${d.attempt}`,
    `  queued:   ${d.queuedAt ?? '-'}`,
    `  started:  ${d.startedAt ?? '-'}`,
    `  finished: ${d.finishedAt ?? '-'}`,
  ];
  const keys = Object.keys(d.params);
  if (keys.length > 0) lines.push(`  params:   ${keys.map((k) => `${k}=${d.params[k]}`).join(' ')}`);
  lines.push('  steps:');
  for (const s of d.steps) {
    const dur = s.startedAt && s.finishedAt ? duration(Date.parse(s.finishedAt) - Date.parse(s.startedAt)) : '';
    const exit = s.exitCode !== null ? `exit=${s.exitCode}` : '';
    const retries = s.retryCount > 0 ? `retries=${s.retryCount}` : '';
    lines.push(`    ${s.name.padEnd(24)} ${s.statusLabel.padEnd(20)} ${[exit, retries, dur, s.error ?? ''].filter(Boolean).join(' ')}`.trimEnd());
  }
  if (d.history.length > 0) {
    lines.push('  earlier attempts:');
    for (const a of d.history) lines.push(`    #${a.attempt} ${a.statusLabel.padEnd(20)} ${a.startedAt ?? '-'} -> ${a.finishedAt ?? '-'}${a.error ? ` (${a.error})` : ''}`);
  }
  return lines.join('\n');
}

/** One line per run for `troupe runs`. */
export function runLine(d: RunDetails): string {
  return `${(d.startedAt ?? d.queuedAt ?? '').padEnd(24)} ${d.name.padEnd(20)} ${d.dagRunId.padEnd(36)} ${d.statusLabel}`;
}
