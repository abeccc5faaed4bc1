import { ToolFailure, invalidInput } from '../tool-failure.ts';
import { formatDaguUri, parseDaguUri } from '../uris.ts';
import type { DaguUri } from '../uris.ts';
import { validateReadQuery } from './read-query.ts';
import type { QueryTarget, ReadQuery } from './read-query.ts';

/** The read targets, as Dagu spells them (case-sensitive). */
export const READ_TARGETS = ['references', 'reference', 'dags', 'dag', 'dag_spec', 'runs', 'run', 'run_logs', 'step_log'] as const;
export type ReadTarget = (typeof READ_TARGETS)[number];

/** A parsed, validated `dagu_read` call. */
export interface ReadRequest {
  mode: 'target' | 'uri';
  target: ReadTarget;
  name?: string;
  dagRunId?: string;
  stepName?: string;
  /** Raw query string, '' when absent. */
  query: string;
  params: ReadQuery;
  /** The canonical URI the output echoes, when the target has one. */
  uri?: string;
}

const FIELDS = ['target', 'name', 'dagRunId', 'stepName', 'query', 'uri'] as const;
type Field = (typeof FIELDS)[number];

const SHAPE: Record<ReadTarget, { required: Field[]; optional: Field[] }> = {
  references: { required: [], optional: [] },
  reference: { required: [], optional: ['name'] },
  dags: { required: [], optional: ['query'] },
  dag: { required: ['name'], optional: [] },
  dag_spec: { required: ['name'], optional: [] },
  runs: { required: [], optional: ['query'] },
  run: { required: ['name', 'dagRunId'], optional: [] },
  run_logs: { required: ['name', 'dagRunId'], optional: ['query'] },
  step_log: { required: ['name', 'dagRunId', 'stepName'], optional: [] },
};

const isTarget = (v: string): v is ReadTarget => (READ_TARGETS as readonly string[]).includes(v);
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads the fields as Dagu does: null = absent, strings only, trimmed, empty = absent. */
function readFields(args: unknown): { values: Partial<Record<Field, string>>; given: Set<Field> } {
  if (!isPlainObject(args)) throw invalidInput('Tool input must be a JSON object.');
  const values: Partial<Record<Field, string>> = {};
  const given = new Set<Field>();
  for (const [key, raw] of Object.entries(args)) {
    if (!(FIELDS as readonly string[]).includes(key)) throw invalidInput(`Unknown field ${key}.`, key);
    const field = key as Field;
    if (raw === null || raw === undefined) continue;
    if (typeof raw !== 'string') throw invalidInput(`Field ${field} must be a string.`, field);
    given.add(field);
    const trimmed = raw.trim();
    if (trimmed !== '') values[field] = trimmed;
  }
  return { values, given };
}

function fromUri(raw: string): ReadRequest {
  const parsed = parseDaguUri(raw);
  if (!parsed.ok) throw new ToolFailure(parsed.problem.code, parsed.problem.message, { field: 'uri', uri: raw });
  const u: DaguUri = parsed.uri;
  let query = '';
  let params: ReadQuery = new Map();
  if (u.kind === 'dags' || u.kind === 'runs' || u.kind === 'run_logs') {
    const checked = validateReadQuery(u.kind, u.query);
    if (!checked.ok) throw new ToolFailure('invalid_resource_uri', checked.reason, { field: 'uri', uri: raw });
    query = u.query;
    params = checked.params;
  }
  const base = { mode: 'uri' as const, query, params, uri: formatDaguUri(u) };
  switch (u.kind) {
    case 'references':
      return { ...base, target: 'references' };
    case 'reference':
      return { ...base, target: 'reference', name: u.topic };
    case 'dags':
      return { ...base, target: 'dags' };
    case 'dag_spec':
      return { ...base, target: 'dag_spec', name: u.name };
    case 'runs':
      return { ...base, target: 'runs' };
    case 'run':
      return { ...base, target: 'run', name: u.name, dagRunId: u.dagRunId };
    case 'run_logs':
      return { ...base, target: 'run_logs', name: u.name, dagRunId: u.dagRunId };
    case 'step_log':
      return { ...base, target: 'step_log', name: u.name, dagRunId: u.dagRunId, stepName: u.stepName };
  }
}

/**
 * Parses `dagu_read` arguments strictly (Dagu spec 021): target mode or URI mode, per-target
 * required and allowed fields, query validation. Throws `ToolFailure` with Dagu's codes.
 */
export function parseReadInput(args: unknown): ReadRequest {
  const { values, given } = readFields(args);
  if (values.uri !== undefined) {
    const mixed = FIELDS.filter((f) => f !== 'uri' && values[f] !== undefined);
    if (mixed.length > 0) {
      // Name the field URI mode forbids (`target` first, then the order of FIELDS), not `uri`.
      throw invalidInput(`The ${mixed[0]} field is not allowed in URI mode.`, mixed[0], { details: { fields: mixed } });
    }
    return fromUri(values.uri);
  }
  const target = values.target;
  if (target === undefined) {
    const anyGiven = given.size > 0 || FIELDS.some((f) => values[f] !== undefined);
    if (!anyGiven) throw invalidInput('Either target or uri is required.');
    throw invalidInput('The target field is required for target mode.', 'target');
  }
  if (!isTarget(target)) throw new ToolFailure('unsupported_read_target', 'Unsupported read target.', { field: 'target', target });
  const shape = SHAPE[target];
  for (const f of shape.required) {
    if (values[f] === undefined) throw invalidInput(`The ${f} field is required for target ${target}.`, f, { target });
  }
  for (const f of FIELDS) {
    if (f === 'target' || values[f] === undefined) continue;
    if (!shape.required.includes(f) && !shape.optional.includes(f)) {
      throw invalidInput(`The ${f} field is not allowed for target ${target}.`, f, { target });
    }
  }
  const query = values.query ?? '';
  let params: ReadQuery = new Map();
  if (query !== '') {
    const checked = validateReadQuery(target as QueryTarget, query);
    if (!checked.ok) throw invalidInput(checked.reason, 'query', { target });
    params = checked.params;
  }
  const req: ReadRequest = { mode: 'target', target, query, params };
  if (values.name !== undefined) req.name = values.name;
  if (values.dagRunId !== undefined) req.dagRunId = values.dagRunId;
  if (values.stepName !== undefined) req.stepName = values.stepName;
  if (target === 'reference') req.name ??= 'authoring';
  const uri = canonicalTargetUri(req);
  if (uri !== undefined) req.uri = uri;
  return req;
}

/** The URI a target-mode read echoes (Dagu omits it for list targets and `dag`). */
function canonicalTargetUri(req: ReadRequest): string | undefined {
  switch (req.target) {
    case 'reference':
      return formatDaguUri({ kind: 'reference', topic: req.name! });
    case 'dag_spec':
      return formatDaguUri({ kind: 'dag_spec', name: req.name! });
    case 'run':
      return formatDaguUri({ kind: 'run', name: req.name!, dagRunId: req.dagRunId! });
    case 'run_logs':
      return formatDaguUri({ kind: 'run_logs', name: req.name!, dagRunId: req.dagRunId!, query: req.query });
    case 'step_log':
      return formatDaguUri({ kind: 'step_log', name: req.name!, dagRunId: req.dagRunId!, stepName: req.stepName! });
    default:
      return undefined;
  }
}

