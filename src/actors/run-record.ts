import { isoTime } from '../core/index.ts';
import { runStatusCode, stepStatusCode } from '../dag/status.ts';
import type { RunContext, RunStepState } from '../machines/index.ts';
import type { RunDetails, RunRecord, StepRecord } from './types.ts';

const iso = (ms: number | null) => (ms === null ? null : isoTime(ms));
const ms = (iso: string | null) => (iso === null ? null : Date.parse(iso));

/** A step of the machine's context as a stored step record. */
export function toStepRecord(s: RunStepState, outputName?: string): StepRecord {
  const r: StepRecord = {
    name: s.name,
    status: s.status,
    exitCode: s.exitCode,
    startedAt: iso(s.startedAt),
    finishedAt: iso(s.finishedAt),
    retryCount: s.retryCount,
  };
  // Declared outputs (`outputs:`) and the `output:` variable share the record's outputs map.
  if (s.outputs !== undefined) r.outputs = { ...s.outputs };
  if (s.output !== undefined && outputName) r.outputs = { ...r.outputs, [outputName]: s.output };
  if (s.error !== undefined) r.error = s.error;
  if (s.job !== undefined && s.status === 'running') r.job = s.job;
  if (s.job?.where !== undefined) r.where = s.job.where;
  if (s.handler) r.handler = true;
  if (s.repeatCount) r.repeatCount = s.repeatCount;
  if (s.subRuns) r.subRuns = s.subRuns.map((x) => ({ ...x }));
  return r;
}

/** A stored step record as machine state (retry presets); `step` tells the `output:` variable from declared outputs. */
export function fromStepRecord(r: StepRecord, step?: { output?: string; outputs?: Array<{ name: string }> }): RunStepState {
  const s: RunStepState = {
    name: r.name,
    status: r.status,
    exitCode: r.exitCode,
    startedAt: ms(r.startedAt),
    finishedAt: ms(r.finishedAt),
    retryCount: r.retryCount,
  };
  const output = r.outputs ? (step ? (step.output !== undefined ? r.outputs[step.output] : undefined) : Object.values(r.outputs)[0]) : undefined;
  if (output !== undefined) s.output = output;
  if (r.outputs && step?.outputs) {
    const declared: Record<string, string> = {};
    for (const o of step.outputs) if (Object.hasOwn(r.outputs, o.name)) declared[o.name] = r.outputs[o.name]!;
    s.outputs = declared;
  }
  if (r.error !== undefined) s.error = r.error;
  return s;
}

// The machine replaces a step's state object only when that step changes, so a record
// computed for one state object stays valid: a run with many steps converts only the step
// that changed, not all of them, on every report.
const recordCache = new WeakMap<RunStepState, StepRecord>();

/** Steps in spec order, then handlers in the order they ran. */
export function stepRecordsOf(ctx: RunContext): StepRecord[] {
  const out: StepRecord[] = [];
  const add = (s: RunStepState | undefined, outputName: string | undefined) => {
    if (!s) return;
    let r = recordCache.get(s);
    if (!r) {
      r = toStepRecord(s, outputName);
      recordCache.set(s, r);
    }
    out.push(r);
  };
  for (const spec of ctx.spec.steps) add(ctx.steps[spec.name], spec.output);
  for (const s of Object.values(ctx.steps)) if (s.handler) add(s, undefined);
  return out;
}

/** The read model of a record: Dagu's run-details shape plus a few extras. */
export function toRunDetails(r: RunRecord): RunDetails {
  const d: RunDetails = {
    name: r.name,
    dagRunId: r.dagRunId,
    status: runStatusCode(r.status),
    statusLabel: r.status,
    attempt: r.attempt,
    params: r.params,
    queuedAt: r.queuedAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    steps: r.steps.map((s) => {
      const step: RunDetails['steps'][number] = {
        name: s.name,
        status: stepStatusCode(s.status),
        statusLabel: s.status,
        exitCode: s.exitCode,
        startedAt: s.startedAt,
        finishedAt: s.finishedAt,
        retryCount: s.retryCount,
      };
      if (s.outputs) step.outputs = s.outputs;
      if (s.error !== undefined) step.error = s.error;
      if (s.logTruncated) step.logTruncated = true;
      if (s.repeatCount) step.repeatCount = s.repeatCount;
      if (s.subRuns) step.subRuns = s.subRuns.map((x) => ({ name: x.name, dagRunId: x.dagRunId }));
      if (s.where) step.where = s.where;
      return step;
    }),
    queue: r.queue,
    workspace: r.workspace,
    trigger: r.trigger,
    correlationId: r.origin.correlationId,
    history: r.history.map((a) => ({
      attempt: a.attempt,
      status: runStatusCode(a.status),
      statusLabel: a.status,
      trigger: a.trigger,
      startedAt: a.startedAt,
      finishedAt: a.finishedAt,
      ...(a.error !== undefined ? { error: a.error } : {}),
      ...(a.skippedHandler ? { skippedHandler: { ...a.skippedHandler } } : {}),
      steps: a.steps.map((s) => ({ name: s.name, statusLabel: s.status, exitCode: s.exitCode })),
    })),
  };
  if (r.scheduledAt !== undefined) d.scheduledAt = r.scheduledAt;
  if (r.autoRetries) d.autoRetries = r.autoRetries;
  if (r.error !== undefined) d.error = r.error;
  if (r.skippedHandler) d.skippedHandler = { ...r.skippedHandler };
  if (r.root) {
    d.rootDAGRunName = r.root.name;
    d.rootDAGRunId = r.root.dagRunId;
  }
  if (r.parent) {
    d.parentDAGRunName = r.parent.name;
    d.parentDAGRunId = r.parent.dagRunId;
    d.parentStepName = r.parent.step;
  }
  return d;
}
