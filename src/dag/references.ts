/**
 * Dagu's `${…}` reference syntax, scanned once per field (reference §8.2, §8.3). A field's text
 * is split into plain text, Dagu-owned references (`${params.x}`, `${env.X}`, `${consts.x}`,
 * `${steps.id.outputs.x}`, `${context.group.field}` and the frozen aliases) and environment
 * expressions (`$NAME`, `${NAME}`, `${NAME:-word}`…). Pure: no values are looked up here.
 */

export const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The Dagu-owned namespaces. `alias` covers `${dag.name}`, `${run.id}`… (frozen spellings of `context.*`). */
export type RefNamespace = 'consts' | 'params' | 'env' | 'steps' | 'context' | 'foreach';

/** A Dagu-owned reference, with its `context` form for aliases (`${run.id}` → `context.run.id`). */
export interface Reference {
  kind: 'ref';
  ns: RefNamespace;
  /** Segments after the namespace: `['x']` for `${params.x}`, `[]` for `${params}`, `['b','outputs','x']`. */
  path: string[];
  /** The token as written, including `${` and `}`. */
  raw: string;
  start: number;
  end: number;
}

/** An environment expression: `$NAME`, `${NAME}`, or a shell-style `${NAME<op>word}` / `${#NAME}`. */
export interface EnvExpr {
  kind: 'env';
  name: string;
  /** `''` for a plain reference; `:-`, `-`, `:+`, `+`, `:?`, `?`, `:=`, `=`, `#`, `##`, `%`, `%%`, `:` (substring) or `len`. */
  op: string;
  word: string;
  raw: string;
  start: number;
  end: number;
  braced: boolean;
  /** Starts inside a single-quoted span of the field text (Dagu leaves it alone there, §8.4). */
  singleQuoted: boolean;
}

export interface TextPart {
  kind: 'text';
  text: string;
}

export type Part = TextPart | Reference | EnvExpr;

/** The context fields Dagu supports (§16), by group. */
export const CONTEXT_FIELDS: Readonly<Record<string, readonly string[]>> = {
  dag: ['name'],
  run: ['id', 'status', 'scheduled_at', 'root_name', 'root_id', 'started_at'],
  attempt: ['id', 'started_at'],
  step: ['id', 'name'],
  trigger: ['type', 'actor'],
  paths: ['log_file', 'work_dir', 'artifacts_dir', 'step_stdout_file', 'step_stderr_file', 'step_output_file'],
  profile: ['name', 'resolved_at'],
  pushback: ['iteration', 'previous_stdout_file'],
};

/** Frozen aliases (`${run.id}`…) and the context field each stands for. */
const ALIASES: Readonly<Record<string, readonly [string, string]>> = {
  'dag.name': ['dag', 'name'],
  'run.id': ['run', 'id'],
  'run.status': ['run', 'status'],
  'run.started_at': ['attempt', 'started_at'],
  'run.scheduled_at': ['run', 'scheduled_at'],
  'run.root_name': ['run', 'root_name'],
  'run.root_id': ['run', 'root_id'],
  'attempt.id': ['attempt', 'id'],
  'step.id': ['step', 'id'],
  'step.name': ['step', 'name'],
  'trigger.type': ['trigger', 'type'],
  'trigger.actor': ['trigger', 'actor'],
  'profile.name': ['profile', 'name'],
  'profile.resolved_at': ['profile', 'resolved_at'],
  'pushback.iteration': ['pushback', 'iteration'],
  'pushback.previous_stdout_file': ['pushback', 'previous_stdout_file'],
};

const SHELL_OPS = [':-', ':+', ':?', ':=', '##', '%%', '-', '+', '?', '=', '#', '%', ':'] as const;

/** Classifies the text between `${` and `}`; `undefined` = not a supported form (plain text). */
function classify(body: string): { ns: RefNamespace; path: string[] } | { env: true; name: string; op: string; word: string } | undefined {
  // Shell-style expressions first: their words may hold dots (`${P%.*}`).
  const shell = /^([A-Za-z_][A-Za-z0-9_]*)([:+?=#%-][\s\S]*)$/.exec(body);
  if (shell) {
    for (const op of SHELL_OPS) if (shell[2]!.startsWith(op)) return { env: true, name: shell[1]!, op, word: shell[2]!.slice(op.length) };
  }
  const segs = body.split('.');
  const [head, ...rest] = segs;
  if (head === 'params') {
    if (rest.length === 0) return { ns: 'params', path: [] };
    if (rest.length === 1 && NAME.test(rest[0]!)) return { ns: 'params', path: rest };
    return undefined;
  }
  if (head === 'consts') return rest.length === 1 && NAME.test(rest[0]!) ? { ns: 'consts', path: rest } : undefined;
  if (head === 'env') return rest.length === 1 && ENV_NAME.test(rest[0]!) ? { ns: 'env', path: rest } : undefined;
  if (head === 'steps') {
    return rest.length === 3 && rest[1] === 'outputs' && NAME.test(rest[0]!) && NAME.test(rest[2]!) ? { ns: 'steps', path: rest } : undefined;
  }
  if (head === 'foreach') return (rest.length === 1 || rest.length === 2) && rest.every((r) => NAME.test(r)) ? { ns: 'foreach', path: rest } : undefined;
  if (head === 'context') return rest.length === 2 && NAME.test(rest[0]!) && NAME.test(rest[1]!) ? { ns: 'context', path: rest } : undefined;
  if (segs.length === 2 && ALIASES[body]) return { ns: 'context', path: [...ALIASES[body]!] };
  if (head === 'paths' && rest.length === 1 && NAME.test(rest[0]!)) return { ns: 'context', path: ['paths', rest[0]!] };
  if (segs.length > 1) return undefined;
  // Environment forms: NAME, #NAME, NAME<op>word.
  if (ENV_NAME.test(body)) return { env: true, name: body, op: '', word: '' };
  if (body.startsWith('#') && ENV_NAME.test(body.slice(1))) return { env: true, name: body.slice(1), op: 'len', word: '' };
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(.*)$/s.exec(body);
  if (!m) return undefined;
  const after = m[2]!;
  for (const op of SHELL_OPS) if (after.startsWith(op)) return { env: true, name: m[1]!, op, word: after.slice(op.length) };
  return undefined;
}

/**
 * Splits `text` into parts. Escapes (§8.3): a run of backslashes directly before `$` with odd
 * length protects that `$` (the last backslash is removed) when it starts a Dagu form; with
 * `envEscapes`, also when it starts an environment form. Even length leaves everything in place.
 */
export function scanField(text: string, options: { envEscapes?: boolean } = {}): Part[] {
  const parts: Part[] = [];
  let buf = '';
  let single = false;
  let double = false;
  const flush = (): void => {
    if (buf !== '') parts.push({ kind: 'text', text: buf });
    buf = '';
  };
  for (let i = 0; i < text.length; ) {
    const c = text[i]!;
    if (c === "'" && !double) single = !single;
    else if (c === '"' && !single) double = !double;
    if (c !== '$') {
      buf += c;
      i++;
      continue;
    }
    let slashes = 0;
    while (slashes < buf.length && buf[buf.length - 1 - slashes] === '\\') slashes++;
    const token = readToken(text, i);
    if (!token) {
      buf += c;
      i++;
      continue;
    }
    const escaped = slashes % 2 === 1;
    if (escaped && (token.kind === 'ref' || options.envEscapes)) {
      buf = buf.slice(0, -1) + token.raw;
      i = token.end;
      continue;
    }
    if (escaped) {
      buf += token.raw;
      i = token.end;
      continue;
    }
    flush();
    if (token.kind === 'env') token.singleQuoted = single;
    parts.push(token);
    i = token.end;
  }
  flush();
  return parts;
}

function readToken(text: string, i: number): Reference | EnvExpr | undefined {
  if (text[i + 1] === '{') {
    const close = text.indexOf('}', i + 2);
    if (close < 0) return undefined;
    const body = text.slice(i + 2, close);
    const raw = text.slice(i, close + 1);
    const c = classify(body);
    if (!c) return undefined;
    if ('env' in c) return { kind: 'env', name: c.name, op: c.op, word: c.word, raw, start: i, end: close + 1, braced: true, singleQuoted: false };
    return { kind: 'ref', ns: c.ns, path: c.path, raw, start: i, end: close + 1 };
  }
  const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1));
  if (!m) return undefined;
  return { kind: 'env', name: m[0], op: '', word: '', raw: `$${m[0]}`, start: i, end: i + 1 + m[0].length, braced: false, singleQuoted: false };
}

/** Every Dagu-owned reference in `text` (escaped ones excluded). */
export function referencesIn(text: string): Reference[] {
  return scanField(text).filter((p): p is Reference => p.kind === 'ref');
}

/**
 * Decimal text for a number as Dagu inserts it (§8.7): integers base 10, other numbers as the
 * shortest round-trip digits in fixed notation (never `1e+21`).
 */
export function formatNumber(n: number): string {
  const s = String(n);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, int, frac = '', expText] = m;
  const digits = int! + frac;
  const exp = Number(expText);
  if (exp >= 0) {
    const whole = digits.padEnd(exp + 1, '0');
    const point = exp + 1;
    return `${sign}${whole.slice(0, point)}${whole.length > point ? `.${whole.slice(point)}` : ''}`;
  }
  return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
}

/** Text of a scalar as it is inserted or stored: strings as-is, booleans, decimal numbers. */
export function scalarText(value: unknown): string {
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'bigint') return value.toString();
  return String(value);
}
