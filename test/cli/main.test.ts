import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hasStack, troupe } from './_troupe.ts';

const s = suite<{ dir: string }>('troupe CLI (the real bin, in-process engine)');

s.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'troupe-cli-'));
  mkdirSync(join(ctx.dir, 'dags'));
});
s.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

s('start prints a line per step change and exits 0 on success; status --json has the documented shape', ({ dir }) => {
  writeFileSync(join(dir, 'dags', 'hello.yaml'), 'params: "WHO=world"\nsteps:\n  - name: greet\n    run: echo "hello ${WHO}"\n    output: MSG\n  - name: shout\n    depends: greet\n    run: echo "${MSG}!"\n');
  const r = troupe(dir, ['start', 'hello', '--params', 'WHO=cli', '--run-id', 'r1']);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /greet\s+succeeded exit=0/);
  assert.match(r.out, /shout\s+succeeded/);
  assert.match(r.out, /^succeeded in \S+$/m);
  assert.is(r.err, '', 'a known param gives no warning');
  const st = troupe(dir, ['status', 'hello', 'r1', '--json']);
  assert.is(st.code, 0, st.err);
  const d = JSON.parse(st.out);
  assert.equal(Object.keys(d).slice(0, 10), ['name', 'dagRunId', 'status', 'statusLabel', 'attempt', 'params', 'queuedAt', 'startedAt', 'finishedAt', 'steps']);
  assert.is(d.status, 4);
  assert.equal(d.params, { WHO: 'cli' });
  assert.equal(d.steps[0].outputs, { MSG: 'hello cli' });
  const logs = troupe(dir, ['logs', 'hello', 'latest', '--step', 'shout']);
  assert.is(logs.out.trim(), 'hello cli!');
  const runs = troupe(dir, ['runs', 'hello', '--json']);
  assert.is(JSON.parse(runs.out).items.length, 1);
});

s('step lines come in the order things happened, with human state names, in start and in status (finding 6)', ({ dir }) => {
  writeFileSync(
    join(dir, 'dags', 'diamond.yaml'),
    'steps:\n  - name: prepare\n    run: "true"\n  - name: left\n    depends: prepare\n    run: sleep 0.3\n  - name: right\n    depends: prepare\n    run: sleep 0.6\n  - name: join\n    depends: [left, right]\n    run: "true"\n',
  );
  const r = troupe(dir, ['start', 'diamond']);
  assert.is(r.code, 0, r.err);
  const lines = r.out.split('\n').filter((l) => /^\s{2}\S/.test(l));
  const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
  assert.ok(at(/prepare\s+succeeded/) < at(/left\s+running/), r.out);
  assert.ok(at(/prepare\s+succeeded/) < at(/right\s+running/), r.out);
  assert.ok(at(/right\s+succeeded/) < at(/join\s+running/), r.out);
  assert.ok(at(/left\s+succeeded/) < at(/join\s+running/), r.out);
  assert.not.match(r.out, /running\.|\bactive\b|not_started/, 'no internal state names');
  const status = troupe(dir, ['status', 'diamond']);
  assert.not.match(status.out, /running\.|not_started|partially_succeeded/);
});

s('a failing run exits 1 and names each failed step with its reason (finding 9)', ({ dir }) => {
  // Dagu creates a missing working directory; one under a regular file cannot be created.
  writeFileSync(join(dir, 'not-a-dir'), '');
  writeFileSync(join(dir, 'dags', 'bad.yaml'), `steps:\n  - name: x\n    run: exit 7\n  - name: elsewhere\n    working_dir: ${join(dir, 'not-a-dir', 'sub')}\n    run: "true"\n`);
  const r = troupe(dir, ['start', 'bad']);
  assert.is(r.code, 1, r.err);
  assert.match(r.out, /^failed/m);
  assert.match(r.out, /step x failed \(exit 7\)/);
  assert.match(r.out, /elsewhere.*cannot create the working directory/);
  const json = troupe(dir, ['start', 'bad', '--json']);
  assert.is(json.code, 1);
  assert.is(JSON.parse(json.out).statusLabel, 'failed');
});

s('exit codes: 1 for not found, 2 for bad input and usage, one line each, no stack (findings 8, 9)', ({ dir }) => {
  writeFileSync(join(dir, 'dags', 'ok.yaml'), 'steps:\n  - name: x\n    run: "true"\n');
  const cases: Array<[string[], number, RegExp]> = [
    [['start', 'nope'], 1, /^troupe start: DAG nope not found$/m],
    [['status', 'ok'], 1, /^troupe status: DAG ok has no runs$/m],
    [['start', 'ok', '--params', '{"A":'], 2, /^troupe start: params looks like JSON/m],
    [['start', 'ok', '--frobnicate'], 2, /^troupe start: unknown option '--frobnicate'$/m],
    [['start'], 2, /^troupe start: missing required argument 'dag'$/m],
    [['frob'], 2, /^troupe: unknown command 'frob'$/m],
    [['runs', '--limit', 'ten'], 2, /^troupe runs: --limit must be/m],
    [['start', 'ok', '--no-wait'], 2, /^troupe start: --no-wait needs a running server/m],
  ];
  for (const [args, code, re] of cases) {
    const r = troupe(dir, args);
    assert.is(r.code, code, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, re, args.join(' '));
    assert.not.ok(hasStack(r.err), r.err);
    assert.ok(r.err.trim().split('\n').length <= 2, `one line (and a hint) for ${args.join(' ')}: ${r.err}`);
  }
});

s.run();
