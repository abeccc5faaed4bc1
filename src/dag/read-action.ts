import type { ParallelSpec, StepAction, StepSpec, SubDagCall } from './types.ts';
import type { At } from './spec-path.ts';
import type { SpecReader, YamlMap } from './spec-reader.ts';

/**
 * Dagu's built-in actions (§12) that Troupe does not run, each with the reason. Naming them
 * here means validate says "not supported by Troupe" instead of "unknown action", and a DAG
 * using one never runs with the step silently skipped.
 */
const UNSUPPORTED: ReadonlyArray<[RegExp, string]> = [
  [/^(http\.request)$/, 'call the URL from a run: step (curl)'],
  [/^(ssh\.run|docker\.run|container\.run|k8s\.run|kubernetes\.run)$/, 'Troupe runs steps as local processes'],
  [/^(postgres|sqlite)\.(query|import)$/, 'run the database client from a run: step'],
  [/^redis\./, 'run redis-cli from a run: step'],
  [/^(jq\.filter|data\.convert|data\.pick|template\.render)$/, 'run the tool (jq, ...) from a run: step'],
  [/^file\.(stat|list)$/, 'use a run: step (stat, ls)'],
  [/^artifact\.(write|read|list)$/, 'write to $DAG_RUN_ARTIFACTS_DIR from a run: step'],
  [/^archive\.(create|extract|list)$/, 'run tar or zip from a run: step'],
  [/^git\.(checkout|worktree\.add|worktree\.remove)$/, 'run git from a run: step'],
  [/^wait\.(until|file|http)$/, 'use a polling loop in a run: step'],
  [/^state\.(get|set|delete|diff|list)$/, 'keep state in files or step outputs'],
  [/^(s3\.|sftp\.)/, 'run the client from a run: step'],
  [/^mail\.send$/, 'send mail from a run: step'],
  [/^(chat\.completion|harness\.run)$/, 'Troupe runs no LLM steps'],
  [/^human\.task$/, 'human approval is not supported'],
  [/^router\.route$/, 'use preconditions on the target steps'],
];

/** `with` keys each supported action accepts; the required ones first in `required`. */
const WITH_KEYS: Record<string, { required: string[]; optional: string[] }> = {
  'dag.run': { required: ['dag'], optional: ['params'] },
  'dag.enqueue': { required: ['dag'], optional: ['params', 'queue'] },
  exec: { required: ['command'], optional: ['args'] },
  noop: { required: [], optional: [] },
  'log.write': { required: ['message'], optional: [] },
  'outputs.write': { required: ['values'], optional: [] },
  'wait.duration': { required: ['duration'], optional: [] },
  'file.write': { required: ['path', 'content'], optional: ['mode', 'create_dirs', 'overwrite', 'atomic'] },
  'file.read': { required: ['path'], optional: [] },
  'file.mkdir': { required: ['path'], optional: ['mode'] },
  'file.delete': { required: ['path'], optional: ['missing_ok', 'recursive'] },
  'file.copy': { required: ['source', 'destination'], optional: ['overwrite', 'create_dirs'] },
  'file.move': { required: ['source', 'destination'], optional: ['overwrite', 'create_dirs'] },
};

/** The actions Troupe runs. */
export const SUPPORTED_ACTIONS: readonly string[] = Object.keys(WITH_KEYS);

const scalar = (v: unknown): v is string | number | boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** A YAML value as plain JSON-like data (maps as objects). */
function plain(value: unknown): unknown {
  if (value instanceof Map) return Object.fromEntries([...value.entries()].map(([k, v]) => [String(k), plain(v)]));
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

/** `with.params` of a sub-DAG call: a string, a map, or a list (§13.2). */
function readParamsValue(reader: SpecReader, at: At, raw: unknown): SubDagCall['params'] | undefined {
  if (raw === null || raw === undefined) return undefined;
  if (typeof raw === 'string') return raw;
  if (raw instanceof Map) return plain(raw) as Record<string, unknown>;
  if (Array.isArray(raw)) return plain(raw) as unknown[];
  reader.wrongType(at, raw, 'a string of KEY=value pairs, a map or a list');
  return undefined;
}

/**
 * Reads `action` + `with` (§12), and `parallel` (§14.2) on a sub-DAG call, into `spec`. Sub-DAG
 * calls become `spec.call`; the other supported actions `spec.action`; actions Troupe does not
 * run are reported as not supported, naming the action.
 */
export function readAction(reader: SpecReader, at: At, map: YamlMap, spec: StepSpec): void {
  const name = reader.string(at.to('action'), map.get('action'));
  if (name === undefined) return;
  const rawWith = map.get('with');
  const w: YamlMap | undefined = rawWith === null || rawWith === undefined ? new Map() : reader.map(at.to('with'), rawWith);
  if (!w) return;
  const keys = WITH_KEYS[name];
  if (!keys) {
    const unsupported = UNSUPPORTED.find(([re]) => re.test(name));
    if (unsupported) reader.add(at.to('action'), `action "${name}" is not supported by Troupe`, { hint: unsupported[1] });
    else reader.add(at.to('action'), `unknown action "${name}"`, { hint: `Troupe runs ${SUPPORTED_ACTIONS.join(', ')}` });
    return;
  }
  let ok = true;
  for (const k of w.keys()) {
    const key = String(k);
    if (!keys.required.includes(key) && !keys.optional.includes(key)) {
      reader.add(at.to('with', key), `with key "${key}" is not allowed for action ${name}`, { on: 'key', hint: `${name} takes with: {${[...keys.required, ...keys.optional].join(', ')}}` });
      ok = false;
    }
  }
  for (const key of keys.required) {
    if (w.get(key) === null || w.get(key) === undefined) {
      reader.add(at.to('with', key), `action ${name} needs with.${key}`, { field: key });
      ok = false;
    }
  }
  const text = (key: string): string | undefined => {
    const raw = w.get(key);
    if (raw === null || raw === undefined) return undefined;
    if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
    const s = reader.string(at.to('with', key), raw);
    if (s === undefined) ok = false;
    return s;
  };
  const flag = (key: string, fallback: boolean): boolean => {
    const raw = w.get(key);
    if (raw === null || raw === undefined) return fallback;
    const b = reader.boolean(at.to('with', key), raw);
    if (b === undefined) ok = false;
    return b ?? fallback;
  };
  const nonEmpty = (key: string): string | undefined => {
    const s = text(key);
    if (s !== undefined && s.trim() === '') {
      reader.add(at.to('with', key), 'must not be empty');
      ok = false;
    }
    return s;
  };

  if (name === 'dag.run' || name === 'dag.enqueue') {
    const dag = nonEmpty('dag');
    const params = readParamsValue(reader, at.to('with', 'params'), w.get('params'));
    const queue = name === 'dag.enqueue' ? text('queue') : undefined;
    if (!ok || dag === undefined) return;
    spec.call = { mode: name === 'dag.run' ? 'run' : 'enqueue', dag: dag.trim(), ...(params !== undefined ? { params } : {}), ...(queue !== undefined && queue.trim() !== '' ? { queue: queue.trim() } : {}) };
    readParallel(reader, at.to('parallel'), map.get('parallel'), spec);
    return;
  }
  if (map.get('parallel') !== null && map.get('parallel') !== undefined) {
    reader.add(at.to('parallel'), 'parallel goes only with action dag.run or dag.enqueue', { on: 'key', hint: 'use foreach to repeat other steps per item' });
  }
  let action: StepAction | undefined;
  switch (name) {
    case 'exec': {
      const command = nonEmpty('command');
      const rawArgs = w.get('args');
      const args: string[] = [];
      if (rawArgs !== null && rawArgs !== undefined) {
        if (!Array.isArray(rawArgs)) {
          reader.wrongType(at.to('with', 'args'), rawArgs, 'a list of strings, numbers or booleans');
          ok = false;
        } else {
          rawArgs.forEach((a, i) => {
            if (scalar(a)) args.push(String(a));
            else {
              reader.wrongType(at.to('with', 'args', i), a, 'a string, number or boolean');
              ok = false;
            }
          });
        }
      }
      if (command !== undefined) action = { kind: 'exec', command, args };
      break;
    }
    case 'noop':
      action = { kind: 'noop' };
      break;
    case 'log.write': {
      const message = text('message');
      if (message !== undefined) action = { kind: 'log.write', message };
      break;
    }
    case 'outputs.write': {
      const raw = w.get('values');
      if (raw instanceof Map) action = { kind: 'outputs.write', values: plain(raw) as Record<string, unknown> };
      else if (raw !== null && raw !== undefined) {
        reader.wrongType(at.to('with', 'values'), raw, 'a map of output names to values');
        ok = false;
      }
      break;
    }
    case 'wait.duration': {
      const duration = nonEmpty('duration');
      if (duration !== undefined && !duration.includes('${') && durationSeconds(duration) === undefined) {
        reader.add(at.to('with', 'duration'), `must be a duration such as 30s, 1m30s or 500ms, got ${JSON.stringify(duration)}`);
        ok = false;
      }
      if (duration !== undefined) action = { kind: 'wait.duration', duration };
      break;
    }
    case 'file.write': {
      const path = nonEmpty('path');
      const content = text('content');
      const mode = fileMode(reader, at.to('with', 'mode'), w.get('mode'));
      if (mode === null) ok = false;
      if (path !== undefined && content !== undefined) action = { kind: 'file.write', path, content, ...(typeof mode === 'string' ? { mode } : {}), createDirs: flag('create_dirs', false), overwrite: flag('overwrite', true) };
      flag('atomic', true);
      break;
    }
    case 'file.read':
    case 'file.mkdir': {
      const path = nonEmpty('path');
      if (name === 'file.mkdir' && fileMode(reader, at.to('with', 'mode'), w.get('mode')) === null) ok = false;
      if (path !== undefined) action = { kind: name, path };
      break;
    }
    case 'file.delete': {
      const path = nonEmpty('path');
      if (path !== undefined) action = { kind: 'file.delete', path, missingOk: flag('missing_ok', false), recursive: flag('recursive', false) };
      break;
    }
    case 'file.copy':
    case 'file.move': {
      const source = nonEmpty('source');
      const destination = nonEmpty('destination');
      if (source !== undefined && destination !== undefined) action = { kind: name, source, destination, overwrite: flag('overwrite', false), createDirs: flag('create_dirs', false) };
      break;
    }
  }
  if (ok && action) spec.action = action;
}

/** Seconds of a Go-style duration (`1h2m3.5s`, `500ms`) or a plain number of seconds; `undefined` when invalid. */
export function durationSeconds(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t);
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001, us: 0.000001, µs: 0.000001, ns: 1e-9 };
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    total += Number(m[1]) * units[m[2]!]!;
    matched = re.lastIndex;
  }
  return matched === t.length && t !== '' ? total : undefined;
}

/** An octal file mode (`"0644"`, `644`, `0o644`); `undefined` when absent, `null` when invalid (reported). */
function fileMode(reader: SpecReader, at: At, raw: unknown): string | undefined | null {
  if (raw === null || raw === undefined) return undefined;
  const s = String(raw).replace(/^0o/, '');
  if (/^[0-7]{3,4}$/.test(s)) return s;
  reader.add(at, `must be an octal file mode such as "0644", got ${JSON.stringify(raw)}`);
  return null;
}

/**
 * The deprecated call form (`call: child`, step `params:`), read as `action: dag.run` with a
 * deprecation notice naming the replacement.
 */
export function readLegacyCall(reader: SpecReader, at: At, map: YamlMap, spec: StepSpec): void {
  const dag = reader.string(at.to('call'), map.get('call'));
  reader.note(at.to('call'), 'deprecated', 'step key "call" is deprecated', { on: 'key', hint: 'use action: dag.run with with: {dag: <name>, params: ...}' });
  if (map.has('params')) reader.note(at.to('params'), 'deprecated', 'step key "params" is deprecated', { on: 'key', hint: 'use with.params of action: dag.run' });
  if (dag === undefined) return;
  if (dag.trim() === '') {
    reader.add(at.to('call'), 'must not be empty');
    return;
  }
  const params = readParamsValue(reader, at.to('params'), map.get('params'));
  spec.call = { mode: 'run', dag: dag.trim(), ...(params !== undefined ? { params } : {}) };
  readParallel(reader, at.to('parallel'), map.get('parallel'), spec);
}

/** `parallel` (§14.2): a string source, a list of items, or `{items, max_concurrent}`. */
function readParallel(reader: SpecReader, at: At, raw: unknown, spec: StepSpec): void {
  if (raw === null || raw === undefined) return;
  let items: unknown = raw;
  let maxConcurrent = 10;
  if (raw instanceof Map) {
    for (const k of raw.keys()) if (String(k) !== 'items' && String(k) !== 'max_concurrent') reader.add(at.to(String(k)), `unknown parallel key "${String(k)}"`, { on: 'key', hint: 'use items and max_concurrent' });
    items = raw.get('items');
    if (items === null || items === undefined) {
      reader.add(at.to('items'), 'parallel needs items', { field: 'items' });
      return;
    }
    const mc = raw.get('max_concurrent');
    if (mc !== null && mc !== undefined) {
      const n = reader.integer(at.to('max_concurrent'), mc, 1);
      if (n === undefined) return;
      if (n > 1000) {
        reader.add(at.to('max_concurrent'), 'must be at most 1000');
        return;
      }
      maxConcurrent = n;
    }
    at = at.to('items');
  }
  if (typeof items === 'string') {
    if (items.trim() === '') reader.add(at, 'must not be empty');
    else spec.parallel = { items, maxConcurrent };
    return;
  }
  if (!Array.isArray(items)) {
    reader.wrongType(at, items, 'a list of items or a string (a JSON array, or words)');
    return;
  }
  const out: ParallelSpec['items'] = [];
  let ok = true;
  items.forEach((item, i) => {
    if (scalar(item)) out.push(item);
    else if (item instanceof Map && [...item.values()].every(scalar)) out.push(Object.fromEntries([...item.entries()].map(([k, v]) => [String(k), v as string | number | boolean])));
    else {
      reader.add(at.to(i), 'a parallel item must be a string, a number or a flat map of strings, numbers and booleans');
      ok = false;
    }
  });
  if (items.length > 1000) {
    reader.add(at, 'parallel takes at most 1000 items');
    ok = false;
  }
  if (ok) spec.parallel = { items: out, maxConcurrent };
}
