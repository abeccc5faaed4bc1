import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { validateCommand } from '../../src/cli/validate-command.ts';

const s = suite<{ dir: string }>('troupe validate: notices and --show-unresolved');

s.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'troupe-validate-'));
});
s.after.each(({ dir }) => rmSync(dir, { recursive: true, force: true }));

async function validate(dir: string, yaml: string, ...flags: string[]) {
  const file = join(dir, 'flow.yaml');
  writeFileSync(file, yaml);
  const out: string[] = [];
  const err: string[] = [];
  const f = { json: flags.includes('--json'), showUnresolved: flags.includes('--show-unresolved') };
  const code = await validateCommand(file, { out: (l: string) => out.push(l), err: (l: string) => err.push(l), readStdin: async () => '', env: {} } as unknown as Parameters<typeof validateCommand>[1], f);
  return { code, out, err, file };
}

const YAML = `steps:
  - id: a
    run: echo \${steps.nope.outputs.x} \${env.FROM_RUN}
  - echo legacy
`;

s('defects and deprecations are warnings on stderr; the file stays valid (exit 0)', async ({ dir }) => {
  const r = await validate(dir, YAML);
  assert.is(r.code, 0);
  assert.equal(r.out, [`${r.file}: valid (2 steps)`]);
  assert.is(r.err.length, 2);
  assert.match(r.err[0]!, /warning: line 3:\d+: steps\[0\] "a" run: unresolved reference \$\{steps\.nope\.outputs\.x\}: no step has id nope \[unknown_step_id\]/);
  assert.match(r.err[1]!, /warning: line 4:5: steps\[1\] "step_2": string shorthand steps are deprecated \(hint: write - run: <command>\)/);
});

s('--show-unresolved adds the runtime-only notices', async ({ dir }) => {
  const r = await validate(dir, YAML, '--show-unresolved');
  assert.is(r.code, 0);
  assert.ok(r.err.some((l) => /info: .*\$\{env\.FROM_RUN\}.*\[unknown_env_binding\]/.test(l)), r.err.join('\n'));
  const j = await validate(dir, YAML, '--show-unresolved', '--json');
  const parsed = JSON.parse(j.out.join('\n')) as { valid: boolean; notices: Array<{ kind: string; reason?: string }> };
  assert.ok(parsed.valid);
  assert.equal(parsed.notices.map((n) => n.reason ?? n.kind).sort(), ['deprecated', 'unknown_env_binding', 'unknown_step_id']);
});

s('invalid files exit 2 (bad input, as for start) with every problem', async ({ dir }) => {
  const r = await validate(dir, 'steps:\n  - id: bad-id\n    run: echo\n');
  assert.is(r.code, 2);
  assert.match(r.out[0]!, /line 2:\d+: steps\[0\] "bad-id" id: step id "bad-id" must start with a letter/);
});

s.run();
