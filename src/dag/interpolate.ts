import { setOwn } from './set-own.ts';

const REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replaces `${NAME}` with `vars.NAME`. `$NAME` and `${NAME}` for unknown names are left as they
 * are, so the shell can still resolve them from the process environment.
 */
export function interpolate(text: string, vars: Readonly<Record<string, string>>): string {
  if (!text.includes('${')) return text;
  return text.replace(REF, (whole, name: string) => (Object.hasOwn(vars, name) ? vars[name]! : whole));
}

/**
 * Evaluates env entries in order: each value is interpolated against `base` plus the entries
 * before it, so `B: ${A}/x` sees an earlier `A`. Returns only the entries' own variables.
 */
export function evalEnv(entries: ReadonlyArray<readonly [string, string]>, base: Readonly<Record<string, string>>): Record<string, string> {
  const own: Record<string, string> = {};
  const scope: Record<string, string> = { ...base };
  for (const [key, value] of entries) {
    const v = interpolate(value, scope);
    setOwn(own, key, v);
    setOwn(scope, key, v);
  }
  return own;
}
