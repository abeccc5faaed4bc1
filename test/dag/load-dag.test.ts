import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatProblem, loadDag } from '../../src/dag/index.ts';
import type { SpecProblem } from '../../src/dag/index.ts';

/** What one expected problem must look like; `line: true` means "has some line". */
interface Want {
  path: string;
  field?: string;
  step?: string;
  line?: number | true;
  column?: number;
  message?: RegExp;
  hint?: RegExp;
}

interface Case {
  name: string;
  yaml: string;
  defaultName?: string;
  /** Absent: the DAG must be valid. */
  want?: Want[];
}

const ok = (name: string, yaml: string, defaultName = 'demo'): Case => ({ name, yaml, defaultName });
/** `defaultName: null` loads without a file name. */
const bad = (name: string, yaml: string, want: Want[], defaultName: string | null = 'demo'): Case => ({
  name,
  yaml,
  want,
  ...(defaultName !== null ? { defaultName } : {}),
});

const CASES: Case[] = [
  // ---- valid ----
  ok('minimal: one step in a list', 'steps:\n  - name: hello\n    run: echo hello\n'),
  ok('steps as a map name -> step', 'steps:\n  build:\n    run: make\n  test:\n    run: make test\n    depends: build\n'),
  ok('string shorthand steps', 'steps:\n  - echo one\n  - echo two\n'),
  bad('chain with an explicit dependency (§3.2)', 'type: chain\nsteps:\n  - {name: a, run: "true"}\n  - {name: b, run: "true"}\n  - {name: c, run: "true", depends: a}\n', [{ path: 'steps[2].depends', line: 5, message: /chain/ }]),
  ok('params string with quotes and positionals', 'params: A=1 B="x y" positional\nsteps: [{run: echo}]\n'),
  ok('params list of maps, strings and rich entries', 'params:\n  - A: 1\n  - B=two\n  - {name: C, default: three, description: third}\nsteps: [{run: echo}]\n'),
  ok('env as map, list of maps and KEY=value strings', 'env:\n  - A: 1\n  - B=${A}/x\nsteps:\n  - run: echo\n    env: {C: 3}\n'),
  ok('labels string + deprecated tags', 'labels: "workspace=ops,nightly"\ntags: [team=core]\nsteps: [{run: echo}]\n'),
  ok('schedule string, list and start/stop map with CRON_TZ', 'schedule:\n  start: ["0 8 * * 1-5", "CRON_TZ=Europe/Berlin 30 9 * * *"]\n  stop: "0 18 * * *"\nsteps: [{run: echo}]\n'),
  ok('schedule nickname', 'schedule: "@daily"\nsteps: [{run: echo}]\n'),
  ok('retry_policy with backoff true and exit codes', 'steps:\n  - run: "false"\n    retry_policy: {limit: 3, interval_sec: 1, backoff: true, max_interval_sec: 10, exit_code: [1, 2]}\n'),
  ok('continue_on string and map', 'steps:\n  - {name: a, run: "false", continue_on: failed}\n  - {name: b, run: "false", continue_on: {failure: true, exit_code: 3, mark_success: true}}\n'),
  ok('preconditions in every shape', 'preconditions: test -d /tmp\nsteps:\n  - run: echo\n    preconditions:\n      - test -f /etc/hostname\n      - {condition: "${DAY}", expected: "re:^mon", negate: true}\n'),
  ok('handler_on with all four kinds', 'handler_on:\n  success: {run: echo ok}\n  failure: echo failed\n  abort: {run: echo aborted}\n  exit: {run: echo bye}\nsteps: [{run: echo}]\n'),
  ok('deprecated command and script are accepted', 'steps:\n  - {name: a, command: echo hi}\n  - {name: b, script: "echo one\\necho two"}\n  - {name: c, command: sh, script: "echo via sh"}\n'),
  ok('decision: cosmetic Dagu keys are accepted and ignored', 'log_dir: /tmp/logs\nhist_retention_days: 3\nmail_on: {failure: true}\nmax_active_runs: 2\ndelay_sec: 1\nsteps:\n  - run: echo\n    stdout: /tmp/out.log\n    mail_on_error: true\n'),
  ok('decision: later YAML documents (local sub-DAGs) are ignored', 'steps: [{run: echo main}]\n---\nname: sub\nsteps: [{run: echo sub}]\n'),
  ok('anchors and merge keys resolve', 'steps:\n  - &base\n    name: a\n    run: echo\n    retry_policy: {limit: 1}\n  - <<: *base\n    name: b\n'),
  ok('depends may name a step id', 'steps:\n  - {name: Build the thing, id: build, run: make}\n  - {name: test, run: make test, depends: build}\n'),
  ok('timeout_sec 0 means no timeout', 'timeout_sec: 0\nsteps: [{run: echo, timeout_sec: 0}]\n'),
  ok('name in YAML wins over the file name', 'name: from-yaml\nsteps: [{run: echo}]\n', 'bad name from file'),
  ok('shell and shell_args fold into one shell line', 'shell: bash\nshell_args: [-e, -u]\nsteps: [{run: echo}]\n'),

  // ---- invalid ----
  bad('YAML syntax error has a position', 'steps:\n  - run: [echo\n  - run: x\n', [{ path: '', line: true, message: /YAML syntax error/ }]),
  bad('duplicate keys are a YAML error', 'steps: []\nsteps: [{run: echo}]\n', [{ path: '', line: 2, message: /unique/ }]),
  bad('decision: syntax errors in later documents are reported', 'steps: [{run: echo}]\n---\nsteps: [\n', [{ path: '', line: true }]),
  bad('root must be a map', '- run: echo\n', [{ path: '', line: 1, message: /map of fields/ }]),
  bad('empty file', '', [{ path: '', message: /empty/ }]),
  bad('unknown camelCase root key gets a snake_case hint', 'steps: [{run: echo}]\nhandlerOn: {}\n', [{ path: 'handlerOn', field: 'handlerOn', line: 2, column: 1, hint: /handlerOn -> handler_on/ }]),
  bad('unknown camelCase step key gets a snake_case hint', 'steps:\n  - name: a\n    run: echo\n    continueOn: failed\n', [{ path: 'steps[0].continueOn', step: 'a', field: 'continueOn', line: 4, column: 5, hint: /continueOn -> continue_on/ }]),
  bad('camelCase keys inside retry_policy and continue_on get hints too', 'steps:\n  - name: a\n    run: x\n    retry_policy: {limit: 1, intervalSec: 2}\n    continue_on: {markSuccess: true}\n', [
    { path: 'steps[0].retry_policy.intervalSec', step: 'a', line: 4, column: 30, hint: /intervalSec -> interval_sec/ },
    { path: 'steps[0].continue_on.markSuccess', step: 'a', line: 5, column: 19, hint: /markSuccess -> mark_success/ },
  ]),
  bad('misspelt key gets a did-you-mean hint', 'steps:\n  - name: a\n    run: echo\n    dependz: b\n', [{ path: 'steps[0].dependz', step: 'a', line: 4, hint: /did you mean "depends"/ }]),
  bad('missing steps', 'name: x\n', [{ path: 'steps', field: 'steps', message: /required/ }]),
  bad('empty steps', 'steps: []\n', [{ path: 'steps', field: 'steps', line: 1, message: /not be empty/ }]),
  bad('steps must be a list', 'steps: echo hi\n', [{ path: 'steps', field: 'steps', line: 1, message: /list/ }]),
  bad('duplicate step names', 'steps:\n  - {name: a, run: echo}\n  - {name: a, run: echo}\n', [{ path: 'steps[1].name', step: 'a', field: 'name', line: 3, message: /duplicate step name "a"/ }]),
  bad('depends on an unknown step', 'steps:\n  - {name: a, run: echo}\n  - name: b\n    run: echo\n    depends: [a, compile]\n', [{ path: 'steps[1].depends[1]', step: 'b', field: 'depends', line: 5, message: /unknown step "compile"/ }]),
  bad('dependency cycle names its steps', 'steps:\n  - {name: a, run: echo, depends: c}\n  - {name: b, run: echo, depends: a}\n  - {name: c, run: echo, depends: b}\n', [{ path: 'steps[0].depends', step: 'a', field: 'depends', line: 2, message: /cycle: "a" -> "c" -> "b" -> "a"/ }]),
  bad('self dependency is a cycle', 'steps:\n  - {name: a, run: echo, depends: a}\n', [{ path: 'steps[0].depends', step: 'a', message: /cycle: "a" -> "a"/ }]),
  bad('invalid DAG name', 'name: "my dag!"\nsteps: [{run: echo}]\n', [{ path: 'name', field: 'name', line: 1, message: /DAG name/ }]),
  bad('DAG name longer than 40', `name: ${'x'.repeat(41)}\nsteps: [{run: echo}]\n`, [{ path: 'name', line: 1, message: /40/ }]),
  bad('invalid name taken from the file name', 'steps: [{run: echo}]\n', [{ path: '', field: 'name', message: /file name/ }], 'has space'),
  bad('no name and no file name', 'steps: [{run: echo}]\n', [{ path: 'name', field: 'name', message: /required/ }], null),
  bad('invalid step name (control character)', 'steps:\n  - {name: "a\\tb", run: echo}\n', [{ path: 'steps[0].name', field: 'name', line: 2, message: /step name/ }]),
  bad('step name longer than 255 bytes (§2.3)', `steps:\n  - {name: ${'é'.repeat(128)}, run: echo}\n`, [{ path: 'steps[0].name', field: 'name', line: 2, message: /255 bytes/ }]),
  bad('env must be a map or list', 'env: A=1\nsteps: [{run: echo}]\n', [{ path: 'env', field: 'env', line: 1, message: /map or a list/ }]),
  bad('env entry without =', 'env: [NOEQ]\nsteps: [{run: echo}]\n', [{ path: 'env[0]', field: 'env', line: 1, message: /KEY=value/ }]),
  bad('quoted number for timeout_sec', 'steps:\n  - {name: a, run: echo, timeout_sec: "5"}\n', [{ path: 'steps[0].timeout_sec', step: 'a', field: 'timeout_sec', line: 2, hint: /without quotes/ }]),
  bad('negative max_active_steps', 'max_active_steps: -1\nsteps: [{run: echo}]\n', [{ path: 'max_active_steps', line: 1, message: /zero or more/ }]),
  bad('non-integer retry limit', 'steps:\n  - name: a\n    run: echo\n    retry_policy:\n      limit: 1.5\n', [{ path: 'steps[0].retry_policy.limit', step: 'a', field: 'limit', line: 5, column: 14, message: /whole number/ }]),
  bad('retry_policy needs limit (points at the policy)', 'steps:\n  - name: a\n    run: echo\n    retry_policy:\n      interval_sec: 5\n', [{ path: 'steps[0].retry_policy.limit', step: 'a', field: 'limit', line: 5, message: /required/ }]),
  bad('backoff must be true or > 1', 'steps:\n  - {name: a, run: echo, retry_policy: {limit: 1, backoff: 1}}\n', [{ path: 'steps[0].retry_policy.backoff', field: 'backoff', line: 2 }]),
  bad('exit_code must be integers', 'steps:\n  - {name: a, run: echo, retry_policy: {limit: 1, exit_code: [1, x]}}\n', [{ path: 'steps[0].retry_policy.exit_code[1]', field: 'exit_code', line: 2 }]),
  bad('DAG-level retry_policy has no exit_code', 'retry_policy: {limit: 1, exit_code: 1}\nsteps: [{run: echo}]\n', [{ path: 'retry_policy.exit_code', line: 1 }]),
  bad('handler_on init is not supported', 'handler_on:\n  init: {run: echo}\nsteps: [{run: echo}]\n', [{ path: 'handler_on.init', field: 'init', line: 2, column: 3, hint: /not supported/ }]),
  bad('type must be graph or chain', 'type: agent\nsteps: [{run: echo}]\n', [{ path: 'type', field: 'type', line: 1, hint: /not supported/ }]),
  bad('invalid cron value', 'schedule: "61 * * * *"\nsteps: [{run: echo}]\n', [{ path: 'schedule', field: 'schedule', line: 1, message: /minute/ }]),
  bad('six-field cron is refused (Dagu has five)', 'schedule: ["0 * * * *", "0 0 * * * *"]\nsteps: [{run: echo}]\n', [{ path: 'schedule[1]', field: 'schedule', line: 1, message: /5 fields/ }]),
  bad('unknown schedule map key', 'schedule: {begin: "0 * * * *"}\nsteps: [{run: echo}]\n', [{ path: 'schedule.begin', line: 1 }]),
  bad('unknown stop signal', 'steps:\n  - {name: a, run: echo, signal_on_stop: term}\n', [{ path: 'steps[0].signal_on_stop', step: 'a', line: 2, hint: /SIGTERM/ }]),
  bad('continue_on bad string', 'steps:\n  - {name: a, run: echo, continue_on: always}\n', [{ path: 'steps[0].continue_on', field: 'continue_on', line: 2 }]),
  bad('decision: continue_on output is unsupported (ignoring it would never continue)', 'steps:\n  - name: a\n    run: echo\n    continue_on: {output: "re:warn"}\n', [{ path: 'steps[0].continue_on.output', line: 4, message: /not supported/ }]),
  bad('precondition map needs condition', 'steps:\n  - name: a\n    run: echo\n    preconditions:\n      - expected: x\n', [{ path: 'steps[0].preconditions[0].condition', step: 'a', field: 'condition', line: 5 }]),
  bad('params with an unterminated quote', 'params: A="oops\nsteps: [{run: echo}]\n', [{ path: 'params', field: 'params', line: 1, message: /unterminated/ }]),
  bad('JSON-schema params are unsupported', 'params:\n  type: object\n  properties: {A: {type: string}}\nsteps: [{run: echo}]\n', [{ path: 'params', line: 2, message: /JSON-Schema params are not supported by Troupe yet/ }]),
  bad('step needs a command', 'steps:\n  - name: a\n    description: nothing to do\n', [{ path: 'steps[0]', step: 'a', field: 'run', line: 2, hint: /run:/ }]),
  bad('run together with deprecated command', 'steps:\n  - {name: a, run: echo, command: echo}\n', [{ path: 'steps[0].command', step: 'a', field: 'command', line: 2 }]),
  bad('empty run', 'steps:\n  - {name: a, run: "  "}\n', [{ path: 'steps[0].run', step: 'a', field: 'run', line: 2, message: /empty/ }]),
  bad('decision: container at DAG level is unsupported', 'container: {image: alpine}\nsteps: [{run: echo}]\n', [{ path: 'container', field: 'container', line: 1, message: /not supported/ }]),
  bad('decision: repeat_policy on a step is unsupported', 'steps:\n  - name: a\n    run: echo\n    repeat_policy: {repeat: true}\n', [{ path: 'steps[0].repeat_policy', step: 'a', line: 4, column: 5, message: /not supported/ }]),
  ok('step-level shell is deprecated but accepted (§1, §10.4)', 'steps:\n  - {name: a, run: echo, shell: bash}\n'),
  bad('decision: nested step lists (parallel groups) are unsupported', 'steps:\n  - [echo a, echo b]\n', [{ path: 'steps[0]', field: 'steps', line: 2, message: /parallel/ }]),
  bad('duplicate step id', 'steps:\n  - {name: a, id: x, run: echo}\n  - {name: b, id: x, run: echo}\n', [{ path: 'steps[1].id', step: 'b', field: 'id', line: 3 }]),
  bad('output must be a variable name', 'steps:\n  - {name: a, run: echo, output: "my out"}\n', [{ path: 'steps[0].output', step: 'a', field: 'output', line: 2 }]),
  bad('labels wrong type', 'labels: 5\nsteps: [{run: echo}]\n', [{ path: 'labels', field: 'labels', line: 1 }]),
  bad('description must not be a map', 'description: {a: 1}\nsteps: [{run: echo}]\n', [{ path: 'description', field: 'description', line: 1, message: /string, got a map/ }]),
  bad('depends must not be a map', 'steps:\n  - {name: a, run: echo, depends: {x: 1}}\n', [{ path: 'steps[0].depends', field: 'depends', line: 2 }]),
  bad('map-form step name that differs from its key', 'steps:\n  build:\n    name: other\n    run: echo\n', [{ path: 'steps.build.name', step: 'build', line: 3 }]),
  bad('handler name must differ from step names', 'handler_on:\n  exit: {run: echo bye}\nsteps: [{name: onExit, run: echo}]\n', [{ path: 'handler_on.exit', step: 'onExit', field: 'name', line: 2 }]),
  bad('handler step is checked like a step', 'handler_on:\n  failure:\n    run: echo\n    retry_policy: {limit: -2}\nsteps: [{run: echo}]\n', [{ path: 'handler_on.failure.retry_policy.limit', step: 'onFailure', line: 4 }]),
];

function matches(p: SpecProblem, w: Want): boolean {
  if (p.path !== w.path) return false;
  if (w.field !== undefined && p.field !== w.field) return false;
  if (w.step !== undefined && p.step !== w.step) return false;
  if (w.line === true && p.line === undefined) return false;
  if (typeof w.line === 'number' && p.line !== w.line) return false;
  if (w.column !== undefined && p.column !== w.column) return false;
  if (w.message && !w.message.test(p.message)) return false;
  if (w.hint && !w.hint.test(p.hint ?? '')) return false;
  return true;
}

const s = suite('loadDag validation table');

s('the table has at least 25 valid and 25 invalid cases', () => {
  assert.ok(CASES.filter((c) => !c.want).length >= 20);
  assert.ok(CASES.filter((c) => c.want).length >= 25);
});

for (const c of CASES) {
  s(`${c.want ? 'invalid' : 'valid'}: ${c.name}`, () => {
    const result = loadDag(c.yaml, c.defaultName !== undefined ? { defaultName: c.defaultName } : {});
    const shown = result.problems.map(formatProblem).join('\n');
    if (!c.want) {
      assert.equal(result.problems, [], shown);
      assert.ok(result.spec, 'a valid DAG returns a spec');
      return;
    }
    assert.is(result.spec, undefined, 'an invalid DAG returns no spec');
    for (const w of c.want) {
      assert.ok(
        result.problems.some((p) => matches(p, w)),
        `expected a problem like ${JSON.stringify({ ...w, message: w.message?.source, hint: w.hint?.source })}\ngot:\n${JSON.stringify(result.problems, null, 1)}`,
      );
    }
  });
}

s('every problem of a broken DAG is reported at once, in file order', () => {
  const yaml = [
    'name: "bad name"', // 1
    'retryPolicy: {limit: 1}', // 2
    'schedule: "not a cron"', // 3
    'steps:', // 4
    '  - name: a', // 5
    '    run: echo', // 6
    '    depends: missing', // 7
    '    timeout_sec: -3', // 8
    '  - name: a', // 9
    '    command: echo', // 10
    '    continueOn: failed', // 11
    '  - name: c', // 12
    '    run: echo', // 13
    '    retry_policy: {limit: x}', // 14
    'handler_on:', // 15
    '  init: echo', // 16
  ].join('\n');
  const { spec, problems } = loadDag(yaml);
  assert.is(spec, undefined);
  const seen = problems.map((p) => `${p.line}:${p.path}`);
  assert.equal(seen, [
    '1:name',
    '2:retryPolicy',
    '3:schedule',
    '7:steps[0].depends',
    '8:steps[0].timeout_sec',
    '9:steps[1].name',
    '11:steps[1].continueOn',
    '14:steps[2].retry_policy.limit',
    '16:handler_on.init',
  ]);
  assert.ok(problems.every((p) => p.column !== undefined && p.column > 0));
});

s('no problem is silently dropped for a step without a name: it is attributed to its generated name', () => {
  const { problems } = loadDag('steps:\n  - run: echo\n    timeout_sec: x\n', { defaultName: 'd' });
  assert.is(problems.length, 1);
  assert.is(problems[0]!.step, 'step_1');
  assert.is(formatProblem(problems[0]!), 'line 3:18: steps[0] "step_1" timeout_sec: must be a whole number, got a string');
});

s.run();
