import { createHash } from 'node:crypto';
import type { DagSpec, StepSpec } from './types.ts';
import type { Reference } from './references.ts';

/**
 * The param a foreach body's child run carries its item scope in (§14.3): compact JSON of
 * {@link ForeachItemScope}. Body steps read it as `${foreach.*}`; it is also in their env.
 */
export const FOREACH_PARAM = 'DAGU_FOREACH';

/** One item's scope: `${foreach.index}`, `${foreach.key}`, `${foreach.<as>}`, `${foreach.<as>.<field>}`. */
export interface ForeachItemScope {
  index: number;
  key: string;
  as: string;
  item: unknown;
}

const text = (v: unknown): string => (typeof v === 'string' ? v : v === null || v === undefined ? 'null' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** A `${foreach.*}` reference's value in an item scope; `undefined` when the scope has no such value. */
export function foreachValue(ref: Reference, scope: ForeachItemScope | undefined): string | undefined {
  if (!scope || ref.ns !== 'foreach') return undefined;
  const [head, field] = ref.path;
  if (field === undefined && head === 'index') return String(scope.index);
  if (field === undefined && head === 'key') return scope.key;
  if (head !== scope.as) return undefined;
  if (field === undefined) return text(scope.item);
  const item = scope.item;
  if (item === null || typeof item !== 'object' || Array.isArray(item) || !Object.hasOwn(item, field)) return undefined;
  return text((item as Record<string, unknown>)[field]);
}

/** The item scope a run's params carry, if it is a foreach body run. */
export function foreachScopeOf(params: Readonly<Record<string, string>>): ForeachItemScope | undefined {
  const raw = params[FOREACH_PARAM];
  if (raw === undefined || raw === '') return undefined;
  try {
    const parsed = JSON.parse(raw) as ForeachItemScope;
    return typeof parsed === 'object' && parsed !== null && typeof parsed.as === 'string' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The local document a foreach step's bodies run as: the step's body steps with the root's
 * settings (params, env, dotenv, shell, working dir, consts, secrets), without handlers,
 * preconditions, schedules or retries, and with the item-scope param declared.
 */
export function foreachDocument(root: DagSpec, step: StepSpec, name: string): DagSpec {
  const doc: DagSpec = {
    ...root,
    name,
    steps: step.foreach!.steps,
    handlerOn: {},
    preconditions: [],
    schedule: [],
    params: [...root.params, { name: FOREACH_PARAM, value: '', hasDefault: true }],
    document: name,
  };
  for (const k of ['scheduleEntries', 'retryPolicy', 'timeoutSec', 'skipIfSuccessful', 'overlapPolicy', 'restartWaitSec'] as const) delete doc[k];
  return doc;
}

/** The end of a foreach body document's name: `.foreach.<step>`, or `.fe.<hash>` for a long step name. */
export function foreachSuffix(step: string): string {
  const plain = `.foreach.${step.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
  return plain.length <= 24 ? plain : `.fe.${createHash('sha256').update(step).digest('hex').slice(0, 12)}`;
}

/**
 * A document name for a foreach step's body: `<dag>.foreach.<step>` (characters a DAG name
 * cannot hold become `_`); past 40 characters, a shortened form with a hash of both names.
 */
export function foreachDocumentName(dag: string, step: string, taken: ReadonlySet<string>): string {
  const suffix = foreachSuffix(step);
  const base = `${dag.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 36 - suffix.length)}${suffix}`;
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
  return name;
}
