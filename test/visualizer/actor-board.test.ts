import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Subject } from 'rxjs';
import type { RunDetails, RuntimeEvent, TransitionEvent } from '../../src/actors/index.ts';
import { createActorBoard } from '../../src/visualizer/actor-board.ts';
import { finalStatesOf, machineCatalog } from '../../src/visualizer/machine-catalog.ts';
import { createTestEngine } from '../_support/engine.ts';

const finals = finalStatesOf(machineCatalog());
const origin = { source: 'rest' as const, correlationId: 'c-1' };

function transition(actorId: string, from: string | null, to: string, extra: Partial<TransitionEvent> = {}): TransitionEvent {
  // Cast: today's TransitionEvent and the backbone's differ (seq, correlationId); the board reads both.
  return { type: 'transition', seq: 0, at: 1000, correlationId: origin.correlationId, actorKind: 'run', actorId, machine: 'run', from, to, event: from === null ? 'xstate.init' : 'x', restored: false, origin, ...extra } as unknown as TransitionEvent;
}

test('a real run: its actor and its steps are listed with state, log, correlation id and workspace', async () => {
  const engine = await createTestEngine();
  const board = createActorBoard({ runtime: engine.runtime, finalStates: finals });
  try {
    engine.writeDag('two', 'labels: [workspace=team]\nsteps:\n  - name: a\n    run: echo a\n  - name: b\n    run: echo b\n    depends: [a]\n');
    const ref = await engine.runtime.start({ name: 'two' });
    await engine.runtime.waitForRun('two', ref.dagRunId, 10_000);
    const { actors, counts, total } = board.list();
    assert.equal(counts, { run: 1, step: 2 });
    assert.is(total, 3);
    const run = actors.find((a) => a.kind === 'run')!;
    assert.is(run.id, `run:two/${ref.dagRunId}:1`);
    assert.is(run.state, 'succeeded');
    assert.is(run.done, true);
    assert.is(run.workspace, 'team');
    const log = board.get(run.id)!.log;
    assert.is(log[0]!.from, null);
    assert.is(log.at(-1)!.to, 'succeeded');
    const b = board.get(`step:two/${ref.dagRunId}:1:b`)!;
    assert.is(b.actor.status, 'succeeded');
    assert.ok(b.log.every((e) => e.correlationId === run.correlationId && e.correlationId));
    // Filters and workspace visibility.
    assert.is(board.list({ kind: 'step' }).actors.length, 2);
    assert.is(board.list({ dag: 'TW' }).actors.length, 3);
    assert.is(board.list({ state: 'succeeded' }).actors.length, 3);
    assert.is(board.list({ workspaces: ['team'] }).total, 3);
    assert.is(board.list({ workspaces: ['other'] }).total, 0);
  } finally {
    board.close();
    await engine.close();
  }
});

test('bounded: the oldest finished actors go first; logs keep the newest entries', () => {
  const events = new Subject<RuntimeEvent>();
  const board = createActorBoard({ runtime: { events$: events, getRun: async () => undefined }, finalStates: finals, maxActors: 3, maxLog: 2 });
  events.next(transition('run:a/1:1', null, 'running.active'));
  events.next(transition('run:b/1:1', null, 'running.active'));
  events.next(transition('run:b/1:1', 'running.active', 'succeeded'));
  events.next(transition('run:c/1:1', null, 'running.active'));
  events.next(transition('run:d/1:1', null, 'running.active'));
  const ids = board.list().actors.map((a) => a.id).sort();
  assert.equal(ids, ['run:a/1:1', 'run:c/1:1', 'run:d/1:1'], 'the finished run was evicted, not a live one');
  events.next(transition('run:a/1:1', 'running.active', 'running.stopping'));
  events.next(transition('run:a/1:1', 'running.stopping', 'aborted'));
  assert.equal(board.get('run:a/1:1')!.log.map((e) => e.to), ['running.stopping', 'aborted']);
  board.close();
});

test('a run joined late gets its workspace by reading the run once; until then only all-workspace callers see it', async () => {
  const events = new Subject<RuntimeEvent>();
  let reads = 0;
  const board = createActorBoard({
    runtime: { events$: events, getRun: async () => (reads++, { workspace: 'team' } as RunDetails) },
    finalStates: finals,
  });
  const run = { name: 'late', dagRunId: 'r1', attempt: 1 };
  events.next(transition('run:late/r1:1', null, 'running.active', { run }));
  events.next(transition('step:late/r1:1:s', null, 'pending', { run, actorKind: 'step', machine: 'step', step: 's' } as Partial<TransitionEvent>));
  assert.is(board.list({ workspaces: ['team'] }).total, 0);
  assert.is(board.list().total, 2);
  await new Promise((r) => setImmediate(r));
  assert.is(reads, 1, 'one read per run, not per actor');
  assert.is(board.list({ workspaces: ['team'] }).total, 2);
  // A run announced by a domain event is known at once.
  events.next({ type: 'domain', seq: 0, at: 1, correlationId: 'c-1', action: 'dag_execute', resourceType: 'dag_run', resourceId: 'early/r2', workspace: 'ops', details: {}, origin } as unknown as RuntimeEvent);
  events.next(transition('run:early/r2:1', null, 'running.active', { run: { name: 'early', dagRunId: 'r2', attempt: 1 } }));
  assert.is(board.get('run:early/r2:1')!.actor.workspace, 'ops');
  assert.is(reads, 1);
  assert.equal(board.get('run:early/r2:1')!.log.map((e) => e.seq), [3], 'log entries numbered in the order the board applied them');
  board.close();
});

test('MCP sessions are visible only to callers who see every workspace', () => {
  const events = new Subject<RuntimeEvent>();
  const board = createActorBoard({ runtime: { events$: events, getRun: async () => undefined }, finalStates: finals });
  events.next(transition('session:s1', null, 'connecting', { actorKind: 'session', machine: 'session' }));
  events.next(transition('session:s1', 'connecting', 'ready', { actorKind: 'session', machine: 'session' }));
  assert.is(board.list().counts.session, 1);
  assert.is(board.list({ workspaces: ['default'] }).total, 0);
  events.next(transition('session:s1', 'ready', 'closed', { actorKind: 'session', machine: 'session' }));
  assert.is(board.get('session:s1')!.actor.done, true);
  board.close();
});

test.run();
