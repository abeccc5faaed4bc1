import { assign, emit, enqueueActions, fromPromise, setup } from 'xstate';
import type { DagSpec, HandlerKind, StepSpec } from '../dag/types.ts';
import type { RunStatus } from '../dag/status.ts';
import { isDoneStepStatus } from '../dag/status.ts';
import { retryDelayMs, stepMachine } from './step.machine.ts';
import { anyStepActive, initialSchedule, mainStepsSettled, readySteps, settleStep, specsByName } from './run-schedule.ts';
import type { Sched } from './run-schedule.ts';
import type { PreconditionCheckInput, StepInput, StepJobRef, StepState, StepUpdate } from './step.machine.ts';

/** A step's state as the run sees it. */
export interface RunStepState extends StepState {
  handler?: boolean;
  /** Failed, but `continue_on` lets downstream steps run (the run ends partially_succeeded). */
  continued?: boolean;
}

export interface RunInput {
  dagName: string;
  dagRunId: string;
  attempt: number;
  spec: DagSpec;
  /** Params and DAG env, evaluated; every step sees them. */
  vars: Record<string, string>;
  logDir: string;
  /** Steps carried over from an earlier attempt (retry): they keep status and outputs. */
  preset?: Record<string, RunStepState>;
  /** Start in `queued` (enqueue) or go straight to `running` (start). */
  queued: boolean;
  /**
   * The DAG-level `retry_policy` will retry this attempt if it fails (a root run with
   * automatic retries left): a failure then skips `handler_on.failure`, which only the last
   * attempt runs (§20.3). `made` retries of `limit` were made before this attempt.
   */
  autoRetry?: { made: number; limit: number };
  now: number;
}

/** A handler the run did not run, and why (a failure handler while an automatic retry is pending). */
export interface SkippedHandler {
  handler: HandlerKind;
  reason: string;
}

export interface RunContext extends RunInput {
  steps: Record<string, RunStepState>;
  /**
   * Scheduling state, kept incrementally so each step report costs O(its dependents) rather
   * than a scan of the whole DAG: unsatisfied dependencies per waiting step, steps ready to
   * spawn (in readiness order), how many main steps are started and not done, and how many
   * main steps are neither done nor unreachable.
   */
  waitingOn: Record<string, number>;
  ready: string[];
  active: number;
  unresolved: number;
  /** Output variables captured so far (`output:` name → value). */
  outputs: Record<string, string>;
  stopRequested: boolean;
  /** The run's own timeout fired (the run fails, rather than being aborted). */
  timedOut: boolean;
  /** Decided before any step ran: DAG preconditions unmet (aborted) or failing to evaluate (failed). */
  forcedOutcome?: 'failed' | 'aborted';
  error?: string;
  /** The outcome of the main steps, decided before handlers run. */
  outcome?: Exclude<RunStatus, 'queued' | 'running' | 'not_started' | 'waiting' | 'rejected'>;
  /** Handler steps still to run, in order. */
  pendingHandlers: HandlerKind[];
  /** Set when `decide` left out the failure handler because an automatic retry is pending. */
  skippedHandler?: SkippedHandler;
  queuedAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
}

/**
 * The facts a run actor emits (`actor.on('*')`): its lifecycle and its steps'. They carry
 * what observers need and the time of the event that caused them; the runtime adds the run's
 * identity, its origin and a sequence number before publishing them on `events$`.
 */
export type RunFact =
  | { type: 'run.queued'; now: number }
  | { type: 'run.started'; now: number }
  | { type: 'step.started'; step: string; retryCount: number; handler: boolean; job?: StepJobRef; now: number }
  | { type: 'step.subrun'; step: string; subRun: { name: string; dagRunId: string }; now: number }
  | { type: 'step.retrying'; step: string; exitCode: number | null; retryCount: number; delayMs: number; now: number }
  | {
      type: 'step.finished';
      step: string;
      status: RunStepState['status'];
      exitCode: number | null;
      retryCount: number;
      repeatCount?: number;
      handler: boolean;
      startedAt: number | null;
      finishedAt: number | null;
      error?: string;
      outputs?: Record<string, string>;
      continued?: boolean;
      logTruncated?: boolean;
      now: number;
    }
  | { type: 'run.finished'; status: 'succeeded' | 'partially_succeeded' | 'failed' | 'aborted'; error?: string; skippedHandler?: SkippedHandler; startedAt: number | null; finishedAt: number; now: number };

/** The step facts one `step.update` stands for, comparing the step before and after it. */
export function stepFacts(spec: StepSpec | undefined, prev: RunStepState | undefined, next: RunStepState, now: number): RunFact[] {
  const handler = next.handler === true;
  const was = prev?.status;
  const subRunFacts: RunFact[] = (next.subRuns ?? []).slice(prev?.subRuns?.length ?? 0).map((subRun) => ({ type: 'step.subrun', step: next.name, subRun, now }));
  return [...stepStatusFacts(spec, prev, next, now), ...subRunFacts];
}

function stepStatusFacts(spec: StepSpec | undefined, prev: RunStepState | undefined, next: RunStepState, now: number): RunFact[] {
  const handler = next.handler === true;
  const was = prev?.status;
  if (next.status === 'running' && (was !== 'running' || (next.job && next.job.jobId !== prev?.job?.jobId))) {
    return [{ type: 'step.started', step: next.name, retryCount: next.retryCount, handler, ...(next.job ? { job: next.job } : {}), now }];
  }
  if (next.status === 'retrying' && was !== 'retrying') {
    return [{ type: 'step.retrying', step: next.name, exitCode: next.exitCode, retryCount: next.retryCount, delayMs: retryDelayMs(spec?.retryPolicy, next.retryCount), now }];
  }
  if (isDoneStepStatus(next.status) && !(was !== undefined && isDoneStepStatus(was))) {
    const f: Extract<RunFact, { type: 'step.finished' }> = {
      type: 'step.finished',
      step: next.name,
      status: next.status,
      exitCode: next.exitCode,
      retryCount: next.retryCount,
      handler,
      startedAt: next.startedAt,
      finishedAt: next.finishedAt,
      now: next.finishedAt ?? now,
    };
    if (next.error !== undefined) f.error = next.error;
    if (next.repeatCount) f.repeatCount = next.repeatCount;
    // Declared outputs (`outputs:`, object `output:`) and the `output:` variable share one map.
    if (next.outputs !== undefined) f.outputs = { ...next.outputs };
    if (next.output !== undefined && spec?.output && !handler) f.outputs = { ...f.outputs, [spec.output]: next.output };
    if (next.continued) f.continued = true;
    if (next.logTruncated) f.logTruncated = true;
    return [f];
  }
  return [];
}

export type RunEvent =
  | { type: 'run.start'; now: number }
  | { type: 'run.stop'; now: number; reason?: string }
  | { type: 'run.dequeue'; now: number }
  | StepUpdate;

export const HANDLER_STEP_NAMES: Record<HandlerKind, string> = {
  success: 'onSuccess',
  failure: 'onFailure',
  abort: 'onAbort',
  exit: 'onExit',
};

const NEVER = 2 ** 31 - 1;

/** The time an event carries: commands carry `now`, step reports carry their own times. */
function eventTime(ctx: RunContext, event: unknown): number {
  const e = event as { now?: number; finishedAt?: number | null; startedAt?: number | null; output?: { now?: number } };
  return e.now ?? e.finishedAt ?? e.startedAt ?? e.output?.now ?? ctx.startedAt ?? 0;
}

/** The run's outcome from its main steps. */
export function decideOutcome(ctx: RunContext): NonNullable<RunContext['outcome']> {
  if (ctx.forcedOutcome) return ctx.forcedOutcome;
  if (ctx.timedOut) return 'failed';
  if (ctx.stopRequested) return 'aborted';
  const main = ctx.spec.steps.map((s) => ctx.steps[s.name]).filter((s): s is RunStepState => s !== undefined);
  if (main.some((s) => s.status === 'aborted')) return 'aborted';
  if (main.some((s) => s.status === 'failed' && !s.continued)) return 'failed';
  if (main.some((s) => (s.status === 'failed' && s.continued) || s.status === 'partially_succeeded')) return 'partially_succeeded';
  return 'succeeded';
}

/**
 * The handlers to run after the main steps, in order, and the one left out: a failed attempt
 * that the DAG-level retry_policy will retry skips `failure` (the last attempt runs it, §20.3);
 * `exit` always runs.
 */
export function handlersFor(spec: DagSpec, outcome: NonNullable<RunContext['outcome']>, autoRetry?: RunInput['autoRetry']): { pending: HandlerKind[]; skipped?: SkippedHandler } {
  const first: HandlerKind = outcome === 'succeeded' || outcome === 'partially_succeeded' ? 'success' : outcome === 'failed' ? 'failure' : 'abort';
  const pending = ([first, 'exit'] as const).filter((k) => spec.handlerOn[k] !== undefined);
  if (first !== 'failure' || !autoRetry || spec.handlerOn.failure === undefined) return { pending };
  const reason = `an automatic retry is pending (retry_policy: retry ${autoRetry.made + 1} of ${autoRetry.limit}); the final attempt runs it`;
  return { pending: pending.filter((k) => k !== 'failure'), skipped: { handler: 'failure', reason } };
}

function initialSteps(input: RunInput): Record<string, RunStepState> {
  const steps: Record<string, RunStepState> = {};
  for (const s of input.spec.steps) {
    const preset = input.preset?.[s.name];
    steps[s.name] = preset ?? { name: s.name, status: 'not_started', exitCode: null, startedAt: null, finishedAt: null, retryCount: 0 };
  }
  return steps;
}

function initialOutputs(input: RunInput): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const s of input.spec.steps) {
    const preset = input.preset?.[s.name];
    if (s.output && preset?.output !== undefined) outputs[s.output] = preset.output;
  }
  return outputs;
}

/** What succeeded steps published, for output references and output variables. */
function publishedOf(ctx: RunContext): NonNullable<StepInput['published']> {
  const out: NonNullable<StepInput['published']> = {};
  for (const [name, st] of Object.entries(ctx.steps)) {
    if (st.handler || (st.output === undefined && st.outputs === undefined)) continue;
    out[name] = { status: st.status, ...(st.output !== undefined ? { output: st.output } : {}), ...(st.outputs !== undefined ? { outputs: st.outputs } : {}) };
  }
  return out;
}

function stepInput(ctx: RunContext, spec: StepSpec, now: number, handler?: StepInput['handler']): StepInput {
  return {
    spec,
    published: publishedOf(ctx),
    ...(handler ? { handler } : {}),
    vars: { ...ctx.vars, ...ctx.outputs },
    run: {
      dagName: ctx.dagName,
      dagRunId: ctx.dagRunId,
      attempt: ctx.attempt,
      logDir: ctx.logDir,
      ...(ctx.spec.workingDir !== undefined ? { workingDir: ctx.spec.workingDir } : {}),
      ...(ctx.spec.shell !== undefined ? { shell: ctx.spec.shell } : {}),
    },
    now,
  };
}

/**
 * One attempt of a DAG run. It spawns a step actor per step when the step's dependencies are
 * satisfied (up to `max_active_steps`), tracks their `step.update` reports, runs the
 * handler_on steps once the main steps are settled, and ends in one of Dagu's terminal
 * statuses. Preconditions of the DAG are the named actor `checkPreconditions`.
 */
export const runMachine = setup({
  types: {
    context: {} as RunContext,
    events: {} as RunEvent,
    input: {} as RunInput,
    emitted: {} as RunFact,
  },
  actors: {
    step: stepMachine,
    checkPreconditions: fromPromise<{ ok: boolean; now: number }, PreconditionCheckInput>(
      async () => ({ ok: true, now: 0 }),
    ),
  },
  delays: {
    runTimeout: ({ context }) => (context.spec.timeoutSec ? Math.min(context.spec.timeoutSec * 1000, NEVER) : NEVER),
  },
  guards: {
    hasTimeout: ({ context }) => context.spec.timeoutSec !== undefined && context.spec.timeoutSec > 0,
    hasPreconditions: ({ context }) => context.spec.preconditions.length > 0,
    mainSettled: ({ context }) => mainStepsSettled(context) && !anyStepActive(context),
    handlersLeft: ({ context }) => context.pendingHandlers.length > 0,
    nothingActive: ({ context }) => !anyStepActive(context),
  },
  actions: {
    recordStepUpdate: enqueueActions(({ context, event, enqueue }) => {
      const u = event as StepUpdate;
      const prev = context.steps[u.name];
      const stepSpec = specsByName(context.spec).get(u.name);
      const next: RunStepState = {
        name: u.name,
        status: u.status,
        exitCode: u.exitCode,
        startedAt: u.startedAt ?? prev?.startedAt ?? null,
        finishedAt: u.finishedAt,
        retryCount: u.retryCount,
      };
      if (u.repeatCount) next.repeatCount = u.repeatCount;
      if (u.subRuns) next.subRuns = u.subRuns;
      if (u.output !== undefined) next.output = u.output;
      if (u.outputs !== undefined) next.outputs = u.outputs;
      if (u.error !== undefined) next.error = u.error;
      if (u.job !== undefined) next.job = u.job;
      if (u.logTruncated) next.logTruncated = true;
      if (prev?.handler) next.handler = true;
      if (stepSpec && u.status === 'failed') {
        const c = stepSpec.continueOn;
        if (c.failure || (u.exitCode !== null && c.exitCodes.includes(u.exitCode))) {
          next.continued = true;
          if (c.markSuccess) next.status = 'succeeded';
        }
      }
      const outputs =
        stepSpec?.output && u.status === 'succeeded' && u.output !== undefined ? { ...context.outputs, [stepSpec.output]: u.output } : context.outputs;
      // The step map and the scheduling state are updated in place: copying them on every
      // report made a run O(steps²). A step's own state object is still replaced, so a
      // consumer holding an earlier step state keeps what it saw; earlier run snapshots are
      // not kept by anyone (a queued run's persisted snapshot is taken before any report).
      const steps = context.steps;
      steps[u.name] = next;
      if (!stepSpec || prev?.handler || !isDoneStepStatus(next.status) || (prev && isDoneStepStatus(prev.status))) enqueue.assign({ steps, outputs });
      else {
        const sched: Sched = { waitingOn: context.waitingOn, ready: context.ready, active: context.active, unresolved: context.unresolved };
        settleStep(context.spec, sched, u.name, next, prev?.startedAt !== null && prev?.startedAt !== undefined);
        enqueue.assign({ steps, outputs, ...sched });
      }
      for (const fact of stepFacts(stepSpec, prev, next, eventTime(context, event))) enqueue.emit(fact);
    }),
    emitQueued: emit(({ context }) => ({ type: 'run.queued' as const, now: context.queuedAt ?? context.now })),
    emitStarted: emit(({ context, event }) => ({ type: 'run.started' as const, now: context.startedAt ?? eventTime(context, event) })),
    emitFinished: emit(({ context }, params: { status: Extract<RunFact, { type: 'run.finished' }>['status'] }) => {
      const status = params.status;
      const finishedAt = context.finishedAt ?? context.startedAt ?? context.now;
      // A skip stands only if the run ends failed (a failure of the exit handler keeps it failed).
      const skipped = status === 'failed' && context.skippedHandler ? { skippedHandler: context.skippedHandler } : {};
      return { type: 'run.finished' as const, status, ...(context.error !== undefined ? { error: context.error } : {}), ...skipped, startedAt: context.startedAt, finishedAt, now: finishedAt };
    }),
    /** Spawns every ready step and marks it as started so it is not spawned twice. */
    scheduleReady: enqueueActions(({ context, enqueue, event }) => {
      if (context.stopRequested) return;
      const now = eventTime(context, event);
      const ready = readySteps(context);
      if (ready.length === 0) return;
      const steps = context.steps;
      for (const name of ready) {
        const spec = specsByName(context.spec).get(name)!;
        enqueue.spawnChild('step', { id: name, input: stepInput(context, spec, now) });
        steps[name] = { ...steps[name]!, startedAt: now };
      }
      context.ready.splice(0, ready.length);
      enqueue.assign({ steps, ready: context.ready, active: context.active + ready.length });
      for (const name of ready) enqueue.sendTo(name, { type: 'step.start', now });
    }),
    decide: assign(({ context }) => {
      const outcome = decideOutcome(context);
      const { pending, skipped } = handlersFor(context.spec, outcome, context.autoRetry);
      return { outcome, pendingHandlers: pending, ...(skipped ? { skippedHandler: skipped } : {}) };
    }),
    startNextHandler: enqueueActions(({ context, enqueue, event }) => {
      const [kind, ...rest] = context.pendingHandlers;
      if (!kind) return;
      const spec = context.spec.handlerOn[kind]!;
      const name = HANDLER_STEP_NAMES[kind];
      const now = eventTime(context, event);
      const handlerSpec: StepSpec = { ...spec, name, depends: [] };
      enqueue.spawnChild('step', { id: name, input: stepInput(context, handlerSpec, now, { runStatus: context.outcome ?? 'running' }) });
      enqueue.assign({
        pendingHandlers: rest,
        steps: {
          ...context.steps,
          [name]: { name, status: 'not_started', exitCode: null, startedAt: now, finishedAt: null, retryCount: 0, handler: true },
        },
      });
      enqueue.sendTo(name, { type: 'step.start', now });
    }),
    // The run ends at the time carried by the event that ended it (a step's finishedAt, a
    // stop's now), so the machine reads no clock.
    stampFinished: assign({
      finishedAt: ({ context, event }) => {
        const e = event as { now?: number; finishedAt?: number | null; output?: { now?: number } };
        return context.finishedAt ?? e.now ?? e.finishedAt ?? e.output?.now ?? null;
      },
    }),
    abortSteps: enqueueActions(({ context, enqueue, event, self }) => {
      const now = eventTime(context, event);
      for (const [name, st] of Object.entries(context.steps)) {
        if (st.handler || isDoneStepStatus(st.status)) continue;
        if (self.getSnapshot().children[name]) enqueue.sendTo(name, { type: 'step.abort', now });
      }
    }),
  },
}).createMachine({
  id: 'run',
  context: ({ input }) => {
    const steps = initialSteps(input);
    return {
    ...input,
    steps,
    ...initialSchedule(input.spec, steps),
    outputs: initialOutputs(input),
    stopRequested: false,
    timedOut: false,
    pendingHandlers: [],
    queuedAt: input.queued ? input.now : null,
    startedAt: input.queued ? null : input.now,
    finishedAt: null,
    };
  },
  initial: 'init',
  states: {
    init: {
      always: [{ guard: ({ context }) => context.queued, target: 'queued' }, { target: 'starting' }],
    },
    queued: {
      entry: 'emitQueued',
      on: {
        'run.start': { target: 'starting', actions: assign({ startedAt: ({ event }) => event.now }) },
        'run.dequeue': { target: 'aborted', actions: assign({ error: 'dequeued', finishedAt: ({ event }) => event.now }) },
        'run.stop': { target: 'aborted', actions: assign({ error: 'stopped before it started', finishedAt: ({ event }) => event.now }) },
      },
    },
    starting: {
      entry: 'emitStarted',
      always: [{ guard: 'hasPreconditions', target: 'checking' }, { target: 'running' }],
    },
    checking: {
      invoke: {
        src: 'checkPreconditions',
        input: ({ context }) => ({
          owner: '',
          spec: { name: 'preconditions', run: '', depends: [], env: [], continueOn: { failure: false, skipped: false, exitCodes: [], markSuccess: false }, preconditions: context.spec.preconditions },
          vars: context.vars,
          run: { dagName: context.dagName, dagRunId: context.dagRunId, attempt: context.attempt, logDir: context.logDir },
        }),
        onDone: [
          { guard: ({ event }) => event.output.ok, target: 'running' },
          // Unmet DAG preconditions abort the run; its abort and exit handlers still run (§15.7).
          { target: 'handling', actions: assign({ error: 'preconditions not met', forcedOutcome: 'aborted' as const }) },
        ],
        onError: { target: 'handling', actions: assign({ forcedOutcome: 'failed' as const, error: ({ event }) => `precondition check failed: ${String((event.error as Error)?.message ?? event.error)}` }) },
      },
      on: { 'run.stop': { target: 'aborted', actions: assign({ stopRequested: true, error: 'stopped', finishedAt: ({ event }) => event.now }) } },
    },
    running: {
      entry: 'scheduleReady',
      always: { guard: 'mainSettled', target: 'handling' },
      initial: 'active',
      states: {
        // A run with `timeout_sec` waits in `timed`, the only state that holds a timer: runs
        // without a timeout schedule none.
        active: {
          always: { guard: 'hasTimeout', target: 'timed' },
          on: {
            'run.stop': { target: 'stopping', actions: assign({ stopRequested: true, error: ({ event }) => event.reason ?? 'stopped' }) },
          },
        },
        timed: {
          after: {
            runTimeout: {
              target: 'stopping',
              actions: assign({ stopRequested: true, timedOut: true, error: ({ context }) => `run timed out after ${context.spec.timeoutSec}s` }),
            },
          },
          on: {
            'run.stop': { target: 'stopping', actions: assign({ stopRequested: true, error: ({ event }) => event.reason ?? 'stopped' }) },
          },
        },
        stopping: { entry: 'abortSteps' },
      },
      on: {
        'step.update': { actions: ['recordStepUpdate', 'scheduleReady'] },
      },
    },
    handling: {
      entry: ['decide', 'startNextHandler'],
      always: [{ guard: ({ context }) => context.pendingHandlers.length === 0 && !anyStepActive(context), target: 'done' }],
      on: {
        'step.update': [
          {
            guard: ({ event }) => isDoneStepStatus(event.status),
            actions: [
              'recordStepUpdate',
              // A failed handler fails a run that had otherwise succeeded.
              assign(({ context, event }) =>
                event.status === 'failed' && (context.outcome === 'succeeded' || context.outcome === 'partially_succeeded')
                  ? { outcome: 'failed' as const, error: `handler ${event.name} failed` }
                  : {},
              ),
              'startNextHandler',
            ],
          },
          { actions: 'recordStepUpdate' },
        ],
      },
    },
    done: {
      always: [
        { guard: ({ context }) => context.outcome === 'succeeded', target: 'succeeded' },
        { guard: ({ context }) => context.outcome === 'partially_succeeded', target: 'partially_succeeded' },
        { guard: ({ context }) => context.outcome === 'aborted', target: 'aborted' },
        { target: 'failed' },
      ],
    },
    succeeded: { type: 'final', entry: ['stampFinished', { type: 'emitFinished', params: { status: 'succeeded' } }] },
    partially_succeeded: { type: 'final', entry: ['stampFinished', { type: 'emitFinished', params: { status: 'partially_succeeded' } }] },
    failed: { type: 'final', entry: ['stampFinished', { type: 'emitFinished', params: { status: 'failed' } }] },
    aborted: { type: 'final', entry: ['stampFinished', { type: 'emitFinished', params: { status: 'aborted' } }] },
  },
});

/** The run status a snapshot value stands for. */
export function runStatusOf(value: unknown): RunStatus {
  const top = typeof value === 'string' ? value : Object.keys(value as object)[0];
  switch (top) {
    case 'queued':
      return 'queued';
    case 'succeeded':
    case 'partially_succeeded':
    case 'failed':
    case 'aborted':
      return top;
    case 'init':
    case 'starting':
      return 'not_started';
    default:
      return 'running';
  }
}
