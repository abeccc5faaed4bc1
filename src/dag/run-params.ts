import { TroupeError } from '../core/index.ts';
import type { DagParam } from './types.ts';
import { checkParamValue, normalizeTyped } from './param-values.ts';
import { setOwn } from './set-own.ts';

/** Evaluates a param's `eval` text (§9) given the params selected so far; rejects when it fails. */
export type ParamEvaluator = (text: string, selected: Readonly<Record<string, string>>) => Promise<string>;

/**
 * The params of one run (§4.2): the declarations' defaults replaced by the caller's overrides
 * (by name; unnamed overrides `1`, `2`… fill positions in order), `eval` run in source order
 * for params the caller left unset (failure falls back to the default, else fails), then typed
 * coercion and constraints. Throws `INVALID_INPUT` for unknown names (when the DAG declares
 * named params), too many positional values (rich declarations), coercion or constraint
 * failures, and missing required values. Values are literal: never resolved or expanded.
 */
export async function resolveRunParams(decls: readonly DagParam[], override: Readonly<Record<string, string>>, evaluate?: ParamEvaluator): Promise<Record<string, string>> {
  const named = decls.filter((d) => !d.positional);
  const positional = decls.filter((d) => d.positional);
  const rich = decls.some((d) => d.hasDefault !== undefined);
  const overrideNamed = Object.keys(override).filter((k) => !/^\d+$/.test(k));
  const overridePositional = Object.keys(override).filter((k) => /^\d+$/.test(k)).sort((a, b) => Number(a) - Number(b));
  if (named.length > 0) {
    const unknown = overrideNamed.filter((k) => !named.some((d) => d.name === k));
    if (unknown.length > 0) {
      throw new TroupeError('INVALID_INPUT', `unknown parameter(s) ${unknown.join(', ')}; accepted parameters are ${named.map((d) => d.name).join(', ')}`, { details: { field: 'params' } });
    }
  }
  if (rich && overridePositional.length > positional.length) {
    throw new TroupeError('INVALID_INPUT', `too many positional parameters: the DAG takes ${positional.length}, got ${overridePositional.length}`, { details: { field: 'params' } });
  }
  const out: Record<string, string> = {};
  const supplied = new Set<string>();
  let pos = 0;
  for (const d of decls) {
    if (d.positional) {
      const key = overridePositional[pos++];
      if (key !== undefined) {
        setOwn(out, d.name, override[key]!);
        supplied.add(d.name);
      } else setOwn(out, d.name, d.value);
      continue;
    }
    if (Object.hasOwn(override, d.name)) {
      setOwn(out, d.name, override[d.name]!);
      supplied.add(d.name);
    } else if (d.eval === undefined) setOwn(out, d.name, d.value);
    else {
      // Earlier selections are visible to this eval; its own and later ones are not.
      const selected = { ...out };
      try {
        if (!evaluate) throw new Error('no evaluator');
        setOwn(out, d.name, await evaluate(d.eval, selected));
      } catch (error) {
        if (d.hasDefault) setOwn(out, d.name, d.value);
        else throw new TroupeError('INVALID_INPUT', `param ${d.name}: eval failed: ${(error as Error).message}`, { details: { field: 'params' } });
      }
      supplied.add(d.name);
    }
  }
  // Extra positional values (plain declarations) and extra names (no named declarations) are appended.
  for (const key of overridePositional.slice(pos)) {
    let name = key;
    for (let n = Number(key); Object.hasOwn(out, name); n++) name = String(n + 1);
    setOwn(out, name, override[key]!);
  }
  if (named.length === 0) for (const k of overrideNamed) setOwn(out, k, override[k]!);
  for (const d of named) {
    const raw = out[d.name]!;
    const missing = !supplied.has(d.name) && d.hasDefault === false;
    if (d.required && missing) throw new TroupeError('INVALID_INPUT', `param ${d.name} is required`, { details: { field: 'params' } });
    if (missing) continue;
    if (d.type !== undefined && d.type !== 'string') {
      const n = normalizeTyped(d.type, raw);
      if ('error' in n) throw new TroupeError('INVALID_INPUT', `param ${d.name}: ${n.error}`, { details: { field: 'params' } });
      setOwn(out, d.name, n.value);
    }
    const problem = checkParamValue(d, out[d.name]!);
    if (problem !== undefined) throw new TroupeError('INVALID_INPUT', `param ${d.name}: ${problem.startsWith('"') || /^\d/.test(problem) ? problem : `value ${problem}`}`, { details: { field: 'params' } });
  }
  return out;
}

/** `${params}` / `DAG_PARAMS_JSON` (§4.2.9): every final pair, values as strings, keys sorted. */
export function paramsJson(params: Readonly<Record<string, string>>): string {
  const sorted: Record<string, string> = {};
  for (const k of Object.keys(params).sort()) setOwn(sorted, k, params[k]!);
  return JSON.stringify(sorted);
}
