import { assign, enqueueActions, fromCallback, fromPromise, setup } from 'xstate';
import type { StepSpec } from '../dag/types.ts';
import type { StepStatus } from '../dag/status.ts';

/** The observable state of one step: what it reports and what its run keeps. Times are epoch ms. */
export interface StepState {
  name: string;
  status: StepStatus;
  exitCode: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  retryCount: number;
  /** Executions after the first one, for steps with `repeat_policy`. */
  repeatCount?: number;
  /** Captured stdout, for steps with `output:`. */
  output?: string;
  /** Values of declared `outputs:` (from `$DAGU_OUTPUT_FILE`). */
  outputs?: Record<string, string>;
  error?: string;
  /** The executor's job and where it runs, once the executor accepted it. */
  job?: StepJobRef;
  /** The step's log passed its limit and was truncated. */
  logTruncated?: boolean;
  /** Child runs a sub-DAG step started (one per parallel item), in start order. */
  subRuns?: SubRunRef[];
}

/** A child run of a sub-DAG step. */
export interface SubRunRef {
  name: string;
  dagRunId: string;
}

/** A step's job as the executor reports it: its id and where it runs. */
export interface StepJobRef {
  jobId: string;
  where?: { executor: string; host: string; workerId: string };
}

/** What a step actor reports to its run after every state change. */
export interface StepUpdate extends StepState {
  type: 'step.update';
}

export interface StepInput {
  spec: StepSpec;
  /** Variables visible to the step: params, DAG env, outputs of earlier steps. */
  vars: Record<string, string>;
  /** Where the run keeps this attempt's logs and other run-scoped facts the executor needs. */
  run: { dagName: string; dagRunId: string; attempt: number; logDir: string; workingDir?: string; shell?: string };
  /** What the run's other steps published so far (by step name), for output references. */
  published?: Record<string, { status: StepStatus; output?: string; outputs?: Record<string, string> }>;
  /** A handler_on step, and the run's status when it starts. */
  handler?: { runStatus: string };
  /** Epoch ms; the machine never reads a clock itself. */
  now: number;
}

export interface StepContext extends StepInput {
  status: StepStatus;
  retryCount: number;
  repeatCount?: number;
  subRuns?: SubRunRef[];
  exitCode: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  output?: string;
  outputs?: Record<string, string>;
  error?: string;
  job?: StepJobRef;
  logTruncated?: boolean;
  /** Why the step is being stopped: a stop request or its own timeout. */
  stopReason?: 'abort' | 'timeout';
  /** `repeat_policy`: the last execution ended well (exit 0, no error, not partial). */
  lastOk?: boolean;
  /** The last execution of a sub-DAG call ended partially_succeeded. */
  lastPartial?: boolean;
}

export type StepEvent =
  /** Starts the step (the run sends it when the step's dependencies are satisfied). */
  | { type: 'step.start'; now: number }
  | { type: 'step.abort'; now: number }
  /** From a sub-DAG call: it started (or reattached to) this child run. */
  | { type: 'step.subrun'; subRun: SubRunRef; now: number }
  /** From the executor: the job is accepted and runs (its id and where). */
  | { type: 'step.spawned'; job: StepJobRef; now: number }
  /** From the executor: the job ended (or could not start, or was lost: `error`). */
  | {
      type: 'step.exited';
      exitCode: number | null;
      signal?: string | null;
      output?: string;
      outputs?: Record<string, string>;
      error?: string;
      /** The executor cannot tell how the job ended (its worker or launcher died): retry_policy applies as to a failed command. */
      lost?: boolean;
      logTruncated?: boolean;
      /** A sub-DAG call whose child ended partially_succeeded (exit code 0): the step does too. */
      partial?: boolean;
      /**
       * Why a try that ran failed (a failed child run), in place of `exit code N`. Unlike
       * `error` (the try could not run at all), such a failure is retried per retry_policy.
       */
      failure?: string;
      now: number;
    }
  /** Sent to the executor: signal the process group. */
  | { type: 'step.kill'; signal: string };

/** Input of the `checkPreconditions` actor; `owner` is the step's name, or '' for the DAG's own. */
export interface PreconditionCheckInput {
  owner: string;
  spec: StepSpec;
  vars: Record<string, string>;
  run: StepInput['run'];
  published?: StepInput['published'];
  /** A `repeat_policy` condition: the step's own `output:` from the execution just finished (§18.3). */
  own?: { output?: string };
}

/** The executor's input: everything needed to launch one process for the step. */
export interface ExecuteStepInput {
  spec: StepSpec;
  vars: Record<string, string>;
  run: StepInput['run'];
  retryCount: number;
  /** Executions before this one (`repeat_policy`). */
  repeatCount?: number;
  published?: StepInput['published'];
  handler?: StepInput['handler'];
}

/** Largest delay a Node timer accepts; used when a timeout is not configured. */
const NEVER = 2 ** 31 - 1;

/** Delay before retry number `n` (1-based), in ms, with optional exponential backoff and cap. */
export function retryDelayMs(policy: StepSpec['retryPolicy'], n: number): number {
  if (!policy) return 0;
  let sec = policy.intervalSec;
  if (policy.backoff && policy.backoff > 1) sec = policy.intervalSec * policy.backoff ** (n - 1);
  if (policy.maxIntervalSec !== undefined) sec = Math.min(sec, policy.maxIntervalSec);
  return Math.min(Math.round(sec * 1000), NEVER);
}

function shouldRetry(ctx: StepContext, exitCode: number | null, lost = false): boolean {
  const policy = ctx.spec.retryPolicy;
  if (!policy || ctx.retryCount >= policy.limit) return false;
  // A lost job has no exit code to filter on: the loss is the infrastructure's, not the
  // command's verdict, so `exit_code` (which picks the command failures worth retrying) does
  // not hold it back.
  if (lost || policy.exitCodes.length === 0) return true;
  return exitCode !== null && policy.exitCodes.includes(exitCode);
}

/** Delay before repeat number `n` (1-based), in ms: `interval × backoff^(n-1)`, capped. */
export function repeatDelayMs(policy: StepSpec['repeatPolicy'], n: number): number {
  if (!policy) return 0;
  let sec = policy.intervalSec;
  if (policy.backoff && policy.backoff > 1) sec = policy.intervalSec * policy.backoff ** (n - 1);
  if (policy.maxIntervalSec !== undefined) sec = Math.min(sec, policy.maxIntervalSec);
  return Math.min(Math.round(sec * 1000), NEVER);
}

type Exited = Extract<StepEvent, { type: 'step.exited' }>;

/** Another execution is allowed by `repeat_policy.limit` (which caps total executions). */
function underRepeatLimit(ctx: StepContext): boolean {
  const p = ctx.spec.repeatPolicy;
  return p !== undefined && (p.limit === undefined || (ctx.repeatCount ?? 0) + 1 < p.limit);
}

/** Whether a try's end is a failure that the step's retry_policy retries (retries come before repeats). */
function retries(ctx: StepContext, e: Exited): boolean {
  return !(e.exitCode === 0 && !e.error) && !e.error && shouldRetry(ctx, e.exitCode);
}

/**
 * The repeat decision that needs no condition (§18.3): listed exit codes, or (without a
 * condition or codes) success for `while` and failure for `until`. `undefined` when a
 * condition must be evaluated first.
 */
export function repeatWithoutCondition(policy: NonNullable<StepSpec['repeatPolicy']>, e: Pick<Exited, 'exitCode' | 'error' | 'partial'>): boolean | undefined {
  if (policy.condition !== undefined) return undefined;
  const ok = e.exitCode === 0 && !e.error;
  const holds = policy.exitCodes.length > 0 ? e.exitCode !== null && policy.exitCodes.includes(e.exitCode) : ok;
  return policy.mode === 'while' ? holds : !holds;
}

function update(ctx: StepContext): StepUpdate {
  const u: StepUpdate = {
    type: 'step.update',
    name: ctx.spec.name,
    status: ctx.status,
    exitCode: ctx.exitCode,
    startedAt: ctx.startedAt,
    finishedAt: ctx.finishedAt,
    retryCount: ctx.retryCount,
  };
  if (ctx.repeatCount) u.repeatCount = ctx.repeatCount;
  if (ctx.output !== undefined) u.output = ctx.output;
  if (ctx.outputs !== undefined) u.outputs = ctx.outputs;
  if (ctx.error !== undefined) u.error = ctx.error;
  if (ctx.job !== undefined) u.job = ctx.job;
  if (ctx.logTruncated) u.logTruncated = true;
  if (ctx.subRuns) u.subRuns = ctx.subRuns;
  return u;
}

/**
 * One step of one run attempt: preconditions, the process, retries with backoff, its timeout
 * and stop. Side effects are the named actors `executeStep` (launches the process and reports
 * `step.spawned`/`step.exited`; receives `step.kill`) and `checkPreconditions`, which the
 * actors layer provides. Every state change is reported to the parent run as `step.update`.
 */
export const stepMachine = setup({
  types: {
    context: {} as StepContext,
    events: {} as StepEvent,
    input: {} as StepInput,
  },
  actors: {
    executeStep: fromCallback<StepEvent, ExecuteStepInput>(() => () => {}),
    checkPreconditions: fromPromise<{ ok: boolean; now: number }, PreconditionCheckInput>(
      async () => ({ ok: true, now: 0 }),
    ),
  },
  delays: {
    stepTimeout: ({ context }) => (context.spec.timeoutSec ? Math.min(context.spec.timeoutSec * 1000, NEVER) : NEVER),
    retryInterval: ({ context }) => retryDelayMs(context.spec.retryPolicy, context.retryCount),
    repeatInterval: ({ context }) => repeatDelayMs(context.spec.repeatPolicy, (context.repeatCount ?? 0) + 1),
  },
  guards: {
    hasTimeout: ({ context }) => context.spec.timeoutSec !== undefined && context.spec.timeoutSec > 0,
    hasPreconditions: ({ context }) => context.spec.preconditions.length > 0,
    lastOk: ({ context }) => context.lastOk === true,
    lastPartial: ({ context }) => context.lastPartial === true,
  },
  actions: {
    /** Keeps what an execution of a repeating step ended with (published if it is the last). */
    keepLast: assign(({ event }) => {
      const e = event as Exited;
      const ok = e.exitCode === 0 && !e.error;
      return {
        exitCode: e.exitCode,
        lastOk: ok && !e.partial,
        lastPartial: ok && e.partial === true,
        output: ok ? e.output : undefined,
        outputs: ok ? e.outputs : undefined,
        error: ok ? undefined : (e.error ?? e.failure ?? (e.signal ? `killed by ${e.signal}` : `exit code ${e.exitCode}`)),
      };
    }),
    // Any try that truncated its log marks the step (its record says so).
    noteLog: assign({ logTruncated: ({ context, event }) => context.logTruncated === true || (event as { logTruncated?: boolean }).logTruncated === true }),
    // A step run on its own (pure tests, tools) has no parent to report to.
    report: enqueueActions(({ context, enqueue, self }) => {
      if ((self as { _parent?: unknown })._parent) enqueue.sendParent(update(context));
    }),
    // Events that end a step carry the time (`now`, or `output.now` for the precondition
    // check), so the machine stays free of clocks and its pure tests are deterministic.
    stamp: assign({
      finishedAt: ({ event }) => {
        const e = event as { now?: number; output?: { now?: number } };
        return e.now ?? e.output?.now ?? null;
      },
    }),
  },
}).createMachine({
  id: 'step',
  context: ({ input }) => ({ ...input, status: 'not_started', retryCount: 0, exitCode: null, startedAt: null, finishedAt: null }),
  initial: 'pending',
  states: {
    pending: {
      on: {
        'step.start': [
          { guard: 'hasPreconditions', target: 'checking', actions: assign({ startedAt: ({ event }) => event.now }) },
          { target: 'running', actions: assign({ startedAt: ({ event }) => event.now }) },
        ],
        'step.abort': { target: 'aborted' },
      },
    },
    checking: {
      invoke: {
        src: 'checkPreconditions',
        input: ({ context }) => ({ owner: context.spec.name, spec: context.spec, vars: context.vars, run: context.run, ...(context.published ? { published: context.published } : {}) }),
        onDone: [
          { guard: ({ event }) => event.output.ok, target: 'running' },
          { target: 'skipped', actions: assign({ error: 'precondition not met' }) },
        ],
        onError: { target: 'failed', actions: assign({ error: ({ event }) => `precondition check failed: ${String((event.error as Error)?.message ?? event.error)}` }) },
      },
      on: { 'step.abort': { target: 'aborted' } },
    },
    running: {
      // Reported to the run once the job is accepted (with its id), not on entry: one
      // report per start instead of two. A launch failure is reported by the final state.
      entry: assign({ status: 'running', job: undefined }),
      invoke: {
        id: 'process',
        src: 'executeStep',
        input: ({ context }) => ({
          spec: context.spec,
          vars: context.vars,
          run: context.run,
          retryCount: context.retryCount,
          ...(context.repeatCount ? { repeatCount: context.repeatCount } : {}),
          ...(context.published ? { published: context.published } : {}),
          ...(context.handler ? { handler: context.handler } : {}),
        }),
      },
      initial: 'active',
      states: {
        // Only a step with `timeout_sec` holds a timer (in `timed`); most steps have none.
        active: {
          always: { guard: 'hasTimeout', target: 'timed' },
          on: { 'step.abort': { target: 'stopping', actions: assign({ stopReason: 'abort' }) } },
        },
        timed: {
          after: { stepTimeout: { target: 'stopping', actions: assign({ stopReason: 'timeout' }) } },
          on: { 'step.abort': { target: 'stopping', actions: assign({ stopReason: 'abort' }) } },
        },
        // The process keeps running until it has exited, so the run never reports a step as
        // done while its process group may still be alive.
        stopping: {
          entry: ({ context, self }) => {
            const child = self.getSnapshot().children.process;
            child?.send({ type: 'step.kill', signal: context.spec.signalOnStop ?? 'SIGTERM' });
          },
        },
      },
      on: {
        'step.spawned': { actions: [assign({ job: ({ event }) => event.job }), 'report'] },
        'step.subrun': {
          actions: [
            assign({ subRuns: ({ context, event }) => (context.subRuns?.some((r) => r.name === event.subRun.name && r.dagRunId === event.subRun.dagRunId) ? context.subRuns : [...(context.subRuns ?? []), event.subRun]) }),
            'report',
          ],
        },
        'step.exited': [
          {
            guard: ({ context }) => context.stopReason === 'abort',
            target: 'aborted',
            actions: ['noteLog', assign({ exitCode: ({ event }) => event.exitCode, error: 'stopped' })],
          },
          {
            guard: ({ context }) => context.stopReason === 'timeout',
            target: 'failed',
            actions: ['noteLog', assign({ exitCode: ({ event }) => event.exitCode, error: ({ context }) => `timed out after ${context.spec.timeoutSec}s` })],
          },
          // repeat_policy (§18.3): retries of a failed try come first; then the policy decides.
          {
            guard: ({ context, event }) => underRepeatLimit(context) && !retries(context, event) && context.spec.repeatPolicy!.condition !== undefined,
            target: 'repeatCheck',
            actions: ['noteLog', 'keepLast'],
          },
          {
            guard: ({ context, event }) => underRepeatLimit(context) && !retries(context, event) && repeatWithoutCondition(context.spec.repeatPolicy!, event) === true,
            target: 'repeating',
            actions: ['noteLog', 'keepLast'],
          },
          {
            guard: ({ event }) => event.exitCode === 0 && !event.error && event.partial === true,
            target: 'partially_succeeded',
            actions: ['noteLog', assign({ exitCode: 0, output: ({ event }) => event.output, outputs: ({ event }) => event.outputs, error: undefined })],
          },
          {
            guard: ({ event }) => event.exitCode === 0 && !event.error,
            target: 'succeeded',
            actions: ['noteLog', assign({ exitCode: 0, output: ({ event }) => event.output, outputs: ({ event }) => event.outputs, error: undefined })],
          },
          {
            guard: ({ context, event }) => !event.error && shouldRetry(context, event.exitCode),
            target: 'retrying',
            actions: ['noteLog', assign({ exitCode: ({ event }) => event.exitCode, error: undefined, retryCount: ({ context }) => context.retryCount + 1 })],
          },
          {
            // Lost (e.g. "worker lost"): retried like a failure; the reason stays visible while it waits.
            guard: ({ context, event }) => event.lost === true && shouldRetry(context, event.exitCode, true),
            target: 'retrying',
            actions: ['noteLog', assign({ exitCode: null, error: ({ event }) => event.error, retryCount: ({ context }) => context.retryCount + 1 })],
          },
          {
            target: 'failed',
            actions: ['noteLog', assign({
              exitCode: ({ event }) => event.exitCode,
              error: ({ event }) => event.error ?? event.failure ?? (event.signal ? `killed by ${event.signal}` : `exit code ${event.exitCode}`),
            })],
          },
        ],
      },
    },
    // Evaluates repeat_policy.condition with the step's scope (as a precondition: a command's
    // exit 0, or a value match with `expected`) after an execution ended.
    repeatCheck: {
      invoke: {
        src: 'checkPreconditions',
        input: ({ context }) => {
          const p = context.spec.repeatPolicy!;
          return {
            owner: context.spec.name,
            spec: { ...context.spec, preconditions: [{ condition: p.condition!, ...(p.expected !== undefined ? { expected: p.expected } : {}), negate: false }] },
            vars: context.vars,
            run: context.run,
            ...(context.published ? { published: context.published } : {}),
            // The condition sees the `output:` this execution produced (keepLast kept it; a
            // failed execution produced none), never a value from before it.
            own: context.output !== undefined ? { output: context.output } : {},
          };
        },
        onDone: [
          {
            guard: ({ context, event }) => {
              const p = context.spec.repeatPolicy!;
              const holds = event.output.ok || (context.exitCode !== null && p.exitCodes.includes(context.exitCode));
              return p.mode === 'while' ? holds : !holds;
            },
            target: 'repeating',
          },
          { target: 'lastExecution' },
        ],
        onError: { target: 'failed', actions: assign({ error: ({ event }) => `repeat condition failed: ${String((event.error as Error)?.message ?? event.error)}`, output: undefined, outputs: undefined }) },
      },
      on: { 'step.abort': { target: 'lastExecution' } },
    },
    // Waits repeat_policy's interval before the next execution. A stop ends the step with what
    // its last execution gave (repeating steps finish on stop instead of being killed, §18.3).
    repeating: {
      after: { repeatInterval: { target: 'running', actions: assign({ repeatCount: ({ context }) => (context.repeatCount ?? 0) + 1 }) } },
      on: { 'step.abort': { target: 'lastExecution' } },
    },
    lastExecution: {
      always: [{ guard: 'lastOk', target: 'succeeded' }, { guard: 'lastPartial', target: 'partially_succeeded' }, { target: 'failed' }],
    },
    retrying: {
      entry: [assign({ status: 'retrying' }), 'report'],
      after: { retryInterval: { target: 'running' } },
      on: { 'step.abort': { target: 'aborted' } },
    },
    succeeded: { type: 'final', entry: [assign({ status: 'succeeded' }), 'stamp', 'report'] },
    partially_succeeded: { type: 'final', entry: [assign({ status: 'partially_succeeded' }), 'stamp', 'report'] },
    failed: { type: 'final', entry: [assign({ status: 'failed' }), 'stamp', 'report'] },
    skipped: { type: 'final', entry: [assign({ status: 'skipped' }), 'stamp', 'report'] },
    aborted: { type: 'final', entry: [assign({ status: 'aborted' }), 'stamp', 'report'] },
  },
});
