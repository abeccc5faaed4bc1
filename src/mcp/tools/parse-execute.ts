import { runIdProblem } from '../../core/index.ts';
import { ToolFailure, invalidInput } from '../tool-failure.ts';

export const EXECUTE_ACTIONS = ['start', 'enqueue', 'retry', 'stop'] as const;
export type ExecuteAction = (typeof EXECUTE_ACTIONS)[number];
export type ExecuteTargetType = 'dag' | 'inline_spec' | 'run';

/** Longest `wait` a call may ask for, seconds. */
export const MAX_WAIT_SEC = 3600;
/** `timeoutSec` when `wait: true` comes without one. */
export const DEFAULT_WAIT_SEC = 60;

/** A parsed, validated `dagu_execute` call. */
export interface ExecuteRequest {
  action: ExecuteAction;
  targetType: ExecuteTargetType;
  name?: string;
  spec?: string;
  dagRunId?: string;
  params?: string;
  queue?: string;
  singleton?: boolean;
  labels?: string[];
  stepName?: string;
  noReuse?: boolean;
  includeDownstream?: boolean;
  wait: boolean;
  timeoutSec: number;
}

type Kind = 'string' | 'boolean' | 'strings' | 'integer';
const FIELDS: Record<string, Kind> = {
  action: 'string',
  targetType: 'string',
  name: 'string',
  spec: 'string',
  dagRunId: 'string',
  params: 'string',
  queue: 'string',
  singleton: 'boolean',
  labels: 'strings',
  stepName: 'string',
  noReuse: 'boolean',
  includeDownstream: 'boolean',
  wait: 'boolean',
  timeoutSec: 'integer',
};
/** Fields each action accepts besides `action`, `targetType`, `wait`, `timeoutSec`. */
const ALLOWED: Record<ExecuteAction, string[]> = {
  start: ['name', 'spec', 'dagRunId', 'params', 'singleton', 'labels', 'noReuse'],
  enqueue: ['name', 'spec', 'dagRunId', 'params', 'queue', 'singleton', 'labels', 'noReuse'],
  retry: ['name', 'dagRunId', 'stepName', 'includeDownstream'],
  stop: ['name', 'dagRunId'],
};

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses `dagu_execute` arguments strictly, with Dagu's defaults and messages: `targetType`
 * defaults to `run` for retry/stop, `inline_spec` when `spec` is given, else `dag`. Throws
 * `ToolFailure` (`invalid_tool_input`, `unsupported_execute_action`, `unsupported_target_type`).
 */
export function parseExecuteInput(args: unknown): ExecuteRequest {
  if (!isPlainObject(args)) throw invalidInput('Tool input must be a JSON object.');
  const v: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    const kind = FIELDS[key];
    if (!kind) throw invalidInput(`Unknown field ${key}.`, key);
    if (value === null || value === undefined) continue;
    switch (kind) {
      case 'string':
        if (typeof value !== 'string') throw invalidInput(`Field ${key} must be a string.`, key);
        // spec and params are kept as given; they only have to be non-blank.
        if (value.trim() !== '') v[key] = key === 'spec' || key === 'params' ? value : value.trim();
        break;
      case 'boolean':
        if (typeof value !== 'boolean') throw invalidInput(`Field ${key} must be a boolean.`, key);
        v[key] = value;
        break;
      case 'strings':
        if (!Array.isArray(value) || value.some((x) => typeof x !== 'string' || x.trim() === '')) {
          throw invalidInput(`Field ${key} must be an array of non-empty strings.`, key);
        }
        v[key] = value.map((x: string) => x.trim());
        break;
      case 'integer':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_WAIT_SEC) {
          throw invalidInput(`Field ${key} must be an integer between 1 and ${MAX_WAIT_SEC}.`, key);
        }
        v[key] = value;
        break;
    }
  }
  const action = v.action as string | undefined;
  if (action === undefined) throw invalidInput('action is required', 'action');
  if (!(EXECUTE_ACTIONS as readonly string[]).includes(action)) {
    throw new ToolFailure('unsupported_execute_action', `unsupported execute action "${action}"`, { field: 'action', action });
  }
  const a = action as ExecuteAction;
  const echo = { action: a };
  for (const key of Object.keys(v)) {
    if (['action', 'targetType', 'wait', 'timeoutSec'].includes(key)) continue;
    if (!ALLOWED[a].includes(key)) throw invalidInput(`The ${key} field is not allowed for action ${a}.`, key, echo);
  }
  const spec = v.spec as string | undefined;
  const defaultType: ExecuteTargetType = a === 'retry' || a === 'stop' ? 'run' : spec !== undefined ? 'inline_spec' : 'dag';
  const targetType = (v.targetType as string | undefined) ?? defaultType;
  const allowedTypes = a === 'retry' || a === 'stop' ? ['run'] : ['dag', 'inline_spec'];
  if (!allowedTypes.includes(targetType)) {
    throw new ToolFailure('unsupported_target_type', `unsupported ${a} targetType "${targetType}"`, { field: 'targetType', ...echo, targetType });
  }
  const name = v.name as string | undefined;
  if (targetType === 'dag') {
    if (name === undefined) throw invalidInput('name is required', 'name', echo);
    if (spec !== undefined) throw invalidInput('spec is only allowed with targetType inline_spec', 'spec', echo);
  }
  if (targetType === 'inline_spec' && spec === undefined) throw invalidInput('spec is required for inline_spec target', 'spec', echo);
  if (targetType === 'run') {
    if (name === undefined) throw invalidInput('name is required', 'name', echo);
    if (v.dagRunId === undefined) throw invalidInput('dagRunId is required', 'dagRunId', echo);
  }
  if (v.dagRunId !== undefined) {
    const problem = runIdProblem(v.dagRunId as string);
    if (problem && !(targetType === 'run' && v.dagRunId === 'latest')) throw invalidInput(problem, 'dagRunId', echo);
  }
  if (v.includeDownstream === true && v.stepName === undefined) throw invalidInput('includeDownstream requires stepName', 'includeDownstream', echo);
  if (v.timeoutSec !== undefined && v.wait !== true) throw invalidInput('timeoutSec requires wait=true', 'timeoutSec', echo);
  if (v.params !== undefined) {
    const p = (v.params as string).trim();
    if (p.startsWith('{')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(p);
      } catch {
        throw invalidInput('params must be a JSON object string or KEY=value pairs', 'params', echo);
      }
      if (!isPlainObject(parsed)) throw invalidInput('params must be a JSON object string or KEY=value pairs', 'params', echo);
    }
  }
  const out: ExecuteRequest = {
    action: a,
    targetType: targetType as ExecuteTargetType,
    wait: v.wait === true,
    timeoutSec: (v.timeoutSec as number | undefined) ?? DEFAULT_WAIT_SEC,
  };
  for (const key of ['name', 'spec', 'dagRunId', 'params', 'queue', 'singleton', 'labels', 'stepName', 'noReuse', 'includeDownstream'] as const) {
    if (v[key] !== undefined) (out as unknown as Record<string, unknown>)[key] = v[key];
  }
  return out;
}

/** Parameter names of a params string (JSON object keys or `K=v` keys), never values. */
export function paramKeys(params: string | undefined): string[] {
  if (!params) return [];
  const p = params.trim();
  if (p.startsWith('{')) {
    try {
      return Object.keys(JSON.parse(p) as Record<string, unknown>).sort();
    } catch {
      return ['<invalid>'];
    }
  }
  return [...p.matchAll(/(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=/g)].map((m) => m[1]!).sort();
}
