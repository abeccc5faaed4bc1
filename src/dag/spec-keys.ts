import type { At } from './spec-path.ts';
import type { SpecReader, YamlMap } from './spec-reader.ts';

/**
 * Which keys a map may hold, in three groups:
 * - `supported`: read and honoured;
 * - `ignored`: known Dagu keys whose absence changes no step's command, environment or outcome
 *   (logging, mail, history, UI grouping, scheduler tuning); accepted and dropped;
 * - `unsupported`: known Dagu keys that Troupe cannot honour and whose silent omission would
 *   change what runs (containers, SSH, sub-DAG actions, repeats); reported with a hint.
 */
export interface KeySet {
  supported: ReadonlySet<string>;
  ignored: ReadonlySet<string>;
  unsupported: ReadonlyMap<string, string>;
}

const set = (...keys: string[]): ReadonlySet<string> => new Set(keys);

const LOCAL_ONLY = 'Troupe runs steps as local shell commands';
const LATER = 'not supported by Troupe yet';

export const ROOT_KEYS: KeySet = {
  supported: set(
    'name', 'description', 'steps', 'params', 'env', 'type', 'schedule', 'handler_on', 'timeout_sec',
    'retry_policy', 'preconditions', 'precondition', 'labels', 'tags', 'queue', 'max_active_steps',
    'working_dir', 'shell', 'shell_args', 'max_clean_up_time_sec', 'consts', 'secrets', 'dotenv', 'max_output_size', 'artifacts', 'worker_selector',
  ),
  ignored: set(
    'log_dir', 'log_output', 'hist_retention_days', 'hist_retention_runs', 'max_active_runs',
    'mail_on', 'smtp', 'error_mail', 'info_mail', 'delay_sec', 'restart_wait_sec', 'skip_if_successful',
    'catchup_window', 'overlap_policy', 'group', 'otel', 'run_config',
    'registry_auths', 'resources', 'webhook',
  ),
  unsupported: new Map([
    ['container', LOCAL_ONLY],
    ['ssh', LOCAL_ONLY],
    ['kubernetes', LOCAL_ONLY],
    ['defaults', 'repeat the settings on each step'],
    ['llm', LOCAL_ONLY],
    ['tools', LOCAL_ONLY],
    ['harness', LOCAL_ONLY],
    ['harnesses', LOCAL_ONLY],
    ['tasks', LOCAL_ONLY],
    ['actions', LOCAL_ONLY],
    ['redis', LOCAL_ONLY],
    ['s3', LOCAL_ONLY],
  ]),
};

export const STEP_KEYS: KeySet = {
  supported: set(
    'name', 'id', 'description', 'run', 'command', 'script', 'depends', 'output', 'env', 'working_dir', 'dir',
    'retry_policy', 'continue_on', 'preconditions', 'precondition', 'timeout_sec', 'signal_on_stop',
    'outputs', 'stdout', 'stderr', 'with', 'shell', 'shell_args', 'action', 'call', 'params', 'parallel', 'repeat_policy', 'foreach',
  ),
  ignored: set('log_output', 'mail_on_error', 'max_output_size', 'worker_selector'),
  unsupported: new Map([
    ['container', LOCAL_ONLY],
    ['ssh', LOCAL_ONLY],
    ['executor', LOCAL_ONLY],
    ['approval', 'human approval is not supported'],
    ['inputs', 'use env or params instead'],
    ['type', 'step types are deprecated; use run'],
    ['config', LOCAL_ONLY],
    ['llm', LOCAL_ONLY],
    ['messages', LOCAL_ONLY],
    ['exec', 'use run'],
  ]),
};

/** The snake_case spelling of a camelCase key (`retryPolicy` → `retry_policy`). */
export function snakeCase(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/**
 * Checks every key of `map` against `keys`: reports unknown and unsupported keys (pointing at
 * the key), with a snake_case or spelling hint where one applies.
 */
export function checkKeys(reader: SpecReader, at: At, map: YamlMap, keys: KeySet, what: string): void {
  for (const rawKey of map.keys()) {
    const key = String(rawKey);
    if (keys.supported.has(key) || keys.ignored.has(key)) continue;
    const where = at.to(key);
    const unsupported = keys.unsupported.get(key);
    if (unsupported !== undefined) {
      reader.add(where, `${what} key "${key}" is not supported by Troupe${unsupported.includes(LATER) ? ' yet' : ''}`, { on: 'key', hint: unsupported });
      continue;
    }
    reader.add(where, `unknown ${what} key "${key}"`, { on: 'key', ...hintFor(key, keys) });
  }
}

function hintFor(key: string, keys: KeySet): { hint?: string } {
  const known = [...keys.supported, ...keys.ignored];
  const snake = snakeCase(key);
  if (snake !== key && (keys.supported.has(snake) || keys.ignored.has(snake) || keys.unsupported.has(snake))) {
    return { hint: `use snake_case keys (${key} -> ${snake})` };
  }
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = distance(snake, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best === undefined ? {} : { hint: `did you mean "${best}"?` };
}

/** Levenshtein distance, for "did you mean" hints on short keys. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}
