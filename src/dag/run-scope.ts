import { isAbsolute, join } from 'node:path';
import { TroupeError } from '../core/index.ts';
import type { DagSpec } from './types.ts';
import type { Reference } from './references.ts';
import { resolveEnvEntries, resolveValue } from './resolve-value.ts';
import { contextValue, inheritedEnv, PROTECTED_ENV_NAMES } from './run-context.ts';
import type { RunFacts, StepFacts } from './run-context.ts';
import { paramsJson } from './run-params.ts';
import { parseDotenv } from './dotenv.ts';
import { setOwn } from './set-own.ts';
import { foreachScopeOf, foreachValue } from './foreach-scope.ts';

/** Everything a run's steps resolve against, built once when the run starts. */
export interface RunScope {
  spec: DagSpec;
  facts: RunFacts;
  params: Record<string, string>;
  paramsJson: string;
  /** The final root scope (§5.3): inherited env, params, run values, root env, dotenv, secrets. */
  env: Record<string, string>;
  /** Secret values: masked in logs, records and errors. */
  mask: string[];
  /** The DAG's working directory (explicit `working_dir`, else the per-run work directory). */
  workDir: string;
  /** Warnings for the run log (unparsable dotenv files). */
  warnings: string[];
}

export interface RunScopeInput {
  spec: DagSpec;
  facts: Omit<RunFacts, 'workDir'> & { workDir?: string };
  params: Record<string, string>;
  /** The server's environment: the source of inherited variables, `$NAME` fallback and `provider: env` secrets. */
  hostEnv: Readonly<Record<string, string>>;
  passthrough?: { names?: readonly string[]; prefixes?: readonly string[] };
  /** Reads a file as text; `undefined` when it does not exist. */
  readFile: (path: string) => string | undefined;
  /** The per-run work directory used when the DAG sets no `working_dir`. */
  runWorkDir: string;
  /** The per-run artifacts directory when the DAG sets no `artifacts.dir` (used only when artifacts are on). */
  runArtifactsDir?: string;
}

/** A reference lookup for root-level fields: consts, params, the env so far, run context. */
export function rootLookup(spec: DagSpec, params: Readonly<Record<string, string>>, json: string, facts: RunFacts, step?: StepFacts) {
  const named = new Set(spec.params.filter((p) => !p.positional).map((p) => p.name));
  const item = foreachScopeOf(params);
  return (ref: Reference, env: Readonly<Record<string, string>>): string | undefined => {
    switch (ref.ns) {
      case 'consts':
        return spec.consts && Object.hasOwn(spec.consts, ref.path[0]!) ? spec.consts[ref.path[0]!] : undefined;
      case 'params':
        if (ref.path.length === 0) return json;
        return named.has(ref.path[0]!) && Object.hasOwn(params, ref.path[0]!) ? params[ref.path[0]!] : undefined;
      case 'env':
        return Object.hasOwn(env, ref.path[0]!) ? env[ref.path[0]!] : undefined;
      case 'context':
        return contextValue(ref.path[0]!, ref.path[1]!, facts, step);
      case 'foreach':
        return foreachValue(ref, item);
      default:
        return undefined;
    }
  };
}

/**
 * Builds the root scope of a run (§5.3, later wins): (1) the inherited host allowlist, (3)
 * params as env, (4) run values, (5) root `env` in order (with the host environment as
 * fallback for `$NAME`), (6) dotenv files, (8) protected run values again, (9) secrets.
 * Throws `INVALID_INPUT` when a secret cannot be resolved.
 */
export function buildRunScope(input: RunScopeInput): RunScope {
  const { spec, params, hostEnv } = input;
  const json = paramsJson(params);
  const explicitDir = spec.workingDir;
  const warnings: string[] = [];
  const provisional: RunFacts = { ...input.facts, workDir: input.facts.workDir ?? input.runWorkDir };
  const lookup = rootLookup(spec, params, json, provisional);
  const env: Record<string, string> = inheritedEnv(hostEnv, input.passthrough);
  // Named params (declared or, for a DAG declaring none, supplied by the caller) become env (§4.2.9).
  for (const [k, v] of Object.entries(params)) if (!/^\d+$/.test(k)) setOwn(env, k, v);
  let workDir = input.runWorkDir;
  if (explicitDir !== undefined) {
    const resolved = resolveValue(explicitDir, { lookup: (r) => lookup(r, env), env, hostEnv });
    workDir = resolved.startsWith('~') ? join(hostEnv.HOME ?? '', resolved.slice(1)) : resolved;
    if (!isAbsolute(workDir)) workDir = join(input.runWorkDir, workDir);
  }
  const facts: RunFacts = { ...input.facts, workDir };
  if (spec.artifacts?.enabled) {
    const base = spec.artifacts.dir !== undefined ? resolveValue(spec.artifacts.dir, { lookup: (r) => lookup(r, env), env, hostEnv }) : undefined;
    facts.artifactsDir = base === undefined ? (input.runArtifactsDir ?? join(input.runWorkDir, '.artifacts')) : join(isAbsolute(base) ? base : join(workDir, base), facts.dagName, facts.dagRunId);
  }
  const runValues: Record<string, string> = {
    DAG_NAME: facts.dagName,
    DAG_RUN_ID: facts.dagRunId,
    DAG_RUN_ATTEMPT: String(facts.attempt),
    DAG_RUN_LOG_FILE: facts.logFile,
    DAG_RUN_WORK_DIR: input.runWorkDir,
    DAG_PARAMS_JSON: json,
  };
  if (facts.artifactsDir !== undefined) runValues.DAG_RUN_ARTIFACTS_DIR = facts.artifactsDir;
  Object.assign(env, runValues);
  const rootLookupFinal = rootLookup(spec, params, json, facts);
  Object.assign(env, resolveEnvEntries(spec.env, env, { lookup: rootLookupFinal, hostEnv }));
  for (const file of spec.dotenv ?? []) {
    const path = resolveValue(file, { lookup: (r) => rootLookupFinal(r, env), env, hostEnv });
    const candidates = isAbsolute(path) ? [path] : [join(workDir, path)];
    for (const candidate of candidates) {
      const text = input.readFile(candidate);
      if (text === undefined) continue;
      const parsed = parseDotenv(text);
      if ('error' in parsed) warnings.push(`dotenv ${path}: ${parsed.error}`);
      else for (const [k, v] of parsed.entries) setOwn(env, k, v);
      break;
    }
  }
  for (const name of PROTECTED_ENV_NAMES) if (Object.hasOwn(runValues, name)) env[name] = runValues[name]!;
  const mask: string[] = [];
  for (const secret of spec.secrets ?? []) {
    let value: string | undefined;
    if (secret.provider === 'env') {
      value = hostEnv[secret.key];
      if (value === undefined) throw new TroupeError('INVALID_INPUT', `secret ${secret.name}: the server environment has no ${secret.key}`, { details: { field: 'secrets' } });
    } else {
      const path = isAbsolute(secret.key) ? secret.key : join(workDir, secret.key);
      const text = input.readFile(path);
      if (text === undefined) throw new TroupeError('INVALID_INPUT', `secret ${secret.name}: cannot read the file ${secret.key}`, { details: { field: 'secrets' } });
      value = text.replace(/\r?\n$/, '');
    }
    setOwn(env, secret.name, value);
    if (value !== '') mask.push(value);
  }
  return { spec, facts, params, paramsJson: json, env, mask, workDir, warnings };
}
