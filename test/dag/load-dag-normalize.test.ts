import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { formatProblem, loadDag } from '../../src/dag/index.ts';
import type { DagSpec } from '../../src/dag/index.ts';

function spec(yaml: string, defaultName = 'demo'): DagSpec {
  const result = loadDag(yaml, { defaultName });
  assert.equal(result.problems.map(formatProblem), []);
  return result.spec!;
}

const s = suite('loadDag normalization');

s('fills defaults: graph type, empty collections, no continue', () => {
  const d = spec('steps:\n  - name: a\n    run: echo a\n');
  assert.equal(d, {
    name: 'demo',
    params: [],
    env: [],
    consts: {},
    secrets: [],
    dotenv: ['.env'],
    localDags: [],
    type: 'graph',
    steps: [{ name: 'a', run: 'echo a', runForm: 'command', commands: ['echo a'], depends: [], env: [], continueOn: { failure: false, skipped: false, exitCodes: [], markSuccess: false }, preconditions: [] }],
    handlerOn: {},
    labels: {},
    preconditions: [],
    schedule: [],
  });
});

s('params: string with quotes, positional names by place, list forms and rich entries', () => {
  assert.equal(spec('params: A=1 B="x y" pos C=\nsteps: [{run: echo}]').params, [
    { name: 'A', value: '1' },
    { name: 'B', value: 'x y' },
    { name: '3', value: 'pos', positional: true },
    { name: 'C', value: '' },
  ]);
  assert.equal(spec('params:\n  - A: 1\n  - MSG=hello world\n  - {name: R, default: 5, required: false}\n  - {name: S, required: true}\nsteps: [{run: echo}]').params, [
    { name: 'A', value: '1' },
    { name: 'MSG', value: 'hello world' },
    { name: 'R', value: '5', hasDefault: true, required: false },
    { name: 'S', value: '', hasDefault: false, required: true },
  ]);
  assert.equal(spec('params: {X: 1, Y: two}\nsteps: [{run: echo}]').params, [
    { name: 'X', value: '1' },
    { name: 'Y', value: 'two' },
  ]);
});

s('env keeps file order in all three shapes; values are not interpolated at load time', () => {
  assert.equal(spec('env:\n  - B: 2\n  - A=${B}/x\n  - {C: true, D: }\nsteps: [{run: echo}]').env, [
    ['B', '2'],
    ['A', '${B}/x'],
    ['C', 'true'],
    ['D', ''],
  ]);
  assert.equal(spec('env: {Z: 1, A: 2}\nsteps: [{run: echo}]').env, [
    ['Z', '1'],
    ['A', '2'],
  ]);
});

s('labels: string, map and list merge, key-only labels are empty, tags are read too', () => {
  assert.equal(spec('labels: "workspace=ops, nightly"\nsteps: [{run: echo}]').labels, { workspace: 'ops', nightly: '' });
  assert.equal(spec('labels: {team: core, flag: }\nsteps: [{run: echo}]').labels, { team: 'core', flag: '' });
  assert.equal(spec('tags: [a=1, b]\nlabels: [a=2]\nsteps: [{run: echo}]').labels, { a: '2', b: '' });
});

s('schedule collects every expression from string, list and start/stop/restart map', () => {
  assert.equal(spec('schedule: "5 4 * * *"\nsteps: [{run: echo}]').schedule, ['5 4 * * *']);
  assert.equal(spec('schedule:\n  start: ["0 8 * * *", "0 12 * * *"]\n  stop: "0 18 * * *"\n  restart: "@hourly"\nsteps: [{run: echo}]').schedule, ['0 8 * * *', '0 12 * * *', '0 18 * * *', '@hourly']);
});

s('retry_policy: backoff true is 2, a number is kept, false is absent; exit_code one or many', () => {
  const steps = spec(
    'steps:\n' +
      '  - {name: a, run: x, retry_policy: {limit: 2, backoff: true, exit_code: 3}}\n' +
      '  - {name: b, run: x, retry_policy: {limit: 0, interval_sec: 5, backoff: 1.5, max_interval_sec: 60, exit_code: [1, 2]}}\n' +
      '  - {name: c, run: x, retry_policy: {limit: 1, backoff: false}}\n',
  ).steps;
  assert.equal(steps[0]!.retryPolicy, { limit: 2, intervalSec: 0, backoff: 2, exitCodes: [3] });
  assert.equal(steps[1]!.retryPolicy, { limit: 0, intervalSec: 5, backoff: 1.5, maxIntervalSec: 60, exitCodes: [1, 2] });
  assert.equal(steps[2]!.retryPolicy, { limit: 1, intervalSec: 0, exitCodes: [] });
  assert.equal(spec('retry_policy: {limit: 2, interval_sec: 30}\nsteps: [{run: x}]').retryPolicy, { limit: 2, intervalSec: 30 });
});

s('continue_on: "failed", "skipped" and the map form', () => {
  const steps = spec(
    'steps:\n  - {name: a, run: x, continue_on: failed}\n  - {name: b, run: x, continue_on: skipped}\n  - {name: c, run: x, continue_on: {failure: true, exit_code: [2, 3], mark_success: true}}\n',
  ).steps;
  assert.equal(steps[0]!.continueOn, { failure: true, skipped: false, exitCodes: [], markSuccess: false });
  assert.equal(steps[1]!.continueOn, { failure: false, skipped: true, exitCodes: [], markSuccess: false });
  assert.equal(steps[2]!.continueOn, { failure: true, skipped: false, exitCodes: [2, 3], markSuccess: true });
});

s('preconditions: string, list of strings and maps, single map; root and step; precondition alias', () => {
  const d = spec('preconditions: test -d /\nsteps:\n  - run: x\n    preconditions: [test -f /x, {condition: "${A}", expected: 1, negate: true}]\n    precondition: {condition: "`date +%u`", expected: "re:[1-5]"}\n');
  assert.equal(d.preconditions, [{ condition: 'test -d /', negate: false }]);
  assert.equal(d.steps[0]!.preconditions, [
    { condition: 'test -f /x', negate: false },
    { condition: '${A}', expected: '1', negate: true },
    { condition: '`date +%u`', expected: 're:[1-5]', negate: false },
  ]);
});

s('steps as a map: keys are names, in file order', () => {
  const d = spec('steps:\n  build: {run: make}\n  test: {run: make test, depends: build}\n');
  assert.equal(
    d.steps.map((x) => [x.name, x.depends]),
    [
      ['build', []],
      ['test', ['build']],
    ],
  );
});

s('unnamed steps get step_<position>, avoiding explicit names', () => {
  const d = spec('steps:\n  - echo one\n  - {name: step_1, run: echo}\n  - run: echo three\n');
  assert.equal(
    d.steps.map((x) => x.name),
    ['step_1_2', 'step_1', 'step_3'],
  );
  assert.is(d.steps[0]!.run, 'echo one');
});

s('chain: each step depends on the previous one (explicit depends are a validate error, §3.2)', () => {
  const d = spec('type: chain\nsteps:\n  - {name: a, run: x}\n  - {name: b, run: x}\n  - {name: c, run: x}\n');
  assert.equal(
    d.steps.map((x) => x.depends),
    [[], ['a'], ['b']],
  );
});

s('depends: a string, a list, ids resolve to names, duplicates collapse', () => {
  const d = spec('steps:\n  - {name: Build it, id: build, run: x}\n  - {name: t, run: x, depends: [build, Build it, build]}\n  - {name: u, run: x, depends: t}\n');
  assert.equal(d.steps[1]!.depends, ['Build it']);
  assert.equal(d.steps[2]!.depends, ['t']);
  assert.is(d.steps[0]!.id, 'build');
});

s('handler_on: default names onSuccess/onFailure/onAbort/onExit, explicit names kept, depends dropped', () => {
  const d = spec('handler_on:\n  success: echo ok\n  failure: {run: echo bad, depends: x}\n  abort: {name: cleanup, run: echo abort}\n  exit: {run: echo bye}\nsteps: [{run: x}]\n');
  assert.is(d.handlerOn.success!.name, 'onSuccess');
  assert.is(d.handlerOn.success!.run, 'echo ok');
  assert.is(d.handlerOn.failure!.name, 'onFailure');
  assert.equal(d.handlerOn.failure!.depends, []);
  assert.is(d.handlerOn.abort!.name, 'cleanup');
  assert.is(d.handlerOn.exit!.name, 'onExit');
});

s('run: a block is a script (text kept whole), a list holds one command per entry (§10.2)', () => {
  const d = spec('steps:\n  - name: a\n    run: |\n      echo one\n      echo two\n  - {name: b, run: [echo one, echo two, 3, {echo: hi}]}\n  - {name: c, run: "echo one"}\n');
  assert.is(d.steps[0]!.run, 'echo one\necho two\n');
  assert.is(d.steps[0]!.runForm, 'script');
  assert.equal(d.steps[1]!.commands, ['echo one', 'echo two', '3', 'echo: hi']);
  assert.is(d.steps[1]!.runForm, 'list');
  assert.is(d.steps[2]!.runForm, 'command');
});

s('decision: command + script feeds the script to command on stdin, and really runs under /bin/sh', () => {
  const d = spec('steps:\n  - name: a\n    command: sh\n    script: |\n      X=41\n      echo $((X + 1))\n  - {name: b, command: [printf, "%s-%s", "a b", c]}\n');
  const run = d.steps[0]!.run;
  assert.match(run, /^sh <<'TROUPE_SCRIPT'\n/);
  assert.is(execFileSync('/bin/sh', ['-c', run], { encoding: 'utf8' }).trim(), '42');
  assert.is(execFileSync('/bin/sh', ['-c', d.steps[1]!.run], { encoding: 'utf8' }), 'a b-c');
});

s('a script containing the heredoc tag gets another tag', () => {
  const d = spec("steps:\n  - {name: a, command: sh, script: \"echo x\\nTROUPE_SCRIPT\\necho y\"}\n");
  assert.match(d.steps[0]!.run, /<<'TROUPE_SCRIPT_1'/);
});

s('scalars: numbers and booleans are taken as strings where strings are expected', () => {
  const d = spec('description: 42\nenv: {N: 8080}\nsteps:\n  - {name: 7, run: true, output: OUT}\n');
  assert.is(d.description, '42');
  assert.equal(d.env, [['N', '8080']]);
  assert.is(d.steps[0]!.name, '7');
  assert.is(d.steps[0]!.run, 'true');
});

s('root execution fields: timeouts, queue, working_dir, shell + shell_args, max_active_steps', () => {
  const d = spec('timeout_sec: 60\nmax_active_steps: 2\nmax_clean_up_time_sec: 5\nqueue: batch\nworking_dir: /tmp\nshell: bash\nshell_args: [-e]\nsteps: [{run: x, timeout_sec: 9, signal_on_stop: SIGINT, working_dir: "${HOME}"}]\n');
  assert.is(d.timeoutSec, 60);
  assert.is(d.maxActiveSteps, 2);
  assert.is(d.maxCleanUpTimeSec, 5);
  assert.is(d.queue, 'batch');
  assert.is(d.workingDir, '/tmp');
  assert.is(d.shell, 'bash -e');
  assert.is(d.steps[0]!.timeoutSec, 9);
  assert.is(d.steps[0]!.signalOnStop, 'SIGINT');
  assert.is(d.steps[0]!.workingDir, '${HOME}');
});

s('output: a leading $ is dropped', () => {
  assert.is(spec('steps: [{run: x, output: $RESULT}]').steps[0]!.output, 'RESULT');
});

s('multi-document: the first document is the DAG', () => {
  const d = spec('name: main\nsteps: [{run: echo main}]\n---\nname: sub\nsteps: [{run: echo sub}]\n');
  assert.is(d.name, 'main');
  assert.is(d.steps.length, 1);
});

s('a YAML alias bomb is refused instead of expanding', () => {
  const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 0; i < 12; i++) lines.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`);
  lines.push('steps: [{run: echo}]');
  const { spec: d, problems } = loadDag(lines.join('\n'), { defaultName: 'x' });
  assert.is(d, undefined);
  assert.is(problems.length, 1);
  assert.match(problems[0]!.message, /alias/);
});

s('a __proto__ key is data, never a prototype', () => {
  const d = spec('labels: {__proto__: x}\nsteps: [{run: echo}]\n');
  assert.is(Object.getPrototypeOf(d.labels), Object.prototype);
  assert.is(Object.getOwnPropertyDescriptor(d.labels, '__proto__')?.value, 'x');
});

s.run();
