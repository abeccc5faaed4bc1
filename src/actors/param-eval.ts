import { execFile } from 'node:child_process';
import { inheritedEnv, resolveValue, substituteCommands } from '../dag/index.ts';
import type { DagSpec, ParamEvaluator } from '../dag/index.ts';

/** Timeout of one command substitution (§9.4: 2 s on Unix). */
const EVAL_TIMEOUT_MS = 2000;

/**
 * The evaluator of `params[].eval` (§4.2.8, §9): Dagu references (consts, params selected so
 * far) resolved, `$NAME` expanded with the server environment as fallback, then each `$(…)` /
 * `` `…` `` run by `/bin/sh -c` with a 2 s timeout, its trimmed stdout inserted. It runs before
 * the run exists (params are part of the run's identity), so it uses its own child process
 * rather than the step executor; stdout is capped at 64 KiB.
 */
export function paramEvaluator(spec: DagSpec, hostEnv: Readonly<Record<string, string>>): ParamEvaluator {
  return async (text, selected) => {
    const env = { ...inheritedEnv(hostEnv), ...selected };
    const named = new Set(spec.params.filter((p) => !p.positional).map((p) => p.name));
    const resolved = resolveValue(text, {
      lookup: (r) => {
        if (r.ns === 'consts') return spec.consts?.[r.path[0]!];
        if (r.ns === 'params' && r.path.length === 1 && named.has(r.path[0]!)) return Object.hasOwn(selected, r.path[0]!) ? selected[r.path[0]!] : undefined;
        if (r.ns === 'env') return Object.hasOwn(env, r.path[0]!) ? env[r.path[0]!] : undefined;
        return undefined;
      },
      env,
      hostEnv,
    });
    return substituteCommands(
      resolved,
      (body) =>
        new Promise<string>((resolve, reject) => {
          execFile('/bin/sh', ['-c', body], { env, timeout: EVAL_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 64 * 1024, encoding: 'utf8' }, (error, stdout) => {
            if (error) reject(new Error((error as { killed?: boolean }).killed ? `${JSON.stringify(body)} timed out after ${EVAL_TIMEOUT_MS / 1000}s` : `${JSON.stringify(body)} failed: exit code ${String((error as { code?: unknown }).code)}`));
            else resolve(stdout);
          });
        }),
    );
  };
}
