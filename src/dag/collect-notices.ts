import type { DagSpec, StepSpec } from './types.ts';
import { At } from './spec-path.ts';
import type { SpecReader, YamlMap } from './spec-reader.ts';
import { CONTEXT_FIELDS, scanField } from './references.ts';
import type { Reference } from './references.ts';
import { ancestorsOf } from './step-graph.ts';
import { BUILTIN_ENV_NAMES } from './run-context.ts';

/** What a field may look up: step-output references need a step scope, handlers have none (§11.2). */
interface FieldScope {
  /** The step that owns the field; `undefined` for root fields. */
  step?: StepSpec;
  handler?: boolean;
  /** The field is an `env` value: unresolved `$NAME` get notices too (§8.8.5). */
  envNames?: ReadonlySet<string>;
  /** Inside `consts`: only earlier consts resolve. */
  consts?: ReadonlySet<string>;
}

/**
 * The passive notices validate prints (§8.8): every Dagu reference that validate cannot resolve,
 * classified as a `defect` (no run can resolve it: unknown step, output, const or context field,
 * a step-output reference where there is no step scope, a missing dependency) or `runtime`
 * (depends on the run: an `${env.X}` not declared in the file, a param without a default, a
 * context value). Escaped and unsupported braced text never produce notices.
 */
export function collectNotices(reader: SpecReader, root: YamlMap, spec: DagSpec): void {
  const at = new At();
  const stepsById = new Map(spec.steps.filter((s) => s.id !== undefined).map((s) => [s.id!, s]));
  const ancestors = ancestorsOf(spec);
  const paramNames = new Set(spec.params.filter((p) => !p.positional).map((p) => p.name));
  const withValue = new Set(spec.params.filter((p) => !p.positional && (p.hasDefault !== false || p.value !== '')).map((p) => p.name));
  const rootEnvNames = new Set([...spec.env.map(([k]) => k), ...paramNames, ...(spec.secrets ?? []).map((s) => s.name), ...BUILTIN_ENV_NAMES]);

  const check = (where: At, text: unknown, scope: FieldScope): void => {
    if (typeof text !== 'string' || !text.includes('$')) return;
    for (const part of scanField(text, { envEscapes: scope.envNames !== undefined })) {
      if (part.kind === 'text') continue;
      if (part.kind === 'env') {
        if (scope.envNames && !part.singleQuoted && !scope.envNames.has(part.name)) {
          reader.note(where, 'runtime', `${part.raw} is not set by this file; it resolves only if the environment has ${part.name}`, { token: part.raw, reason: 'unknown_env_binding' });
        }
        continue;
      }
      const verdict = judge(part, scope);
      if (verdict) reader.note(where, verdict.kind, `unresolved reference ${part.raw}: ${verdict.message}`, { token: part.raw, reason: verdict.reason });
    }
  };

  function judge(ref: Reference, scope: FieldScope): { kind: 'defect' | 'runtime'; reason: string; message: string } | undefined {
    switch (ref.ns) {
      case 'consts': {
        const known = scope.consts ?? new Set(Object.keys(spec.consts ?? {}));
        if (known.has(ref.path[0]!)) return undefined;
        if (scope.consts && Object.hasOwn(spec.consts ?? {}, ref.path[0]!)) return { kind: 'defect', reason: 'self_reference', message: 'a const can use earlier consts only' };
        return { kind: 'defect', reason: 'unknown_const_name', message: `no const named ${ref.path[0]}` };
      }
      case 'params':
        if (scope.consts) return { kind: 'runtime', reason: 'namespace_unavailable', message: 'params are not available in consts' };
        if (ref.path.length === 0) return undefined;
        if (!paramNames.has(ref.path[0]!)) return { kind: 'runtime', reason: 'unknown_param', message: `the DAG declares no param ${ref.path[0]}` };
        if (!withValue.has(ref.path[0]!)) return { kind: 'runtime', reason: 'missing_param_value', message: 'the param has no default; it needs a value at run start' };
        return undefined;
      case 'env': {
        if (scope.consts) return { kind: 'runtime', reason: 'namespace_unavailable', message: 'env is not available in consts' };
        const name = ref.path[0]!;
        const names = scope.envNames ?? envNamesOf(scope.step);
        if (names.has(name)) return undefined;
        return { kind: 'runtime', reason: 'unknown_env_binding', message: `${name} is not set by this file` };
      }
      case 'steps': {
        const [id, , output] = ref.path as [string, string, string];
        if (!scope.step || scope.handler || scope.consts) return { kind: 'defect', reason: 'namespace_unavailable', message: scope.handler ? 'handlers cannot read step outputs' : 'step outputs are available in step fields only' };
        const producer = stepsById.get(id);
        if (!producer) return { kind: 'defect', reason: 'unknown_step_id', message: `no step has id ${id}` };
        if (producer === scope.step) return { kind: 'defect', reason: 'self_reference', message: 'a step cannot read its own outputs' };
        if (!producer.outputs?.some((o) => o.name === output)) return { kind: 'defect', reason: 'unknown_output_name', message: `step ${id} declares no output ${output}` };
        if (!ancestors.get(scope.step.name)?.has(producer.name)) return { kind: 'defect', reason: 'missing_dependency', message: `this step does not depend on ${id} (references never add dependencies)` };
        return { kind: 'runtime', reason: 'step_output', message: `set when ${id} succeeds` };
      }
      case 'foreach':
        return { kind: 'defect', reason: 'namespace_unavailable', message: 'foreach values exist only inside a foreach body, its key and its collect' };
      case 'context': {
        const [group, field] = ref.path as [string, string];
        if (!CONTEXT_FIELDS[group]?.includes(field)) return { kind: 'defect', reason: 'unknown_context_field', message: `context has no field ${group}.${field}` };
        return { kind: 'runtime', reason: 'context_value', message: 'a run value' };
      }
    }
  }

  function envNamesOf(step: StepSpec | undefined): ReadonlySet<string> {
    if (!step) return rootEnvNames;
    const names = new Set(rootEnvNames);
    for (const [k] of step.env) names.add(k);
    for (const a of ancestors.get(step.name) ?? []) {
      const s = spec.steps.find((x) => x.name === a);
      if (s?.output) names.add(s.output);
    }
    return names;
  }

  const envBlock = (where: At, value: unknown, base: ReadonlySet<string>, scope: FieldScope): void => {
    const names = new Set(base);
    const entry = (w: At, key: string, v: unknown): void => {
      check(w, v, { ...scope, envNames: names });
      names.add(key);
    };
    if (value instanceof Map) for (const [k, v] of value) entry(where.to(String(k)), String(k), v);
    else if (Array.isArray(value)) {
      value.forEach((item, i) => {
        if (item instanceof Map) for (const [k, v] of item) entry(where.to(i, String(k)), String(k), v);
        else if (typeof item === 'string' && item.includes('=')) entry(where.to(i), item.slice(0, item.indexOf('=')), item.slice(item.indexOf('=') + 1));
      });
    }
  };

  const preconditions = (where: At, value: unknown, scope: FieldScope): void => {
    const one = (w: At, item: unknown): void => {
      if (typeof item === 'string') check(w, item, scope);
      else if (item instanceof Map) {
        check(w.to('condition'), item.get('condition'), scope);
        check(w.to('eval'), item.get('eval'), scope);
      }
    };
    if (Array.isArray(value)) value.forEach((item, i) => one(where.to(i), item));
    else one(where, value);
  };

  const stepFields = (where: At, raw: unknown, step: StepSpec | undefined, handler: boolean): void => {
    if (!(raw instanceof Map) || !step) return;
    const scope: FieldScope = { step, handler };
    const run = raw.get('run');
    if (Array.isArray(run)) run.forEach((item, i) => check(where.to('run', i), item, scope));
    else check(where.to('run'), run, scope);
    check(where.to('command'), raw.get('command'), scope);
    check(where.to('script'), raw.get('script'), scope);
    check(where.to('working_dir'), raw.get('working_dir'), scope);
    check(where.to('stdout'), raw.get('stdout'), scope);
    check(where.to('stderr'), raw.get('stderr'), scope);
    const base = new Set(rootEnvNames);
    for (const a of ancestors.get(step.name) ?? []) {
      const s = spec.steps.find((x) => x.name === a);
      if (s?.output) base.add(s.output);
    }
    envBlock(where.to('env'), raw.get('env'), base, scope);
    preconditions(where.to('preconditions'), raw.get('preconditions'), scope);
    preconditions(where.to('precondition'), raw.get('precondition'), scope);
  };

  // Root fields.
  const consts = root.get('consts');
  if (Array.isArray(consts)) {
    const earlier = new Set<string>();
    consts.forEach((item, i) => {
      if (!(item instanceof Map) || item.size !== 1) return;
      const [[k, v]] = [...item.entries()] as [[unknown, unknown]];
      check(at.to('consts', i, String(k)), v, { consts: new Set(earlier) });
      earlier.add(String(k));
    });
  }
  envBlock(at.to('env'), root.get('env'), new Set([...paramNames, ...BUILTIN_ENV_NAMES]), {});
  check(at.to('working_dir'), root.get('working_dir'), {});
  preconditions(at.to('preconditions'), root.get('preconditions'), {});
  preconditions(at.to('precondition'), root.get('precondition'), {});
  const dotenv = root.get('dotenv');
  if (Array.isArray(dotenv)) dotenv.forEach((d, i) => check(at.to('dotenv', i), d, {}));
  else check(at.to('dotenv'), dotenv, {});

  const steps = root.get('steps');
  if (Array.isArray(steps)) {
    steps.forEach((raw, i) => {
      const step = spec.steps.find((s, j) => j === i);
      stepFields(at.to('steps', i).inStep(step?.name), raw, step, false);
    });
  } else if (steps instanceof Map) {
    for (const [key, raw] of steps) stepFields(at.to('steps', String(key)).inStep(String(key)), raw, spec.steps.find((s) => s.name === String(key)), false);
  }
  const handlers = root.get('handler_on');
  if (handlers instanceof Map) {
    for (const [key, raw] of handlers) {
      const h = spec.handlerOn[String(key) as keyof DagSpec['handlerOn']];
      stepFields(at.to('handler_on', String(key)).inStep(h?.name), raw, h, true);
    }
  }
}
