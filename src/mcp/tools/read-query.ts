import { wellEncoded } from '../uris.ts';

/**
 * Validation of `dagu_read` list/log queries (Dagu's `validateReadQuery`): only known
 * parameters, each at most once (except the runs `status`), each value well formed.
 */

export type QueryTarget = 'dags' | 'runs' | 'run_logs';

/** A validated query: parameter → values (several only for `status`). */
export type ReadQuery = Map<string, string[]>;

const INT = /^\d+$/;
const SIGNED_INT = /^-?\d+$/;

type Rule = (value: string) => string | undefined;

const intIn = (min: number, max: number): Rule => (v) => {
  if (!INT.test(v)) return 'must be an integer';
  const n = Number(v);
  return n < min || n > max ? `must be between ${min} and ${max}` : undefined;
};
const nonEmpty: Rule = (v) => (v.trim() === '' ? 'must not be empty' : undefined);
const commaList: Rule = (v) => (v.split(',').some((x) => x.trim() === '') ? 'must be a comma list without empty items' : undefined);
const oneOf = (...values: string[]): Rule => (v) => (values.includes(v) ? undefined : `must be one of ${values.join(', ')}`);
const unixSeconds: Rule = (v) => (SIGNED_INT.test(v) && Number.isSafeInteger(Number(v)) ? undefined : 'must be unix seconds');

const RULES: Record<QueryTarget, Record<string, Rule>> = {
  dags: {
    page: intIn(1, Number.MAX_SAFE_INTEGER),
    perPage: intIn(1, 1000),
    name: nonEmpty,
    labels: commaList,
    active: oneOf('true', 'false'),
    sort: oneOf('name', 'nextRun'),
    order: oneOf('asc', 'desc'),
  },
  runs: {
    name: nonEmpty,
    cursor: nonEmpty,
    dagRunId: nonEmpty,
    status: intIn(0, 8),
    fromDate: unixSeconds,
    toDate: unixSeconds,
    limit: intIn(1, 500),
    labels: commaList,
  },
  run_logs: { tail: intIn(1, Number.MAX_SAFE_INTEGER) },
};
const REPEATABLE = new Set(['status']);

/** Validates `query` for `target`; returns the parameters or a human reason. */
export function validateReadQuery(target: QueryTarget, query: string): { ok: true; params: ReadQuery } | { ok: false; reason: string } {
  const params: ReadQuery = new Map();
  if (query === '') return { ok: true, params };
  if (query.startsWith('?')) return { ok: false, reason: 'The query must not start with "?".' };
  if (!wellEncoded(query)) return { ok: false, reason: 'The query has malformed percent-encoding.' };
  const rules = RULES[target];
  let parsed: URLSearchParams;
  try {
    parsed = new URLSearchParams(query);
  } catch {
    return { ok: false, reason: 'The query is not a valid URL query string.' };
  }
  for (const [key, value] of parsed) {
    const rule = rules[key];
    if (!rule) return { ok: false, reason: `Query parameter ${key} is not supported for ${target}.` };
    const list = params.get(key) ?? [];
    if (list.length > 0 && !REPEATABLE.has(key)) return { ok: false, reason: `Query parameter ${key} must not repeat.` };
    const problem = rule(value);
    if (problem) return { ok: false, reason: `Query parameter ${key} ${problem}.` };
    list.push(value);
    params.set(key, list);
  }
  return { ok: true, params };
}

/** Sorted parameter names of a query, for audit (values are never logged). */
export function queryKeys(query: string | undefined): string[] {
  if (!query) return [];
  try {
    return [...new Set([...new URLSearchParams(query).keys()])].sort();
  } catch {
    return ['<invalid>'];
  }
}
