import { createMemoryLogger } from '../../src/core/index.ts';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Subject } from 'rxjs';
import type { DomainEvent, RunLifecycleEvent, RuntimeEvent, TransitionEvent } from '../../src/actors/index.ts';
import { attachRuntimeEvents, createAuditTrail } from '../../src/audit/index.ts';
import type { AuditStore, AuditTrail } from '../../src/audit/index.ts';
import { defaultConfig } from '../../src/config.ts';
import { isTroupeError, originOf, runWithContext } from '../../src/core/index.ts';
import { openAuditDatabase } from '../../src/store/database.ts';
import { openEngine } from '../../src/engine.ts';
import { dumpDb, fullContext, tempDb } from '../_support/audit-fixtures.ts';
import { createLevelAuditStore } from '../../src/store/level-audit-store.ts';

const s = suite('attachRuntimeEvents');
const AT = Date.parse('2025-07-01T08:00:00.000Z');

function domain(action: DomainEvent['action'], details: Record<string, unknown> = {}, at = AT): DomainEvent {
  return {
    type: 'domain',
    at,
    action,
    resourceType: action === 'dag_execute' ? 'dag_run' : 'dag',
    resourceId: 'nightly/run-1',
    workspace: 'team-a',
    details: { dag_name: 'nightly', dag_run_id: 'run-1', ...details },
    origin: originOf(fullContext({ correlationId: 'corr-cmd' })),
    seq: 1,
    correlationId: 'corr-cmd',
  };
}

let seq = 100;
/** A run lifecycle fact of run nightly/run-1, attempt 1. */
function fact(event: Record<string, unknown> & { type: RunLifecycleEvent['type'] }, at = AT): RuntimeEvent {
  return {
    seq: ++seq,
    at,
    correlationId: 'corr-cmd',
    run: { name: 'nightly', dagRunId: 'run-1', attempt: 1 },
    origin: originOf(fullContext({ correlationId: 'corr-cmd' })),
    workspace: 'team-a',
    ...event,
  } as unknown as RuntimeEvent;
}

function transition(actorKind: TransitionEvent['actorKind'], to: string): TransitionEvent {
  return { type: 'transition', at: AT, seq: 2, correlationId: '', actorKind, actorId: `${actorKind}:abc`, machine: actorKind, from: 'initializing', to, event: 'x', restored: false };
}

async function withTrail(fn: (trail: AuditTrail, events$: Subject<RuntimeEvent>) => Promise<void>): Promise<void> {
  const t = await tempDb();
  try {
    const trail = await createAuditTrail({ store: createLevelAuditStore(t.db), retentionDays: 0, logger: () => {} });
    const events$ = new Subject<RuntimeEvent>();
    const sub = attachRuntimeEvents(trail, events$, createMemoryLogger());
    await fn(trail, events$);
    sub.unsubscribe();
    await trail.close();
  } finally {
    await t.cleanup();
  }
}

s('each domain event becomes one dag entry carrying the origin stored with it', () =>
  withTrail(async (trail, events$) => {
    const actions = ['dag_create', 'dag_update', 'dag_rename', 'dag_delete', 'dag_execute', 'dag_enqueue', 'dag_retry', 'dag_terminate', 'dag_dequeue'] as const;
    for (const a of actions) events$.next(domain(a));
    await trail.flush();
    const page = await trail.query({ category: 'dag', limit: 100 });
    assert.is(page.total, actions.length);
    for (const e of page.entries) {
      assert.is(e.result, 'succeeded', `${e.action} is a command`);
      assert.is(e.correlation_id, 'corr-cmd');
      assert.is(e.source, 'mcp');
      assert.is(e.mcp_tool, 'dagu_execute');
      assert.is(e.credential_id, 'key-7');
      assert.is(e.workspace, 'team-a');
      assert.is(e.resource_id, 'nightly/run-1');
      assert.is(e.timestamp, '2025-07-01T08:00:00.000Z');
      assert.is(e.details.dag_run_id, 'run-1');
    }
  }));

s('every dag_run_* entry derives from a run lifecycle fact; step facts are not written', () =>
  withTrail(async (trail, events$) => {
    events$.next(fact({ type: 'run.queued', queue: 'nightly' }));
    events$.next(fact({ type: 'run.started', trigger: 'enqueue' }));
    events$.next(fact({ type: 'step.started', step: 'a', retryCount: 0, handler: false }));
    events$.next(fact({ type: 'step.finished', step: 'a', status: 'succeeded', exitCode: 0, retryCount: 0, handler: false, startedAt: AT, finishedAt: AT + 1 }));
    events$.next(fact({ type: 'run.finished', status: 'succeeded', startedAt: AT, finishedAt: AT + 40 }, AT + 1));
    events$.next(fact({ type: 'run.finished', status: 'aborted', error: 'stopped', startedAt: AT, finishedAt: AT + 2 }, AT + 2));
    events$.next(fact({ type: 'run.interrupted', status: 'failed' }, AT + 3));
    await trail.flush();
    const got = (await trail.query({ resource_type: 'dag_run' })).entries.map((e) => [e.action, e.result, e.details.status ?? null, e.correlation_id]);
    assert.equal(got, [
      ['dag_run_interrupted', 'failed', 'failed', 'corr-cmd'],
      ['dag_run_finished', 'failed', 'aborted', 'corr-cmd'],
      ['dag_run_finished', 'succeeded', 'succeeded', 'corr-cmd'],
      ['dag_run_started', 'started', null, 'corr-cmd'],
      ['dag_run_queued', 'received', null, 'corr-cmd'],
    ]);
    const finished = (await trail.query({ action: 'dag_run_finished', result: 'succeeded' })).entries[0]!;
    assert.is(finished.details.duration_ms, 40);
    assert.is(finished.details.dag_run_id, 'run-1');
  }));

s('session transitions become mcp.session.<state>; run and step transitions are not written', () =>
  withTrail(async (trail, events$) => {
    events$.next(transition('run', 'running'));
    events$.next(transition('step', 'succeeded'));
    events$.next(transition('session', 'ready'));
    events$.next(transition('session', 'closed'));
    await trail.flush();
    const page = await trail.query({});
    assert.equal(
      page.entries.map((e) => [e.category, e.action, e.session_id]),
      [
        ['mcp', 'mcp.session.closed', 'abc'],
        ['mcp', 'mcp.session.ready', 'abc'],
      ],
    );
  }));

s('a mapping that throws is skipped and the subscription lives on', () =>
  withTrail(async (trail, events$) => {
    const bad = { type: 'domain', at: AT, action: 'dag_update', get details(): never { throw new Error('boom'); } } as unknown as RuntimeEvent;
    events$.next(bad);
    events$.next(domain('dag_update'));
    await trail.flush();
    assert.is((await trail.query({})).total, 1);
  }));

// ---------------------------------------------------------------------------------------------
// End to end: the real engine (LevelDB, runtime, real step processes) as the CLI and server open it
// ---------------------------------------------------------------------------------------------

async function withEngine(fn: (engine: Awaited<ReturnType<typeof openEngine>>, dir: string) => Promise<void>, options: Parameters<typeof openEngine>[1] = {}): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-audit-e2e-'));
  const config = { ...defaultConfig(dir), dataDir: join(dir, 'data'), dagsDir: join(dir, 'dags') };
  mkdirSync(config.dagsDir, { recursive: true });
  writeFileSync(join(config.dagsDir, 'hello.yaml'), 'params: "WHO=world"\nsteps:\n  - name: greet\n    command: echo hello $WHO\n');
  const engine = await openEngine(config, { logger: createMemoryLogger(), ...options });
  try {
    await fn(engine, dir);
  } finally {
    await engine.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

s('correlation flows from a seeded request into dag_execute and into the run terminal entry written later', () =>
  withEngine(async (engine) => {
    const ctx = fullContext({ correlationId: 'corr-e2e', requestId: 'req-e2e' });
    const { dagRunId } = await runWithContext(ctx, () => engine.runtime.start({ name: 'hello' }, { params: { WHO: 'param-value-e2e' } }));
    // The run ends later, outside the request's context.
    const { details, timedOut } = await engine.runtime.waitForRun('hello', dagRunId, 15_000);
    assert.not.ok(timedOut);
    assert.is(details.statusLabel, 'succeeded');
    await engine.audit.flush();
    const page = await engine.audit.query({ correlation_id: 'corr-e2e' });
    const byAction = new Map(page.entries.map((e) => [e.action, e]));
    const exec = byAction.get('dag_execute');
    const finished = byAction.get('dag_run_finished');
    assert.ok(exec, 'dag_execute recorded');
    assert.ok(finished, 'dag_run_finished recorded');
    assert.ok(byAction.has('dag_run_started'), 'dag_run_started recorded');
    for (const e of [exec!, finished!]) {
      assert.is(e.source, 'mcp');
      assert.is(e.request_id, 'req-e2e');
      assert.is(e.user_id, 'u-42');
      assert.is(e.credential_id, 'key-7');
      assert.is(e.mcp_tool, 'dagu_execute');
      assert.is(e.resource_id, `hello/${dagRunId}`);
    }
    assert.is(finished!.details.status, 'succeeded');
    assert.is(finished!.result, 'succeeded');
    assert.ok(finished!.seq > exec!.seq);
    assert.equal(exec!.details.params_keys, ['WHO']);
    assert.is((await engine.audit.verify()).ok, true);
    // The parameter value is in the run record (that is the runtime's business) but never in
    // the audit trail's database, which the audit thread owns until the engine closes.
    await engine.close();
    const auditDb = await openAuditDatabase(engine.config.dataDir);
    try {
      const raw = await dumpDb(auditDb);
      assert.ok(raw.includes('dag_run_finished'), 'the dump is of the trail');
      assert.not.ok(raw.includes('param-value-e2e'));
    } finally {
      await auditDb.close();
    }
  }));

s('fail_closed through the engine: with the store broken, a run is refused with AUDIT_UNAVAILABLE', () => {
  let broken = false;
  const breakable = (store: AuditStore): AuditStore => ({
    ...store,
    writable: () => !broken && store.writable(),
    append: (entries) => (broken ? Promise.reject(new Error('ENOSPC: no space left on device, write')) : store.append(entries)),
  });
  return withEngine(async (engine) => {
    broken = true;
    const error = await runWithContext(fullContext(), () => engine.runtime.start({ name: 'hello' })).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(isTroupeError(error), String(error));
    assert.is((error as { code: string }).code, 'AUDIT_UNAVAILABLE');
    // Reads are not gated by the audit policy.
    assert.equal((await engine.runtime.listDags()).map((d) => d.name), ['hello']);
    broken = false;
  }, { auditStore: breakable });
});

s.run();
