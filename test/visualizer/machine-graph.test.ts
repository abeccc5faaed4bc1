import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createMachine } from 'xstate';
import { runMachine, stepMachine } from '../../src/machines/index.ts';
import { machineGraph } from '../../src/visualizer/machine-graph.ts';
import { finalStatesOf, machineCatalog } from '../../src/visualizer/machine-catalog.ts';

test('flattens nested states with paths, parents, types and initial children', () => {
  const m = createMachine({
    id: 'toy',
    initial: 'idle',
    states: {
      idle: { on: { GO: 'busy' } },
      busy: { initial: 'a', states: { a: { on: { NEXT: 'b' } }, b: { type: 'final' } }, onDone: 'idle', after: { 500: 'idle' } },
    },
  });
  const g = machineGraph(m);
  assert.is(g.id, 'toy');
  assert.is(g.initial, 'idle');
  assert.equal(g.states.map((s) => [s.path, s.parent, s.type]), [
    ['idle', null, 'atomic'],
    ['busy', null, 'compound'],
    ['busy.a', 'busy', 'atomic'],
    ['busy.b', 'busy', 'final'],
  ]);
  assert.is(g.states[1]!.initial, 'busy.a');
  assert.equal(g.states[0]!.transitions, [{ event: 'GO', label: 'GO', kind: 'event', targets: ['busy'] }]);
  const busy = g.states[1]!.transitions.map((t) => [t.kind, t.label, t.targets]);
  assert.ok(busy.some(([k, l, t]) => k === 'after' && l === 'after 500' && (t as string[])[0] === 'idle'), JSON.stringify(busy));
  assert.equal(g.states[2]!.transitions[0]!.targets, ['busy.b']);
});

test('the run machine as served: real events, guards, invoked actors and delays', () => {
  const g = machineGraph(runMachine);
  const state = (p: string) => g.states.find((s) => s.path === p)!;
  assert.equal(state('queued').transitions.map((t) => [t.event, t.targets[0]]), [
    ['run.start', 'starting'],
    ['run.dequeue', 'aborted'],
    ['run.stop', 'aborted'],
  ]);
  assert.ok(state('starting').transitions.some((t) => t.kind === 'always' && t.guard === 'hasPreconditions' && t.targets[0] === 'checking'));
  assert.equal(state('checking').invokes, ['checkPreconditions']);
  assert.ok(state('checking').transitions.some((t) => t.kind === 'done' && t.label === 'done: checkPreconditions'));
  // The run timeout is a delayed transition into `running.stopping` (from `running` or a child of it).
  assert.ok(g.states.some((st) => st.path.startsWith('running') && st.transitions.some((t) => t.kind === 'after' && t.label === 'after runTimeout' && t.targets[0] === 'running.stopping')));
  // Actions-only transitions have no target (drawn inside the state).
  assert.ok(state('running').transitions.some((t) => t.event === 'step.update' && t.targets.length === 0));
  // Paths are what actors report (stateString): `running.active`.
  assert.is(state('running').initial, 'running.active');
});

test('the catalog holds every machine the runtime runs, keyed by id, with its final states', () => {
  const catalog = machineCatalog();
  assert.equal(catalog.map((m) => m.id), ['run', 'session', 'step']);
  const finals = finalStatesOf(catalog);
  assert.equal(finals.run!.sort(), ['aborted', 'failed', 'partially_succeeded', 'succeeded']);
  assert.equal(finals.session, ['closed']);
  assert.ok(finals.step!.includes('skipped'));
  assert.equal(machineGraph(stepMachine), catalog.find((m) => m.id === 'step'));
  // JSON-safe: what is served is what is computed.
  assert.equal(JSON.parse(JSON.stringify(catalog)), catalog);
});

test.run();
