import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const s = suite<{ dir: string }>('troupe CLI (the real bin, in-process engine)');

s.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'troupe-cli-'));
  mkdirSync(join(ctx.dir, 'dags'));
});
s.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

function troupe(dir: string, ...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/troupe.js', ...args, '--data', join(dir, 'data'), '--dags', join(dir, 'dags')], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

s('start prints a line per step transition and exits 0 on success; status --json has the documented shape', ({ dir }) => {
  writeFileSync(join(dir, 'dags', 'hello.yaml'), 'params: "WHO=world"\nsteps:\n  - name: greet\n    run: echo "hello ${WHO}"\n    output: MSG\n  - name: shout\n    depends: greet\n    run: echo "${MSG}!"\n');
  const r = troupe(dir, 'start', 'hello', '--params', 'WHO=cli', '--run-id', 'r1');
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /greet\s+running/);
  assert.match(r.out, /greet\s+succeeded exit=0/);
  assert.match(r.out, /shout\s+succeeded/);
  assert.match(r.out, /^succeeded$/m);
  const st = troupe(dir, 'status', 'hello', 'r1', '--json');
  assert.is(st.code, 0, st.err);
  const d = JSON.parse(st.out);
  assert.equal(Object.keys(d).slice(0, 10), ['name', 'dagRunId', 'status', 'statusLabel', 'attempt', 'params', 'queuedAt', 'startedAt', 'finishedAt', 'steps']);
  assert.is(d.status, 4);
  assert.equal(d.params, { WHO: 'cli' });
  assert.equal(d.steps[0].outputs, { MSG: 'hello cli' });
  assert.equal(Object.keys(d.steps[0]).slice(0, 7), ['name', 'status', 'statusLabel', 'exitCode', 'startedAt', 'finishedAt', 'retryCount']);
  const logs = troupe(dir, 'logs', 'hello', 'r1', '--step', 'shout');
  assert.is(logs.out.trim(), 'hello cli!');
  const runs = troupe(dir, 'runs', 'hello', '--json');
  assert.is(JSON.parse(runs.out).items.length, 1);
});

s('a failing run exits 1; bad input exits 2 with a clear message', ({ dir }) => {
  writeFileSync(join(dir, 'dags', 'bad.yaml'), 'steps:\n  - name: x\n    run: exit 7\n');
  const r = troupe(dir, 'start', 'bad', '--json');
  assert.is(r.code, 1);
  assert.is(JSON.parse(r.out).statusLabel, 'failed');
  const missing = troupe(dir, 'start', 'nope');
  assert.is(missing.code, 1);
  assert.match(missing.err, /DAG nope not found/);
  const badParams = troupe(dir, 'start', 'bad', '--params', '{"A":');
  assert.is(badParams.code, 2);
  assert.match(badParams.err, /params/i);
  const unknownFlag = troupe(dir, 'start', 'bad', '--frobnicate');
  assert.is(unknownFlag.code, 2);
  const unknownCommand = troupe(dir, 'frob');
  assert.is(unknownCommand.code, 2);
});

s('validate: exit 0 for a valid file; exit 1 and every problem with its location otherwise', ({ dir }) => {
  const good = join(dir, 'good.yaml');
  writeFileSync(good, 'steps:\n  - name: a\n    run: echo a\n');
  assert.is(troupe(dir, 'validate', good).code, 0);
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'steps:\n  - name: a\n    run: echo a\n    retryPolicy:\n      limit: 1\n  - name: b\n    depends: [zzz]\n    run: echo b\n');
  const r = troupe(dir, 'validate', bad);
  assert.is(r.code, 1);
  const lines = r.out.trim().split('\n');
  assert.ok(lines.length >= 2, r.out);
  assert.match(r.out, /retry_policy/);
  assert.match(r.out, /zzz/);
  assert.match(r.out, /\d+:\d+/);
});

s.run();
