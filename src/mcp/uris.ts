/**
 * `dagu://` resource URIs: parsing (strict, as Dagu's URI mode) and formatting (one
 * percent-encoded path segment per name or id, so `run/1` stays one segment).
 */

/** A parsed `dagu://` URI. `query` is the raw query string without `?` ('' when absent). */
export type DaguUri =
  | { kind: 'references' }
  | { kind: 'reference'; topic: string }
  | { kind: 'dags'; query: string }
  | { kind: 'dag_spec'; name: string }
  | { kind: 'runs'; query: string }
  | { kind: 'run'; name: string; dagRunId: string }
  | { kind: 'run_logs'; name: string; dagRunId: string; query: string }
  | { kind: 'step_log'; name: string; dagRunId: string; stepName: string };

/** Why a URI did not parse: Dagu's two URI error codes. */
export interface UriProblem {
  code: 'invalid_resource_uri' | 'unsupported_resource';
  message: string;
}

export type UriParse = { ok: true; uri: DaguUri } | { ok: false; problem: UriProblem };

const URI_SHAPE = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?(#.*)?$/;
const KNOWN_HOSTS = new Set(['reference', 'dags', 'runs']);

const invalid = (message: string): UriParse => ({ ok: false, problem: { code: 'invalid_resource_uri', message } });

/** Parses a `dagu://` URI; never throws. Queries are returned raw and validated by the caller. */
export function parseDaguUri(raw: string): UriParse {
  const m = URI_SHAPE.exec(raw);
  if (!m) return invalid('Resource URI is malformed.');
  const [, scheme, host = '', path = '', queryPart, fragment] = m;
  if (scheme !== 'dagu') return invalid('Resource URI must use the dagu scheme.');
  if (host === '') return invalid('Resource URI must name a resource host.');
  if (fragment !== undefined) return invalid('Resource URI must not carry a fragment.');
  if (!KNOWN_HOSTS.has(host)) {
    return /^[a-z][a-z0-9_-]*$/.test(host)
      ? { ok: false, problem: { code: 'unsupported_resource', message: 'Unsupported resource.' } }
      : invalid('Resource URI host is malformed.');
  }
  const query = queryPart ?? '';
  const hasQuery = queryPart !== undefined;
  if (hasQuery && !wellEncoded(query)) return invalid('Resource URI query has malformed percent-encoding.');
  let segments: string[] = [];
  if (path !== '') {
    const rawSegments = path.slice(1).split('/');
    if (rawSegments.some((s) => s === '')) return invalid('Resource URI has an empty path segment.');
    try {
      segments = rawSegments.map((s) => decodeURIComponent(s));
    } catch {
      return invalid('Resource URI has bad percent-encoding.');
    }
    if (segments.some((s) => s.trim() === '')) return invalid('Resource URI has an empty path segment.');
  }
  const noQuery = (uri: DaguUri): UriParse => (hasQuery ? invalid('This resource URI does not accept a query.') : { ok: true, uri });
  const [a, b, c, d, e] = segments;
  switch (host) {
    case 'reference':
      if (segments.length === 0) return noQuery({ kind: 'references' });
      if (segments.length === 1) return noQuery({ kind: 'reference', topic: a! });
      break;
    case 'dags':
      if (segments.length === 0) return { ok: true, uri: { kind: 'dags', query } };
      if (segments.length === 2 && b === 'spec') return noQuery({ kind: 'dag_spec', name: a! });
      break;
    case 'runs':
      if (segments.length === 0) return { ok: true, uri: { kind: 'runs', query } };
      if (segments.length === 2) return noQuery({ kind: 'run', name: a!, dagRunId: b! });
      if (segments.length === 3 && c === 'logs') return { ok: true, uri: { kind: 'run_logs', name: a!, dagRunId: b!, query } };
      if (segments.length === 5 && c === 'steps' && e === 'logs') return noQuery({ kind: 'step_log', name: a!, dagRunId: b!, stepName: d! });
      break;
  }
  return invalid('Unsupported resource URI path.');
}

const PERCENT = /%(?![0-9A-Fa-f]{2})/;

/**
 * Whether every key and value of a query decodes: `URLSearchParams` keeps a stray `%zz` as
 * literal text and turns bad UTF-8 (`%C3%28`) into U+FFFD, so malformed input would pass
 * silently. Checked with `decodeURIComponent`, which throws on both.
 */
export function wellEncoded(query: string): boolean {
  if (PERCENT.test(query)) return false;
  if (!query.includes('%')) return true;
  try {
    for (const part of query.split(/[&=]/)) decodeURIComponent(part);
    return true;
  } catch {
    return false;
  }
}

/** Percent-encodes one path segment (`demo dag` → `demo%20dag`, `run/1` → `run%2F1`). */
export const encodeSegment = (value: string): string => encodeURIComponent(value);

const withQuery = (uri: string, query?: string): string => (query ? `${uri}?${query}` : uri);

export const REFERENCES_URI = 'dagu://reference';
export const referenceUri = (topic: string): string => `dagu://reference/${encodeSegment(topic)}`;
export const dagsUri = (query?: string): string => withQuery('dagu://dags', query);
export const dagSpecUri = (name: string): string => `dagu://dags/${encodeSegment(name)}/spec`;
export const runsUri = (query?: string): string => withQuery('dagu://runs', query);
export const runUri = (name: string, dagRunId: string): string => `dagu://runs/${encodeSegment(name)}/${encodeSegment(dagRunId)}`;
/** The logs URI of a run; `query` is appended as given (already encoded). */
export const runLogsUri = (name: string, dagRunId: string, query?: string): string => withQuery(`${runUri(name, dagRunId)}/logs`, query);
export const stepLogUri = (name: string, dagRunId: string, stepName: string): string =>
  `${runUri(name, dagRunId)}/steps/${encodeSegment(stepName)}/logs`;

/** The canonical URI of a parsed URI (queries kept as given). */
export function formatDaguUri(uri: DaguUri): string {
  switch (uri.kind) {
    case 'references':
      return REFERENCES_URI;
    case 'reference':
      return referenceUri(uri.topic);
    case 'dags':
      return dagsUri(uri.query);
    case 'dag_spec':
      return dagSpecUri(uri.name);
    case 'runs':
      return runsUri(uri.query);
    case 'run':
      return runUri(uri.name, uri.dagRunId);
    case 'run_logs':
      return runLogsUri(uri.name, uri.dagRunId, uri.query);
    case 'step_log':
      return stepLogUri(uri.name, uri.dagRunId, uri.stepName);
  }
}

/** Audit resource type and id of a URI (`dag_run_step_log`, `nightly/run-1/build`). */
export function uriAuditResource(raw: string): { resource_type: string; resource_id: string } {
  const parsed = parseDaguUri(raw);
  if (!parsed.ok) return { resource_type: 'resource', resource_id: raw.slice(0, 256) };
  const u = parsed.uri;
  switch (u.kind) {
    case 'reference':
      return { resource_type: 'reference', resource_id: u.topic };
    case 'dag_spec':
      return { resource_type: 'dag_spec', resource_id: u.name };
    case 'run':
      return { resource_type: 'dag_run', resource_id: `${u.name}/${u.dagRunId}` };
    case 'run_logs':
      return { resource_type: 'dag_run_logs', resource_id: `${u.name}/${u.dagRunId}` };
    case 'step_log':
      return { resource_type: 'dag_run_step_log', resource_id: `${u.name}/${u.dagRunId}/${u.stepName}` };
    default:
      return { resource_type: 'resource', resource_id: raw.slice(0, 256) };
  }
}
