import { dagNameProblem, runIdProblem } from '../core/index.ts';
import { badRequest } from './api-error.ts';

/** A DAG name from a path or body; traversal (`..`, `/`) and bad characters are a 400. */
export function dagName(value: string, field = 'name'): string {
  const problem = dagNameProblem(value);
  if (problem) throw badRequest(`${field}: ${problem}`);
  return value;
}

/** A run id from a path (`latest` allowed where `allowLatest`). */
export function runId(value: string, allowLatest = false): string {
  if (value === 'latest') {
    if (allowLatest) return value;
    // `latest` would resolve to whatever ran last; state changes must name their run.
    throw badRequest('dagRunId: latest is only accepted on reads');
  }
  const problem = runIdProblem(value);
  if (problem) throw badRequest(`dagRunId: ${problem}`);
  return value;
}

/** An optional integer query parameter within bounds. */
export function intQuery(url: URL, name: string, min: number, max: number): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) throw badRequest(`${name} must be an integer`);
  const n = Number(raw);
  if (n < min || n > max) throw badRequest(`${name} must be between ${min} and ${max}`);
  return n;
}

/** An optional time query parameter: epoch seconds (Dagu's `fromDate`) or an ISO-8601 date-time; epoch ms out. */
export function timeQuery(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return undefined;
  const ms = /^\d+$/.test(raw) ? Number(raw) * 1000 : Date.parse(raw);
  if (!Number.isFinite(ms)) throw badRequest(`${name} must be a unix timestamp in seconds or an ISO-8601 date-time`);
  return ms;
}
