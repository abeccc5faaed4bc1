import { FOREACH_PARAM, foreachValue, resolveValue, stepEnvironment } from '../dag/index.ts';
import type { ForeachItemScope } from '../dag/index.ts';
import type { ChildRunRequest } from './run-commands.ts';
import { stepLogPaths } from './run-logs.ts';
import { stepOutputPath } from './step-files.ts';
import { createChildFanOut } from './child-fan-out.ts';
import { childRunId } from './sub-dag-step.ts';
import type { ChildResult, ChildStepArgs } from './sub-dag-step.ts';

interface ItemOutcome {
  index: number;
  key: string;
  status: string;
  outputs?: Record<string, string>;
  error?: string;
}

/**
 * Runs one try of a `foreach` step (§14.3): resolves the items and keys, then runs the body
 * once per item as a child run of the step's synthesized body document (at most
 * `max_concurrent` at once; a failed body does not stop the others), resolves `collect` after
 * each successful body, and reports the ordered aggregate as the step's stdout and `output`.
 * `step.kill` stops pending launches and the active bodies.
 */
export function runForeachStep(args: ChildStepArgs): () => void {
  const { input, scope, port, clock, sendBack, receive } = args;
  const { spec, run } = input;
  const fe = spec.foreach!;
  const paths = stepLogPaths(run.logDir, spec.name);
  const parent = { name: run.dagName, dagRunId: run.dagRunId, step: spec.name };
  const fan = createChildFanOut({ scope, port, clock, stdoutPath: paths.stdout, sendBack, receive });
  const { exited } = fan;

  const { env, lookup } = stepEnvironment({ scope, step: spec, published: input.published ?? {}, paths: { stdout: paths.stdout, stderr: paths.stderr, outputFile: stepOutputPath(run.logDir, spec.name, input.retryCount), scriptDir: run.logDir } });
  const resolveWith = (text: string, item: ForeachItemScope | undefined, extra?: (path: string[]) => string | undefined, missing?: () => void): string =>
    resolveValue(text, {
      env,
      lookup: (ref) => {
        if (ref.ns === 'foreach') return foreachValue(ref, item);
        if (ref.ns === 'steps' && extra) {
          const v = extra(ref.path);
          if (v === undefined) missing?.();
          return v;
        }
        return lookup(ref, env);
      },
    });

  let items: unknown[];
  let scopes: ForeachItemScope[];
  try {
    if (typeof fe.items === 'string') {
      const text = resolveWith(fe.items, undefined);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new Error(`foreach: items must resolve to a JSON array; got ${JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text)}`);
      }
      if (!Array.isArray(parsed)) throw new Error('foreach: items must resolve to a JSON array');
      items = parsed;
    } else items = fe.items;
    if (items.length > 1000) throw new Error(`foreach: ${items.length} items, at most 1000 are allowed`);
    const keys = new Set<string>();
    scopes = items.map((item, index) => {
      const base: ForeachItemScope = { index, key: String(index), as: fe.as, item };
      const key = fe.key === undefined ? String(index) : resolveWith(fe.key, base);
      if (key === '') throw new Error(`foreach: the key of item ${index} is empty`);
      if (keys.has(key)) throw new Error(`foreach: items ${[...keys].indexOf(key)} and ${index} have the same key ${JSON.stringify(key)}`);
      keys.add(key);
      return { ...base, key };
    });
  } catch (error) {
    exited({ exitCode: null, error: (error as Error).message });
    return () => {};
  }

  const named = new Set(scope.spec.params.filter((p) => !p.positional).map((p) => p.name));
  const passed = Object.fromEntries(Object.entries(scope.params).filter(([k]) => named.has(k) && k !== FOREACH_PARAM));
  const bodyIds = new Map(fe.steps.map((s) => [s.id ?? s.name, s.name]));

  async function one(item: ForeachItemScope): Promise<ItemOutcome> {
    const base = { index: item.index, key: item.key };
    if (fan.stopped) return { ...base, status: 'aborted', error: 'not started: the step was stopped' };
    const params = { ...passed, [FOREACH_PARAM]: JSON.stringify(item) };
    const req: ChildRunRequest = { parent, dag: fe.document, params, dagRunId: childRunId(parent, { dag: fe.document, params }, input.repeatCount ?? 0), mode: 'run' };
    let result: ChildResult;
    try {
      result = (await fan.runChild(req)).result!;
    } catch (error) {
      return { ...base, status: 'failed', error: (error as Error).message };
    }
    if (result.status !== 'succeeded' && result.status !== 'partially_succeeded') return { ...base, status: result.status, error: result.error ?? `the body run ${result.status}` };
    const outputs: Record<string, string> = {};
    const unresolved: string[] = [];
    for (const [name, text] of Object.entries(fe.collect ?? {})) {
      let miss = false;
      outputs[name] = resolveWith(
        text,
        item,
        ([id, , out]) => {
          const stepName = bodyIds.get(id!);
          const o = stepName !== undefined ? result.steps?.[stepName] : undefined;
          return o && Object.hasOwn(o, out!) ? o[out!] : undefined;
        },
        () => (miss = true),
      );
      if (miss) unresolved.push(name);
    }
    if (unresolved.length > 0) return { ...base, status: 'failed', error: `collect ${unresolved.join(', ')}: a step output it reads was not published` };
    return { ...base, status: result.status, outputs };
  }

  void (async () => {
    const outcomes = await fan.pool(scopes, fe.maxConcurrent, one);
    if (fan.stopped) return exited({ exitCode: null, signal: 'SIGTERM', error: 'stopped' });
    const ok = (o: ItemOutcome) => o.status === 'succeeded' || o.status === 'partially_succeeded';
    const succeeded = outcomes.filter(ok).length;
    const failed = outcomes.length - succeeded;
    const json = JSON.stringify({
      summary: { total: outcomes.length, succeeded, failed },
      items: outcomes.map((o) => ({ index: o.index, key: o.key, status: o.status, ...(ok(o) ? { outputs: o.outputs ?? {} } : { error: o.error ?? o.status }) })),
      outputs: outcomes.filter(ok).map((o) => o.outputs ?? {}),
    });
    try {
      fan.writeStdout(json);
    } catch (error) {
      return exited({ exitCode: null, error: `cannot record the foreach result: ${(error as Error).message}` });
    }
    const output = spec.output !== undefined ? { output: json } : {};
    if (failed > 0) return exited({ exitCode: 1, failure: `${failed} of ${outcomes.length} foreach items did not succeed`, ...output });
    exited({ exitCode: 0, ...output });
  })();

  return fan.cleanup;
}
