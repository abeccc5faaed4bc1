import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isTroupeError } from '../../src/core/index.ts';
import type { RuntimeEvent } from '../../src/actors/index.ts';
import { createTestEngine } from '../_support/engine.ts';
import type { TestEngine } from '../_support/engine.ts';

/**
 * Dagu's DAG language end to end (reference dagu-dag-language.md): real processes, real
 * LevelDB, checking the files and outputs each step produces.
 */
const s = suite<{ e: TestEngine; events: RuntimeEvent[] }>('DAG language: runs with real processes');

const SECRET = 'sup3r-s3cret-value';

s.before.each(async (ctx) => {
  ctx.events = [];
  ctx.e = await createTestEngine({ baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', PROD_TOKEN: SECRET, NOT_ALLOWED: 'host-only' }, observe: (ev) => ev.subscribe((x) => ctx.events.push(x)) });
});
s.after.each(async (ctx) => {
  await ctx.e.close();
});

async function run(e: TestEngine, name: string, yaml: string, params?: string) {
  e.writeDag(name, yaml);
  const { dagRunId } = await e.runtime.start({ name }, params === undefined ? {} : { params });
  const { details, timedOut } = await e.runtime.waitForRun(name, dagRunId, 20_000);
  assert.not.ok(timedOut, `${name} did not finish`);
  const out = async (step: string) => (await e.runtime.stepLog(name, dagRunId, step, 'stdout')).content;
  const err = async (step: string) => (await e.runtime.stepLog(name, dagRunId, step, 'stderr')).content;
  const status = Object.fromEntries(details.steps.map((x) => [x.name, x.statusLabel]));
  return { d: details, dagRunId, out, err, status };
}

async function rejects(p: Promise<unknown>, code: string, message: RegExp) {
  try {
    await p;
  } catch (e) {
    assert.ok(isTroupeError(e), String(e));
    assert.is((e as { code: string }).code, code);
    assert.match((e as Error).message, message);
    return;
  }
  assert.unreachable(`expected ${code}`);
}

s('params: ${params.x} reaches the shell as a variable, never as command text; ${params} is DAG_PARAMS_JSON', async ({ e }) => {
  const marker = join(e.dir, 'pwned');
  const r = await run(
    e,
    'p',
    `params:
  - name: who
    default: world
  - name: n
    type: integer
    default: 2
steps:
  - id: greet
    run: echo "hello \${params.who}" '\${params.who}' n=\${params.n}
  - id: json
    run: echo '\${params}' "$DAG_PARAMS_JSON"
`,
    `who="$(touch ${marker})x" n=07`,
  );
  assert.is(r.d.statusLabel, 'succeeded');
  assert.is(await r.out('greet'), `hello $(touch ${marker})x $(touch ${marker})x n=7`);
  assert.not.ok(existsSync(marker), 'a parameter value never runs as shell code');
  const json = JSON.stringify({ n: '7', who: `$(touch ${marker})x` });
  assert.is(await r.out('json'), `${json} ${json}`);
});

s('params: unknown names, bad types, enum and required fail the start with a clear error', async ({ e }) => {
  e.writeDag('typed', `params:\n  - name: region\n    enum: [eu, us]\n    default: eu\n  - name: count\n    type: integer\n    default: 1\n    maximum: 5\n  - name: tag\n    required: true\nsteps:\n  - run: echo "$region $count $tag"\n`);
  await rejects(e.runtime.start({ name: 'typed' }, { params: 'tag=x nope=1' }), 'INVALID_INPUT', /unknown parameter\(s\) nope; accepted parameters are region, count, tag/);
  await rejects(e.runtime.start({ name: 'typed' }, { params: 'tag=x count=two' }), 'INVALID_INPUT', /count: "two" is not an integer/);
  await rejects(e.runtime.start({ name: 'typed' }, { params: 'tag=x count=9' }), 'INVALID_INPUT', /greater than the maximum 5/);
  await rejects(e.runtime.start({ name: 'typed' }, { params: 'tag=x region=asia' }), 'INVALID_INPUT', /not one of "eu", "us"/);
  await rejects(e.runtime.start({ name: 'typed' }, {}), 'INVALID_INPUT', /tag is required/);
  const { dagRunId } = await e.runtime.start({ name: 'typed' }, { params: 'tag=x region=us' });
  const d = (await e.runtime.waitForRun('typed', dagRunId, 10_000)).details;
  assert.is(d.statusLabel, 'succeeded');
  assert.equal(d.params, { region: 'us', count: '1', tag: 'x' });
});

s('params: eval runs for unset params in source order; failure falls back to the default', async ({ e }) => {
  const r = await run(
    e,
    'ev',
    `params:
  - name: a
    eval: "\`echo from-eval\`"
  - name: b
    eval: "$(echo \${params.a}-2)"
  - name: c
    eval: "$(exit 3)"
    default: fallback
steps:
  - run: echo "$a $b $c"
`,
  );
  assert.is(await r.out(r.d.steps[0]!.name), 'from-eval from-eval-2 fallback');
  const again = await run(e, 'ev', readFileSync(join(e.dagsDir, 'ev.yaml'), 'utf8'), 'a=given');
  assert.is(await again.out(again.d.steps[0]!.name), 'given given-2 fallback');
});

s('consts, env forms and order, ${env.X}, and only allowlisted host variables', async ({ e }) => {
  const r = await run(
    e,
    'env',
    `consts:
  - app: billing
  - url: https://\${consts.app}.internal
env:
  - A=1
  - { B: "\${A}-b" }
  - C: \${env.B}-c
  - FROM_HOST: \${PROD_TOKEN:+set}
steps:
  - id: show
    env:
      - D: \${env.C}-d
    run: echo "\${consts.url} $A $B $C $D $FROM_HOST [\${NOT_ALLOWED:-absent}]"
`,
  );
  assert.is(await r.out('show'), 'https://billing.internal 1 1-b 1-b-c 1-b-c-d set [absent]');
});

s('outputs: DAGU_OUTPUT_FILE records (name=value, heredoc, json) reach dependents through ${steps.id.outputs.x}', async ({ e }) => {
  const r = await run(
    e,
    'outs',
    `steps:
  - id: pkg
    run: |
      echo "tarball=dist/app-1.tgz" >> "$DAGU_OUTPUT_FILE"
      { echo 'manifest<<END'; echo '{"v": 1,'; echo ' "ok": true}'; echo 'END'; } >> "$DAGU_OUTPUT_FILE"
    outputs:
      - name: tarball
      - name: manifest
        type: json
  - id: upload
    depends: pkg
    env:
      TARBALL: \${steps.pkg.outputs.tarball}
    run: echo "$TARBALL" '\${steps.pkg.outputs.manifest}'
  - id: unrelated
    run: echo "[\${steps.pkg.outputs.tarball}]"
`,
  );
  assert.is(r.status.pkg, 'succeeded');
  assert.is(r.status.upload, 'succeeded');
  const pkg = r.d.steps.find((x) => x.name === 'pkg')!;
  assert.equal(pkg.outputs, { tarball: 'dist/app-1.tgz', manifest: '{"v": 1,\n "ok": true}' });
  assert.is(await r.out('upload'), 'dist/app-1.tgz {"v": 1,\n "ok": true}');
  // No dependency on pkg: the reference is preserved (the shell then fails on it as bad syntax, or prints it).
  assert.is(r.status.unrelated, 'failed', 'a reference to a non-ancestor stays literal text');
});

s('outputs: an undeclared name, a missing output or bad JSON fail the step after exit 0', async ({ e }) => {
  const r = await run(
    e,
    'badouts',
    `steps:
  - id: extra
    run: echo "x=1" >> "$DAGU_OUTPUT_FILE"; echo "y=2" >> "$DAGU_OUTPUT_FILE"
    outputs: [{ name: x }]
  - id: missing
    run: "true"
    outputs: [{ name: x }]
  - id: badjson
    run: echo "j={nope" >> "$DAGU_OUTPUT_FILE"
    outputs: [{ name: j, type: json }]
`,
  );
  const by = Object.fromEntries(r.d.steps.map((x) => [x.name, x]));
  assert.is(by.extra!.statusLabel, 'failed');
  assert.match(by.extra!.error!, /"y" is not a declared output/);
  assert.match(by.missing!.error!, /declared output "x" was not written/);
  assert.match(by.badjson!.error!, /declared json but is not valid JSON/);
});

s('run forms: a list runs each entry in its own shell and stops at the first failure; scripts fail fast (-e)', async ({ e }) => {
  const r = await run(
    e,
    'forms',
    `steps:
  - id: list
    run:
      - X=1; echo "first $X"
      - echo "second [\${X:-unset}]"
  - id: stops
    run:
      - echo one
      - "false"
      - echo never
  - id: script
    run: |
      echo before
      false
      echo after
  - id: own_shell
    with:
      shell: bash
    run: |
      false
      echo "no -e for an explicit step shell: \${BASH_VERSION:+bash}"
`,
  );
  assert.is(await r.out('list'), 'first 1\nsecond [unset]');
  assert.is(r.status.stops, 'failed');
  assert.is(await r.out('stops'), 'one');
  assert.is(r.status.script, 'failed');
  assert.is(await r.out('script'), 'before');
  assert.is(r.status.own_shell, 'succeeded');
  assert.is(await r.out('own_shell'), 'no -e for an explicit step shell: bash');
});

s('shell as a string or list; a shebang script runs its interpreter', async ({ e }) => {
  const r = await run(
    e,
    'shells',
    `shell: ["bash", "-o", "pipefail"]
steps:
  - id: pipefail
    run: "false | true"
  - id: bang
    run: |
      #!/bin/cat
      hello from cat
`,
  );
  assert.is(r.status.pipefail, 'failed', 'root shell list with -o pipefail');
  assert.is(await r.out('bang'), '#!/bin/cat\nhello from cat');
});

s('working directories: a per-run work dir by default; a step working_dir is created when missing; stdout/stderr copies', async ({ e }) => {
  const r = await run(
    e,
    'dirs',
    `steps:
  - id: where
    run: pwd; echo "$DAG_RUN_WORK_DIR"
  - id: sub
    working_dir: nested/deeper
    stdout: out.txt
    stderr: err.txt
    run: pwd; echo oops >&2
`,
  );
  const [pwd, workDir] = (await r.out('where')).split('\n');
  assert.is(pwd, workDir);
  assert.is(workDir, join(e.dataDir, 'work', 'dirs', r.dagRunId));
  const sub = join(workDir!, 'nested', 'deeper');
  assert.is(await r.out('sub'), sub);
  assert.is(readFileSync(join(sub, 'out.txt'), 'utf8'), `${sub}\n`);
  assert.is(readFileSync(join(sub, 'err.txt'), 'utf8'), 'oops\n');
  assert.is(statSync(join(sub, 'out.txt')).mode & 0o777, 0o600);
});

s('built-in run context: DAG_* variables, ${context.*} and aliases in every step', async ({ e }) => {
  const r = await run(
    e,
    'ctx',
    `steps:
  - id: facts
    run: |
      echo "$DAG_NAME $DAG_RUN_ID $DAG_RUN_STEP_NAME"
      echo "\${context.dag.name} \${run.id} \${step.id} \${context.step.name}"
      case "$DAG_RUN_LOG_FILE" in */run.log) test "$DAG_RUN_LOG_FILE" = "\${context.paths.log_file}" && echo log-ok;; esac
      test -f "$DAGU_OUTPUT_FILE" && echo output-file-ok
      test "$DAG_RUN_STEP_STDOUT_FILE" = "\${context.paths.step_stdout_file}" && echo stdout-file-ok
`,
  );
  assert.is(await r.out('facts'), `ctx ${r.dagRunId} facts\nctx ${r.dagRunId} facts facts\nlog-ok\noutput-file-ok\nstdout-file-ok`);
});

s('secrets: the value reaches the step as env and is masked in logs, outputs, errors, records and events', async ({ e, events }) => {
  const r = await run(
    e,
    'sec',
    `secrets:
  - name: API_TOKEN
    provider: env
    key: PROD_TOKEN
steps:
  - id: use
    run: echo "token=$API_TOKEN"; echo "len=\${#API_TOKEN}"; echo "$API_TOKEN" >&2
    output: LEAK
  - id: fail
    depends: use
    run: echo "$API_TOKEN" > "$DAG_RUN_WORK_DIR/seen"; exit 3
`,
  );
  assert.is(await r.out('use'), `token=*******\nlen=${SECRET.length}`);
  assert.is(await r.err('use'), '*******');
  assert.is(readFileSync(join(e.dataDir, 'work', 'sec', r.dagRunId, 'seen'), 'utf8').trim(), SECRET, 'the process got the real value');
  assert.equal(r.d.steps[0]!.outputs, { LEAK: 'token=*******\nlen=18' });
  const stored = JSON.stringify(await e.runtime.getRun('sec', r.dagRunId));
  assert.not.ok(stored.includes(SECRET), 'no secret in the run record');
  assert.not.ok(JSON.stringify(events).includes(SECRET), 'no secret in runtime events');
  const logs = await e.runtime.runLogs('sec', r.dagRunId);
  assert.not.ok(JSON.stringify(logs).includes(SECRET));
  const files = readdirSync(join(e.dataDir, 'logs', 'sec', r.dagRunId, '1'));
  for (const f of files) assert.not.ok(readFileSync(join(e.dataDir, 'logs', 'sec', r.dagRunId, '1', f), 'utf8').includes(SECRET), `log file ${f} holds the secret`);
});

s('secrets: an unresolvable secret fails the steps with a clear error', async ({ e }) => {
  const r = await run(e, 'nosec', `secrets:\n  - name: T\n    provider: env\n    key: MISSING_VAR\nsteps:\n  - id: a\n    run: echo hi\n`);
  assert.is(r.d.statusLabel, 'failed');
  assert.match(r.d.steps[0]!.error!, /secret T: the server environment has no MISSING_VAR/);
});

s('dotenv: .env in the working directory is loaded and beats root env', async ({ e }) => {
  const dir = join(e.dir, 'proj');
  mkdirSync(dir);
  writeFileSync(join(dir, '.env'), '# comment\nexport FROM_DOTENV=yes\nSHARED="from dotenv"\n');
  writeFileSync(join(dir, 'extra.env'), 'EXTRA=1\n');
  const r = await run(e, 'dot', `working_dir: ${dir}\ndotenv: extra.env\nenv:\n  SHARED: from env\nsteps:\n  - id: a\n    run: echo "$FROM_DOTENV $SHARED $EXTRA"\n`);
  assert.is(await r.out('a'), 'yes from dotenv 1');
});

s('preconditions: every entry is evaluated; eval, negate, multi-line values', async ({ e }) => {
  const marks = join(e.dir, 'marks');
  mkdirSync(marks);
  const r = await run(
    e,
    'pre',
    `steps:
  - id: both
    preconditions:
      - condition: touch ${marks}/first; false
      - condition: touch ${marks}/second
    run: echo never
  - id: lines
    preconditions:
      - eval: "$(printf 'a\\nb\\nc')"
        expected: b
      - condition: test -e /definitely/not/here
        negate: true
      - eval: "\`date +%Y\`"
        expected: "re:^2[0-9]{3}$"
    run: echo ran
`,
  );
  assert.is(r.status.both, 'skipped');
  assert.ok(existsSync(join(marks, 'first')) && existsSync(join(marks, 'second')), 'both conditions ran');
  assert.is(r.status.lines, 'succeeded');
});

s('preconditions: an unmet DAG precondition aborts the run and runs the abort and exit handlers', async ({ e }) => {
  const out = join(e.dir, 'handled');
  const r = await run(
    e,
    'dagpre',
    `preconditions:
  - condition: "\${params.MODE}"
    expected: live
params: MODE=dry
handler_on:
  abort:
    run: echo "abort $DAG_RUN_STATUS" >> ${out}
  exit:
    run: echo exit >> ${out}
steps:
  - id: a
    run: echo a
`,
  );
  assert.is(r.d.statusLabel, 'aborted');
  assert.is(r.status.a, 'not_started');
  assert.is(readFileSync(out, 'utf8'), 'abort aborted\nexit\n');
});

s('artifacts: on by use; stdout.artifact copies into the per-run artifacts dir; DAG_RUN_ARTIFACTS_DIR', async ({ e }) => {
  const r = await run(
    e,
    'art',
    `steps:
  - id: report
    stdout: { artifact: reports/out.txt }
    run: echo "to the artifact"; echo "x" > "\${context.paths.artifacts_dir}/direct.txt"; echo "$DAG_RUN_ARTIFACTS_DIR"
`,
  );
  const dir = join(e.dataDir, 'artifacts', 'art', r.dagRunId);
  assert.is(r.status.report, 'succeeded');
  assert.is(readFileSync(join(dir, 'reports', 'out.txt'), 'utf8'), `to the artifact\n${dir}\n`);
  assert.is(readFileSync(join(dir, 'direct.txt'), 'utf8'), 'x\n');
});

s('object output: literals (resolved), stdout as json, a file as yaml, stderr as text', async ({ e }) => {
  const r = await run(
    e,
    'obj',
    `params: ENV=prod
steps:
  - id: build
    run: |
      echo '{"version": "1.2", "n": 3}'
      printf 'a: 1\\nlist: [x, y]\\n' > meta.yaml
      echo warn >&2
    output:
      env: "\${params.ENV}"
      fixed: { value: 7 }
      info: { from: stdout, decode: json }
      meta: { from: file, path: meta.yaml, decode: yaml }
      note: { from: stderr }
`,
  );
  assert.is(r.status.build, 'succeeded');
  assert.equal(r.d.steps[0]!.outputs, { env: 'prod', fixed: '7', info: '{"version":"1.2","n":3}', meta: '{"a":1,"list":["x","y"]}', note: 'warn' });
});

s('a step with only an id is named after it and addressable by it', async ({ e }) => {
  const r = await run(e, 'ids', `steps:\n  - id: build\n    run: echo built\n  - id: test\n    depends: build\n    run: echo tested\n`);
  assert.equal(r.d.steps.map((x) => x.name), ['build', 'test']);
  assert.is(await r.out('test'), 'tested');
});

s.run();
