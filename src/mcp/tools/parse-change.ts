import { dagNameProblem } from '../../core/index.ts';
import { ToolFailure, invalidInput } from '../tool-failure.ts';
import { dagSpecUri } from '../uris.ts';

export const CHANGE_MODES = ['preview', 'apply'] as const;
export const CHANGE_TYPES = ['upsert_dag', 'rename_dag', 'delete_dag'] as const;
export type ChangeMode = (typeof CHANGE_MODES)[number];
export type ChangeType = (typeof CHANGE_TYPES)[number];

/** A parsed, validated `dagu_change` call. */
export type ChangeRequest =
  | { mode: ChangeMode; type: 'upsert_dag'; name: string; spec: string }
  | { mode: ChangeMode; type: 'rename_dag'; name: string; newName: string }
  | { mode: ChangeMode; type: 'delete_dag'; name: string };

const FIELDS = ['mode', 'type', 'name', 'spec', 'newName'] as const;
type Field = (typeof FIELDS)[number];
const ALLOWED: Record<ChangeType, Field[]> = {
  upsert_dag: ['mode', 'type', 'name', 'spec'],
  rename_dag: ['mode', 'type', 'name', 'newName'],
  delete_dag: ['mode', 'type', 'name'],
};

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses `dagu_change` arguments strictly (Dagu spec 022): unknown fields and non-strings are
 * errors, `null` is absent, `mode`/`type`/`name`/`newName` are trimmed but `spec` is kept
 * byte for byte. Defaults: `mode=preview`, `type=upsert_dag`. Throws `ToolFailure`.
 */
export function parseChangeInput(args: unknown): ChangeRequest {
  if (!isPlainObject(args)) throw invalidInput('Tool input must be a JSON object.');
  const raw: Partial<Record<Field, string>> = {};
  for (const [key, value] of Object.entries(args)) {
    if (!(FIELDS as readonly string[]).includes(key)) throw invalidInput(`Unknown field ${key}.`, key);
    if (value === null || value === undefined) continue;
    if (typeof value !== 'string') throw invalidInput(`Field ${key} must be a string.`, key);
    raw[key as Field] = key === 'spec' ? value : value.trim();
  }
  const present = (f: Field): boolean => raw[f] !== undefined && raw[f]!.trim() !== '';
  const name = present('name') ? raw.name : undefined;
  const dagUri = name !== undefined && !dagNameProblem(name) ? dagSpecUri(name) : undefined;

  const mode = present('mode') ? raw.mode! : 'preview';
  if (!(CHANGE_MODES as readonly string[]).includes(mode)) {
    throw new ToolFailure('unsupported_change_mode', 'Unsupported change mode.', { field: 'mode', mode, dagName: name, dagUri });
  }
  const type = present('type') ? raw.type! : 'upsert_dag';
  if (!(CHANGE_TYPES as readonly string[]).includes(type)) {
    throw new ToolFailure('unsupported_change_type', 'Unsupported change type.', { field: 'type', mode, type, dagName: name, dagUri });
  }
  const t = type as ChangeType;
  const echo = { mode, type: t, dagName: name, dagUri };
  if (name === undefined) throw invalidInput('The name field is required.', 'name', echo);
  for (const f of FIELDS) {
    if (present(f) && !ALLOWED[t].includes(f)) throw invalidInput(`The ${f} field is not allowed for change type ${t}.`, f, echo);
  }
  const nameProblem = dagNameProblem(name);
  if (nameProblem) throw invalidInput(`Invalid DAG name: ${nameProblem}.`, 'name', echo);
  const m = mode as ChangeMode;
  switch (t) {
    case 'upsert_dag':
      if (!present('spec')) throw invalidInput('The spec field is required.', 'spec', echo);
      return { mode: m, type: t, name, spec: raw.spec! };
    case 'rename_dag': {
      if (!present('newName')) throw invalidInput('The newName field is required.', 'newName', echo);
      const newName = raw.newName!;
      const problem = dagNameProblem(newName);
      if (problem) throw invalidInput(`Invalid new DAG name: ${problem}.`, 'newName', echo);
      if (newName === name) throw invalidInput('The newName field must differ from name.', 'newName', echo);
      return { mode: m, type: t, name, newName };
    }
    case 'delete_dag':
      return { mode: m, type: t, name };
  }
}
