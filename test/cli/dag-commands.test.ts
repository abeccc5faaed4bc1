import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hasStack, troupe } from './_troupe.ts';

const s = suite<{ dir: string }>('troupe CLI: validate, params, dags, dry (the real bin)');

s.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'troupe-cli-'));
  mkdirSync(join(ctx.dir, 'dags'));
});
s.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

s('validate and start agree on an invalid file: exit 2, every problem one a line with line:column (finding 9)', ({ dir }) => {
  const good = join(dir, 'good.yaml');
  writeFileSync(good, 'steps:\n  - name: a\n    run: echo a\n');
  assert.is(troupe(dir, ['validate', good]).code, 0);
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'steps:\n  - name: a\n    run: echo a\n    retryPolicy:\n      limit: 1\n  - name: b\n    depends: [zzz]\n    run: echo b\n');
  const v = troupe(dir, ['validate', bad]);
  assert.is(v.code, 2);
  const problems = v.out.trim().split('\n');
  assert.is(problems.length, 2, v.out);
  assert.match(v.out, /retry_policy/);
  assert.match(v.out, /zzz/);
  assert.match(v.out, /\d+:\d+/);
  const st = troupe(dir, ['start', bad]);
  assert.is(st.code, 2, st.err);
  const lines = st.err.trim().split('\n').filter((l) => l.startsWith('troupe start: '));
  assert.is(lines.length, 2, `one line per problem, not ;-joined: ${st.err}`);
  assert.not.match(st.err, /; /);
});

s('an unknown --params name fails the start naming the accepted parameters; without named params it is warned about (finding 7)', ({ dir }) => {
  writeFileSync(join(dir, 'dags', 'hello.yaml'), 'params:\n  - NAME: world\nsteps:\n  - name: greet\n    run: echo "hello ${NAME}"\n');
  const r = troupe(dir, ['start', 'hello', '--params', 'WHO=you']);
  assert.is(r.code, 2, r.err);
  assert.match(r.err, /^troupe start: unknown parameter\(s\) WHO; accepted parameters are NAME$/m);
  assert.not.match(r.err, /warning:/);
  const d = troupe(dir, ['dry', 'hello', '--params', 'WHO=you']);
  assert.is(d.code, 2, d.err);
  assert.match(d.err, /unknown parameter\(s\) WHO/);
  writeFileSync(join(dir, 'dags', 'plain.yaml'), 'steps:\n  - name: greet\n    run: echo "hello ${WHO}"\n');
  const p = troupe(dir, ['start', 'plain', '--params', 'WHO=you']);
  assert.is(p.code, 0, p.err);
  assert.match(p.err, /^warning: plain has no parameter WHO \(plain declares no parameters\); passed to the steps as environment variable anyway$/m);
});

s('dags lists every DAG with its last run; dry prints the plan and runs nothing', ({ dir }) => {
  writeFileSync(join(dir, 'dags', 'a.yaml'), 'schedule: "0 9 * * 1-5"\nparams:\n  - WHO: x\nsteps:\n  - name: one\n    run: echo "${WHO}" > ' + join(dir, 'ran') + '\n  - name: two\n    depends: one\n    run: "true"\n');
  writeFileSync(join(dir, 'dags', 'b.yaml'), 'steps:\n  - name: x\n    run: "true"\n');
  assert.is(troupe(dir, ['start', 'b']).code, 0);
  const dags = troupe(dir, ['dags']);
  assert.is(dags.code, 0, dags.err);
  assert.match(dags.out, /^a\s+-\s+-\s+\d{4}-\d\d-\d\dT09:00:00Z \(0 9 \* \* 1-5\)$/m);
  assert.match(dags.out, /^b\s+succeeded\s+\d{4}-/m);
  assert.not.match(dags.err, /not fired yet/);
  const json = JSON.parse(troupe(dir, ['dags', '--json']).out);
  assert.equal(json.dags.map((d: { name: string }) => d.name), ['a', 'b']);
  const dry = troupe(dir, ['dry', 'a', '--params', 'WHO=Ada']);
  assert.is(dry.code, 0, dry.err);
  assert.match(dry.out, /params: WHO=Ada/);
  assert.match(dry.out, /1\. one\n\s+\$ echo "Ada" >/);
  assert.match(dry.out, /2\. two {2}\(after one\)/);
  assert.not.ok(existsSync(join(dir, 'ran')), 'dry ran nothing');
  assert.equal(JSON.parse(troupe(dir, ['runs', 'a', '--json']).out).items, [], 'no run of a');
});

s('dry shows commands as the run resolves them: ${params.x}, ${consts.x} and ${env.x}; run context stays as written', ({ dir }) => {
  writeFileSync(
    join(dir, 'dags', 'refs.yaml'),
    'consts:\n  - BASE: /srv\nparams:\n  - NAME: world\nenv:\n  - OUT: ${consts.BASE}/${params.NAME}\nsteps:\n  - id: a\n    env:\n      - X: ${env.OUT}/x\n    run: echo ${X} ${params.NAME} ${context.run.id}\n',
  );
  const dry = troupe(dir, ['dry', 'refs', '--params', 'NAME=Ada']);
  assert.is(dry.code, 0, dry.err);
  assert.match(dry.out, /env: {4}OUT=\/srv\/Ada$/m);
  assert.match(dry.out, /\$ echo \/srv\/Ada\/x Ada \$\{context\.run\.id\}$/m);
});

s.run();
