import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunDetails } from '../../src/actors/index.ts';
import { createTestEngine } from '../_support/engine.ts';
import type { TestEngine } from '../_support/engine.ts';

/** foreach (reference §14.3): an inline body run per item as child runs, end to end with real processes and LevelDB. */
const s = suite<{ e: TestEngine }>('foreach: inline body per item');

s.before.each(async (ctx) => {
  ctx.e = await createTestEngine({ baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' } });
});
s.after.each(async (ctx) => {
  await ctx.e.close();
});

async function finish(e: TestEngine, name: string, dagRunId: string): Promise<RunDetails> {
  const { details, timedOut } = await e.runtime.waitForRun(name, dagRunId, 20_000);
  assert.not.ok(timedOut, `${name} did not finish`);
  return details;
}
const byStep = (d: RunDetails) => Object.fromEntries(d.steps.map((x) => [x.name, x]));

s('items from a producer, as/key/collect, item fields in run; the aggregate is ordered by index and feeds a later step', async ({ e }) => {
  e.writeDag(
    'fe',
    `steps:
  - id: list
    run: echo 'files=[{"name":"a","n":1},{"name":"b","n":22},{"name":"c","n":333}]' >> "$DAGU_OUTPUT_FILE"
    outputs: [{ name: files }]
  - id: per_file
    depends: list
    foreach:
      items: \${steps.list.outputs.files}
      as: file
      key: k-\${foreach.file.name}
      max_concurrent: 2
      steps:
        - id: size
          run: printf 'bytes=%s\\n' "\${foreach.index}:\${foreach.key}:\${foreach.file.n}" >> "$DAGU_OUTPUT_FILE"
          outputs: [{ name: bytes }]
        - id: echo_item
          depends: size
          run: echo '\${foreach.file}'
      collect:
        bytes: \${steps.size.outputs.bytes}
        name: \${foreach.file.name}
    output: SIZES
  - id: after
    depends: per_file
    run: echo "$SIZES"
`,
  );
  const { dagRunId } = await e.runtime.start({ name: 'fe' });
  const d = await finish(e, 'fe', dagRunId);
  assert.is(d.statusLabel, 'succeeded', (await e.runtime.stepLog('fe', dagRunId, 'per_file', 'stdout')).content);
  const step = byStep(d).per_file!;
  const agg = JSON.parse(step.outputs!.SIZES!);
  assert.equal(agg.summary, { total: 3, succeeded: 3, failed: 0 });
  assert.equal(agg.items.map((i: { index: number; key: string; status: string }) => [i.index, i.key, i.status]), [[0, 'k-a', 'succeeded'], [1, 'k-b', 'succeeded'], [2, 'k-c', 'succeeded']]);
  assert.equal(agg.outputs, [{ bytes: '0:k-a:1', name: 'a' }, { bytes: '1:k-b:22', name: 'b' }, { bytes: '2:k-c:333', name: 'c' }]);
  assert.is(step.subRuns!.length, 3);
  const child = (await e.runtime.getRun(step.subRuns![0]!.name, step.subRuns![0]!.dagRunId))!;
  assert.is(child.statusLabel, 'succeeded');
  assert.is((await e.runtime.stepLog('fe', dagRunId, 'after', 'stdout')).content, step.outputs!.SIZES);
});

s('a failing body does not stop the others; the step fails after all; 0 items succeed without running anything', async ({ e }) => {
  e.writeDag(
    'fe_fail',
    `steps:
  - id: loop
    foreach:
      items: [1, 2, 3]
      max_concurrent: 1
      steps:
        - run: test "\${foreach.item}" != 2
    output: AGG
    continue_on: { failure: true }
  - id: empty
    foreach:
      items: "[]"
      steps:
        - run: exit 1
    output: NONE
`,
  );
  const { dagRunId } = await e.runtime.start({ name: 'fe_fail' });
  const d = await finish(e, 'fe_fail', dagRunId);
  const steps = byStep(d);
  assert.is(steps.loop!.statusLabel, 'failed');
  // A failed step publishes no output variable; its stdout holds the aggregate.
  const agg = JSON.parse((await e.runtime.stepLog('fe_fail', dagRunId, 'loop', 'stdout')).content);
  assert.equal(agg.summary, { total: 3, succeeded: 2, failed: 1 });
  assert.equal(agg.items.map((i: { status: string }) => i.status), ['succeeded', 'failed', 'succeeded']);
  assert.ok(agg.items[1].error);
  assert.equal(agg.outputs, [{}, {}]);
  assert.is(steps.empty!.statusLabel, 'succeeded');
  assert.equal(JSON.parse(steps.empty!.outputs!.NONE!), { summary: { total: 0, succeeded: 0, failed: 0 }, items: [], outputs: [] });
});

s('duplicate keys and non-array items fail the step before any body runs', async ({ e }) => {
  e.writeDag(
    'fe_bad',
    `steps:
  - id: dup
    foreach:
      items: [a, a]
      key: \${foreach.item}
      steps:
        - run: echo x
    continue_on: { failure: true }
  - id: notarray
    foreach:
      items: "{}"
      steps:
        - run: echo x
`,
  );
  const { dagRunId } = await e.runtime.start({ name: 'fe_bad' });
  const d = await finish(e, 'fe_bad', dagRunId);
  const steps = byStep(d);
  assert.is(steps.dup!.statusLabel, 'failed');
  assert.match(steps.dup!.error ?? '', /same key "a"/);
  assert.is(steps.dup!.subRuns?.length ?? 0, 0);
  assert.match(steps.notarray!.error ?? '', /JSON array/);
});

s.run();
