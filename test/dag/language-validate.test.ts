import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { validateDag } from '../../src/dag/index.ts';

/**
 * What `validate` accepts and rejects for each feature of the reference checklist (§23), with
 * the location of every problem. One table; the same validator serves the CLI, REST and MCP.
 */
interface Case {
  feature: string;
  yaml: string;
  /** Absent: valid. Otherwise each entry must match one problem (path, line, message). */
  want?: Array<{ path: string; line?: number; message: RegExp }>;
}

const ok = (feature: string, yaml: string): Case => ({ feature, yaml });
const bad = (feature: string, yaml: string, want: Case['want']): Case => ({ feature, yaml, want });

const cases: Case[] = [
  // §1 Documents
  ok('documents: a later document is a named local child DAG', 'steps:\n  - run: echo hi\n---\nname: child\nsteps:\n  - run: echo from child\n'),
  bad('documents: a later document needs a name', 'steps:\n  - run: echo hi\n---\nsteps:\n  - run: echo x\n', [{ path: 'name', line: 4, message: /document 2 .*needs a non-empty name/ }]),
  bad('documents: document names are unique', 'steps: [{run: a}]\n---\nname: c\nsteps: [{run: b}]\n---\nname: c\nsteps: [{run: b}]\n', [{ path: 'name', line: 6, message: /duplicate document name "c"/ }]),
  bad('documents: an empty document is invalid', 'steps: [{run: a}]\n---\n---\nname: c\nsteps: [{run: b}]\n', [{ path: '', message: /document 2 .*is empty/ }]),
  bad('documents: a child DAG is validated like any DAG', 'steps: [{run: a}]\n---\nname: c\nsteps: []\n', [{ path: 'steps', line: 4, message: /document 2 .*steps must not be empty/ }]),
  bad('documents: duplicate keys', 'steps: [{run: a}]\nsteps: [{run: b}]\n', [{ path: '', line: 2, message: /unique/ }]),
  // §2 Names and ids
  ok('ids: letters, digits, underscore; trimmed; id promoted to name', 'steps:\n  - id: " build_1 "\n    run: echo\n'),
  bad('ids: a hyphen is not allowed', 'steps:\n  - id: build-1\n    run: echo\n', [{ path: 'steps[0].id', line: 2, message: /must start with a letter and hold only letters, digits and "_"/ }]),
  bad('ids: at most 40 bytes', `steps:\n  - id: ${'a'.repeat(41)}\n    run: echo\n`, [{ path: 'steps[0].id', line: 2, message: /at most 40 bytes/ }]),
  bad('ids: reserved words, any case', 'steps:\n  - id: Outputs\n    run: echo\n', [{ path: 'steps[0].id', line: 2, message: /reserved/ }]),
  bad('ids: an id may not be another step\'s name', 'steps:\n  - {name: a, run: echo}\n  - {name: b, id: a, run: echo}\n', [{ path: 'steps[1].id', line: 3, message: /is the name of another step/ }]),
  bad('ids: a name may not be another step\'s id', 'steps:\n  - {name: x, id: b, run: echo}\n  - {name: b, run: echo}\n', [{ path: 'steps[0].id', line: 2, message: /is the name of another step/ }]),
  bad('outputs need an id', 'steps:\n  - name: a\n    run: echo\n    outputs: [{name: v}]\n', [{ path: 'steps[0].outputs', line: 4, message: /needs an id/ }]),
  // §3 Graph
  bad('chain forbids depends, even []', 'type: chain\nsteps:\n  - {id: a, run: x}\n  - {id: b, run: x, depends: []}\n', [{ path: 'steps[1].depends', line: 4, message: /chain/ }]),
  // §4 Params
  ok('params: rich entries with types and constraints', 'params:\n  - name: region\n    enum: [eu-west-1, us-east-1]\n    required: true\n  - name: replicas\n    type: integer\n    default: 2\n    minimum: 1\n  - name: build_date\n    eval: "`date +%Y%m%d`"\n    default: unknown\nsteps: [{run: echo}]\n'),
  ok('params: the unquoted backtick eval of Dagu\'s docs loads', 'params:\n  - name: d\n    eval: `date`\nsteps: [{run: echo}]\n'),
  bad('params: bad name', 'params:\n  - 1x=2\nsteps: [{run: echo}]\n', [{ path: 'params[0]', line: 2, message: /param name "1x"/ }]),
  bad('params: duplicate', 'params: A=1 A=2\nsteps: [{run: echo}]\n', [{ path: 'params', line: 1, message: /duplicate param "A"/ }]),
  bad('params: unknown rich field, camelCase hint', 'params:\n  - name: a\n    minLength: 2\nsteps: [{run: echo}]\n', [{ path: 'params[0].minLength', line: 3, message: /unknown param field "minLength"/ }]),
  bad('params: nested map form', 'params:\n  - A: {default: 1}\nsteps: [{run: echo}]\n', [{ path: 'params[0].A', line: 2, message: /nested map/ }]),
  bad('params: default must fit the type', 'params:\n  - name: n\n    type: integer\n    default: two\nsteps: [{run: echo}]\n', [{ path: 'params[0].default', line: 4, message: /not an integer/ }]),
  bad('params: default must satisfy enum', 'params:\n  - name: r\n    enum: [a, b]\n    default: c\nsteps: [{run: echo}]\n', [{ path: 'params[0].default', line: 4, message: /not one of "a", "b"/ }]),
  bad('params: minimum <= maximum', 'params:\n  - name: n\n    type: number\n    minimum: 5\n    maximum: 1\nsteps: [{run: echo}]\n', [{ path: 'params[0].minimum', line: 4, message: /greater than maximum/ }]),
  bad('params: pattern must compile', 'params:\n  - name: s\n    pattern: "("\nsteps: [{run: echo}]\n', [{ path: 'params[0].pattern', line: 3, message: /does not compile/ }]),
  bad('params: bounds are for numbers only', 'params:\n  - name: s\n    minimum: 1\nsteps: [{run: echo}]\n', [{ path: 'params[0].minimum', line: 3, message: /integer and number params only/ }]),
  bad('params: JSON Schema forms are not yet', 'params:\n  type: object\n  properties: {a: {type: string}}\nsteps: [{run: echo}]\n', [{ path: 'params', line: 2, message: /not supported by Troupe yet/ }]),
  // §5 Env and dotenv
  ok('env: map and list forms, NAME=value splits at the first =', 'env:\n  - URL=a=b\n  - EMPTY=\n  - {REGION: eu}\nsteps: [{run: echo}]\n'),
  bad('env: bad name', 'env:\n  - 1A=x\nsteps: [{run: echo}]\n', [{ path: 'env[0]', line: 2, message: /not a valid variable name/ }]),
  bad('env: a list string without =', 'env:\n  - JUSTNAME\nsteps: [{run: echo}]\n', [{ path: 'env[0]', line: 2, message: /KEY=value/ }]),
  ok('dotenv: a string or a list', 'dotenv: [.env.local, config/.env]\nsteps: [{run: echo}]\n'),
  bad('dotenv: wrong type', 'dotenv: {a: b}\nsteps: [{run: echo}]\n', [{ path: 'dotenv', line: 1, message: /must be a string/ }]),
  // §6 Consts
  ok('consts: list of single-entry maps; scalars', 'consts:\n  - app: billing\n  - n: 3\n  - on: true\nsteps: [{run: echo}]\n'),
  bad('consts: the map form is invalid', 'consts:\n  app: billing\nsteps: [{run: echo}]\n', [{ path: 'consts', line: 2, message: /list of single-entry maps/ }]),
  bad('consts: one name per entry', 'consts:\n  - {a: 1, b: 2}\nsteps: [{run: echo}]\n', [{ path: 'consts[0]', line: 2, message: /exactly one name/ }]),
  bad('consts: key syntax', 'consts:\n  - _a: 1\nsteps: [{run: echo}]\n', [{ path: 'consts[0]._a', line: 2, message: /const name "_a"/ }]),
  bad('consts: no lists or maps as values', 'consts:\n  - a: [1]\nsteps: [{run: echo}]\n', [{ path: 'consts[0].a', line: 2, message: /string, a finite number or a boolean/ }]),
  // §7 Secrets
  ok('secrets: env and file providers', 'secrets:\n  - {name: TOKEN, provider: env, key: PROD_TOKEN}\n  - {name: PASS, provider: file, key: /run/secrets/pass}\nsteps: [{run: echo}]\n'),
  bad('secrets: reserved names', 'secrets:\n  - {name: DAG_RUN_ID, provider: env, key: X}\nsteps: [{run: echo}]\n', [{ path: 'secrets[0].name', line: 2, message: /reserved/ }]),
  bad('secrets: no DAGU_ prefix', 'secrets:\n  - {name: DAGU_X, provider: env, key: X}\nsteps: [{run: echo}]\n', [{ path: 'secrets[0].name', line: 2, message: /DAGU_/ }]),
  bad('secrets: ref xor provider', 'secrets:\n  - {name: A, ref: team/a, provider: env, key: A}\nsteps: [{run: echo}]\n', [{ path: 'secrets[0].ref', line: 2, message: /either ref or provider/ }]),
  bad('secrets: other providers are not yet', 'secrets:\n  - {name: A, provider: vault, key: a/b}\nsteps: [{run: echo}]\n', [{ path: 'secrets[0].provider', line: 2, message: /"vault" is not supported by Troupe yet/ }]),
  bad('secrets: a secret may not share an env name', 'env: {A: x}\nsecrets:\n  - {name: A, provider: env, key: B}\nsteps: [{run: echo}]\n', [{ path: 'secrets', message: /name of an env entry/ }]),
  // §10 run
  ok('run: a list with scalars and a one-key map', 'steps:\n  - run: [echo a, 3, {echo: hi}]\n'),
  bad('run: empty string', 'steps:\n  - run: "  "\n', [{ path: 'steps[0].run', line: 2, message: /must not be empty/ }]),
  bad('run: a list entry with a line break', 'steps:\n  - run:\n      - "echo a\\necho b"\n', [{ path: 'steps[0].run[0]', line: 3, message: /one line/ }]),
  bad('run: all entries empty', 'steps:\n  - run: ["", "  "]\n', [{ path: 'steps[0].run', line: 2, message: /must not be empty/ }]),
  bad('run: nested list entry', 'steps:\n  - run: [[a]]\n', [{ path: 'steps[0].run[0]', line: 2, message: /command string/ }]),
  bad('run: with takes shell and shell_args only', 'steps:\n  - run: echo\n    with: {shell: bash, image: x}\n', [{ path: 'steps[0].with.image', line: 3, message: /not allowed on a run step/ }]),
  bad('run: shell_args needs shell', 'steps:\n  - run: echo\n    with: {shell_args: [-x]}\n', [{ path: 'steps[0].with.shell_args', line: 3, message: /shell_args needs shell/ }]),
  bad('run: direct is not a shell', 'shell: direct\nsteps:\n  - run: echo\n', [{ path: 'shell', line: 1, message: /direct/ }]),
  bad('run + action', 'steps:\n  - run: echo\n    action: exec\n', [{ path: 'steps[0].action', line: 3, message: /either run or action/ }]),
  bad('actions Troupe does not run are refused, naming the action', 'steps:\n  - action: http.request\n', [{ path: 'steps[0].action', line: 2, message: /action "http.request" is not supported by Troupe/ }]),
  bad('an unknown action is an error', 'steps:\n  - action: dag.runn\n', [{ path: 'steps[0].action', line: 2, message: /unknown action "dag.runn"/ }]),
  ok('dag.run with with.dag and params (string, map, list) (§13)', 'steps:\n  - {action: dag.run, with: {dag: c, params: "A=1"}}\n  - {action: dag.run, with: {dag: c, params: {A: 1}}}\n  - {action: dag.run, with: {dag: c, params: ["A=1", {B: 2}]}}\n---\nname: c\nsteps: [{run: echo}]\n'),
  bad('dag.run needs with.dag', 'steps:\n  - action: dag.run\n', [{ path: 'steps[0].with.dag', message: /needs with.dag/ }]),
  bad('dag.run takes only dag and params', 'steps:\n  - action: dag.run\n    with: {dag: c, queue: q}\n', [{ path: 'steps[0].with.queue', line: 3, message: /not allowed for action dag.run/ }]),
  ok('dag.enqueue takes a queue (§13.4)', 'steps:\n  - {action: dag.enqueue, with: {dag: c, queue: q}}\n'),
  ok('call + params is the deprecated sub-DAG form', 'steps:\n  - {call: c, params: "A=1"}\n'),
  bad('run and action together', 'steps:\n  - {run: echo, action: noop}\n', [{ path: 'steps[0].action', message: /either run or action/ }]),
  ok('exec, noop, log.write, file.* actions (§12)', 'steps:\n  - {action: exec, with: {command: /bin/echo, args: [a, 1, true]}}\n  - {action: noop}\n  - {action: log.write, with: {message: hi}}\n  - {action: file.write, with: {path: a.txt, content: x, mode: "0600", create_dirs: true}}\n'),
  ok('outputs.write and wait.duration (§12)', 'steps:\n  - {action: outputs.write, with: {values: {a: 1}}}\n  - {action: wait.duration, with: {duration: 1m30s}}\n'),
  bad('wait.duration needs a duration', 'steps:\n  - {action: wait.duration, with: {duration: soon}}\n', [{ path: 'steps[0].with.duration', message: /must be a duration/ }]),
  bad('exec args must be scalars', 'steps:\n  - {action: exec, with: {command: ls, args: [[a]]}}\n', [{ path: 'steps[0].with.args[0]', message: /string, number or boolean/ }]),
  ok('parallel: a list, a string source, {items, max_concurrent} (§14.2)', 'steps:\n  - {action: dag.run, with: {dag: c}, parallel: [a, b]}\n  - {action: dag.run, with: {dag: c}, parallel: "${ITEMS}"}\n  - {action: dag.run, with: {dag: c}, parallel: {items: [{x: 1}], max_concurrent: 2}}\n'),
  bad('parallel items must be flat', 'steps:\n  - {action: dag.run, with: {dag: c}, parallel: [{x: [1]}]}\n', [{ path: 'steps[0].parallel[0]', message: /flat map/ }]),
  bad('parallel max_concurrent is 1..1000', 'steps:\n  - {action: dag.run, with: {dag: c}, parallel: {items: [a], max_concurrent: 1001}}\n', [{ path: 'steps[0].parallel.max_concurrent', message: /at most 1000/ }]),
  ok('repeat_policy: until a condition with expected, exit codes, interval, limit (§18.3)', 'steps:\n  - run: echo\n    repeat_policy: {repeat: until, condition: "$X", expected: done, interval_sec: 5, limit: 3, backoff: 2, max_interval_sec: 60}\n  - run: echo\n    repeat_policy: {exit_code: [1], interval_sec: 1}\n'),
  bad('repeat: while needs a condition or exit_code', 'steps:\n  - run: echo\n    repeat_policy: {repeat: while}\n', [{ path: 'steps[0].repeat_policy.repeat', message: /needs a condition or an exit_code/ }]),
  // §11 outputs
  ok('outputs: names and types', 'steps:\n  - id: a\n    run: echo\n    outputs: [{name: v}, {name: j, type: json}]\n'),
  bad('outputs: not empty', 'steps:\n  - id: a\n    run: echo\n    outputs: []\n', [{ path: 'steps[0].outputs', line: 4, message: /must not be empty/ }]),
  bad('outputs: unique names', 'steps:\n  - id: a\n    run: echo\n    outputs: [{name: v}, {name: v}]\n', [{ path: 'steps[0].outputs[1].name', line: 4, message: /duplicate output "v"/ }]),
  bad('outputs: type string or json', 'steps:\n  - id: a\n    run: echo\n    outputs: [{name: v, type: int}]\n', [{ path: 'steps[0].outputs[0].type', line: 4, message: /string" or "json/ }]),
  bad('stdout.outputs is not yet', 'steps:\n  - run: echo\n    stdout: {outputs: x}\n', [{ path: 'steps[0].stdout.outputs', line: 3, message: /not supported by Troupe yet/ }]),
  ok('artifacts: stdout.artifact turns storage on', 'steps:\n  - run: echo\n    stdout: {artifact: logs/out.txt}\n'),
  bad('artifacts: disabled but used', 'artifacts: {enabled: false}\nsteps:\n  - run: echo "$DAG_RUN_ARTIFACTS_DIR"\n', [{ path: 'artifacts.enabled', line: 1, message: /disabled, but the DAG uses them/ }]),
  bad('artifacts: paths stay inside', 'steps:\n  - run: echo\n    stderr: {artifact: ../x}\n', [{ path: 'steps[0].stderr.artifact', line: 3, message: /stay inside/ }]),
  ok('output: the object form', 'steps:\n  - run: echo\n    output:\n      a: 1\n      b: {value: {x: 1}}\n      c: {from: stdout, decode: json}\n      d: {from: file, path: x.yaml, decode: yaml}\n'),
  bad('output: decode must be text, json or yaml', 'steps:\n  - run: echo\n    output:\n      c: {from: stdout, decode: xml}\n', [{ path: 'steps[0].output.c.decode', line: 4, message: /text, json or yaml/ }]),
  bad('output: from file needs a path', 'steps:\n  - run: echo\n    output:\n      c: {from: file}\n', [{ path: 'steps[0].output.c.path', line: 4, message: /needs a path/ }]),
  bad('output: select is not yet', 'steps:\n  - run: echo\n    output:\n      c: {from: stdout, decode: json, select: .a}\n', [{ path: 'steps[0].output.c.select', line: 4, message: /not supported by Troupe yet/ }]),
  // §14/§13/§18.3 next issue
  ok('foreach: items, as, key, max_concurrent, collect and a body', 'steps:\n  - id: a\n    foreach: {items: [1], as: n, key: "${foreach.n}", max_concurrent: 2, steps: [{id: b, run: echo}], collect: {x: "${foreach.n}"}}\n'),
  bad('foreach: unknown key', 'steps:\n  - id: a\n    foreach: {items: [1], steps: [{run: echo}], each: 1}\n', [{ path: 'steps[0].foreach.each', line: 3, message: /unknown foreach key "each"/ }]),
  bad('foreach: as must not be index', 'steps:\n  - id: a\n    foreach: {items: [1], as: index, steps: [{run: echo}]}\n', [{ path: 'steps[0].foreach.as', line: 3, message: /must not be "index"/ }]),
  bad('foreach: no run beside it', 'steps:\n  - id: a\n    run: echo\n    foreach: {items: [1], steps: [{run: echo}]}\n', [{ path: 'steps[0].run', line: 3, message: /foreach step has no run/ }]),
  bad('parallel goes only with a sub-DAG call', 'steps:\n  - run: echo\n    parallel: [a]\n', [{ path: 'steps[0].parallel', line: 3, message: /only with action dag.run or dag.enqueue/ }]),
  // §15 preconditions
  ok('preconditions: string, condition, eval + expected, negate', 'preconditions: test -f x\nsteps:\n  - run: echo\n    preconditions:\n      - condition: "${params.e}"\n        expected: "re:(?i)^(dev|prod)$"\n      - eval: "$(date +%H)"\n        expected: "00"\n      - {condition: test -f lock, negate: true}\n'),
  bad('preconditions: eval needs expected', 'steps:\n  - run: echo\n    preconditions:\n      - eval: "$(date)"\n', [{ path: 'steps[0].preconditions[0].eval', line: 4, message: /eval needs expected/ }]),
  bad('preconditions: condition xor eval', 'steps:\n  - run: echo\n    preconditions:\n      - {condition: a, eval: b, expected: c}\n', [{ path: 'steps[0].preconditions[0].eval', line: 4, message: /either condition or eval/ }]),
  bad('preconditions: re: must compile', 'steps:\n  - run: echo\n    preconditions:\n      - {condition: a, expected: "re:("}\n', [{ path: 'steps[0].preconditions[0].expected', line: 4, message: /does not compile/ }]),
  bad('preconditions: empty re:', 'steps:\n  - run: echo\n    preconditions:\n      - {condition: a, expected: "re: "}\n', [{ path: 'steps[0].preconditions[0].expected', line: 4, message: /must not be empty/ }]),
  bad('preconditions: legacy command key', 'steps:\n  - run: echo\n    preconditions:\n      - {command: a}\n', [{ path: 'steps[0].preconditions[0].command', line: 4, message: /unknown precondition key "command"/ }]),
];

const s = suite('DAG language: validate table (reference §23)');

for (const c of cases) {
  s(`${c.want ? 'invalid' : 'valid'}: ${c.feature}`, () => {
    const r = validateDag(c.yaml, 'demo');
    if (!c.want) {
      assert.equal(r.errors, [], c.feature);
      assert.ok(r.valid && r.spec);
      return;
    }
    assert.not.ok(r.valid, 'expected problems');
    for (const w of c.want) {
      const hit = r.problems.find((p) => p.path === w.path && (w.line === undefined || p.line === w.line) && w.message.test(p.message));
      assert.ok(hit, `expected ${JSON.stringify({ ...w, message: String(w.message) })}\n got ${JSON.stringify(r.problems, null, 1)}`);
      if (w.line !== undefined) assert.ok(hit!.column !== undefined, 'a problem with a line has a column');
    }
  });
}

s('notices: defects print by default, runtime-only ones only with --show-unresolved; neither invalidates', () => {
  const r = validateDag(
    `consts:
  - a: x
  - b: \${consts.c}
  - c: y
params:
  - name: p
    description: no default
env:
  - E: $HOSTY
steps:
  - id: prod
    run: echo
    outputs: [{name: v}]
  - id: use
    run: echo \${steps.prod.outputs.v} \${steps.prod.outputs.w} \${steps.nope.outputs.v} \${context.run.nope} \${env.MISSING} \${params.p} \\\${params.escaped}
  - id: after
    depends: prod
    run: echo \${steps.prod.outputs.v} \${steps.after.outputs.v} \${consts.zzz} \${context.run.id}
handler_on:
  exit:
    run: echo \${steps.prod.outputs.v}
`,
    'demo',
  );
  assert.ok(r.valid, r.errors.join('\n'));
  const by = (reason: string) => r.notices.filter((n) => n.reason === reason).map((n) => `${n.kind} ${n.path} ${n.token}`);
  assert.equal(by('self_reference'), ['defect consts[1].b ${consts.c}', 'defect steps[2].run ${steps.after.outputs.v}']);
  assert.equal(by('missing_dependency'), ['defect steps[1].run ${steps.prod.outputs.v}']);
  assert.equal(by('unknown_output_name'), ['defect steps[1].run ${steps.prod.outputs.w}']);
  assert.equal(by('unknown_step_id'), ['defect steps[1].run ${steps.nope.outputs.v}']);
  assert.equal(by('unknown_context_field'), ['defect steps[1].run ${context.run.nope}']);
  assert.equal(by('unknown_const_name'), ['defect steps[2].run ${consts.zzz}']);
  assert.equal(by('namespace_unavailable'), ['defect handler_on.exit.run ${steps.prod.outputs.v}']);
  assert.equal(by('unknown_env_binding'), ['runtime env[0].E $HOSTY', 'runtime steps[1].run ${env.MISSING}']);
  assert.equal(by('missing_param_value'), ['runtime steps[1].run ${params.p}']);
  assert.ok(r.notices.every((n) => n.token !== '${params.escaped}'), 'escaped references give no notice');
  assert.ok(r.notices.every((n) => n.line !== undefined && n.column !== undefined), 'every notice has a position');
  // Warnings = defects and deprecations; runtime-only notices are not in them.
  assert.is(r.warnings.length, r.notices.filter((n) => n.kind !== 'runtime').length);
  assert.ok(r.warnings.every((w) => !w.includes('[unknown_env_binding]')));
  assert.match(r.warnings.find((w) => w.includes('unknown_step_id'))!, /^line 15:\d+: steps\[1\] "use" run: unresolved reference \$\{steps\.nope\.outputs\.v\}/);
});

s('deprecations are notices with the replacement, not errors', () => {
  const r = validateDag('steps:\n  - echo hi\n  - name: b\n    command: echo b\n', 'demo');
  assert.ok(r.valid);
  assert.equal(r.notices.map((n) => [n.kind, n.path, n.hint]), [
    ['deprecated', 'steps[0]', 'write - run: <command>'],
    ['deprecated', 'steps[1].command', 'use run'],
  ]);
});

s.run();
