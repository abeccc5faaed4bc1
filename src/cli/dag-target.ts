import { existsSync, readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { TroupeError } from '../core/errors.ts';
import type { DagRef } from '../actors/index.ts';
import type { DagSpec } from '../dag/index.ts';
import type { CliIo } from './io.ts';

/** A command's `<name|file.yaml>` argument: a stored DAG's name, or a YAML file on disk. */
export function dagRef(arg: string): DagRef {
  const ext = extname(arg);
  if (ext === '.yaml' || ext === '.yml') {
    if (!existsSync(arg)) throw new TroupeError('INVALID_INPUT', `no such file: ${arg}`);
    return { spec: readFileSync(arg, 'utf8'), name: basename(arg, ext) };
  }
  return { name: arg };
}

/** The DAG's spec when its YAML loads; undefined otherwise (the runtime reports the problems). */
export async function specOf(yaml: string | undefined, name: string): Promise<DagSpec | undefined> {
  if (yaml === undefined) return undefined;
  const { loadDag } = await import('../dag/index.ts');
  return loadDag(yaml, { defaultName: name }).spec;
}

/**
 * Warns about `--params` names a DAG without named parameters does not declare: Dagu passes
 * them on as environment variables, and DAG files written for it may rely on that. A DAG that
 * declares named parameters rejects unknown names at run start instead (the DAG language's
 * rule, `resolveRunParams`), so there is nothing to warn about: the error names them.
 */
export async function warnUnknownParams(spec: DagSpec | undefined, params: string | undefined, io: CliIo): Promise<void> {
  if (!spec || params === undefined) return;
  const { parseParamsOverride } = await import('../dag/index.ts');
  let given: Record<string, string>;
  try {
    given = parseParamsOverride(params);
  } catch {
    return; // the runtime rejects it with the precise reason
  }
  const declared = spec.params.map((p) => p.name);
  if (spec.params.some((p) => !p.positional)) return;
  const unknown = Object.keys(given).filter((k) => !declared.includes(k) && !/^\d+$/.test(k));
  if (unknown.length === 0) return;
  const list = unknown.join(', ');
  const known = declared.length === 0 ? `${spec.name} declares no parameters` : `its parameters are positional: ${declared.join(', ')}`;
  io.err(`warning: ${spec.name} has no parameter ${list} (${known}); passed to the steps as environment variable${unknown.length > 1 ? 's' : ''} anyway`);
}
