import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runWithContext } from '../../src/core/index.ts';
import type { RunDetails, RuntimeEvent } from '../../src/actors/index.ts';
import { createTestEngine, until } from '../_support/engine.ts';
import type { TestEngine } from '../_support/engine.ts';

/**
 * Composition (reference §13, §14.2, §12): sub-DAG steps start child run actors, end to end
 * with real processes and real LevelDB.
 */
const s = suite<{ e: TestEngine; events: RuntimeEvent[] }>('sub-DAGs: child run actors, parallel, actions');

s.before.each(async (ctx) => {
  ctx.events = [];
  ctx.e = await createTestEngine({ baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' }, observe: (ev) => ev.subscribe((x) => ctx.events.push(x)) });
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

s('a parent with two child DAGs (one failing with continue_on): statuses, outputs, links to parent and root, one correlation id', async ({ e, events }) => {
  e.writeDag('shared-child', 'params:\n  - WHO: nobody\nsteps:\n  - id: hello\n    run: echo "hi $WHO"\n    output: GREETING\n');
  e.writeDag(
    'family',
    `steps:
  - id: good
    action: dag.run
    with: { dag: shared-child, params: { WHO: "\${params.who}" } }
    output: GOOD
  - id: bad
    action: dag.run
    with: { dag: broken }
    continue_on: { failure: true }
  - id: after
    depends: [good, bad]
    run: echo "after $GOOD"
params:
  - who: ada
---
name: broken
steps:
  - run: echo failing >&2; exit 3
`,
  );
  const { dagRunId } = await runWithContext({ source: 'mcp', surface: 'mcp', correlationId: 'corr-family-1' }, () => e.runtime.start({ name: 'family' }));
  const d = await finish(e, 'family', dagRunId);
  assert.is(d.statusLabel, 'partially_succeeded');
  const steps = byStep(d);
  assert.is(steps.good!.statusLabel, 'succeeded');
  assert.is(steps.bad!.statusLabel, 'failed');
  assert.match(steps.bad!.error ?? '', /sub-DAG run broken\/.* failed/);
  assert.is(steps.after!.statusLabel, 'succeeded');
  // The child's run outputs come back as the step's outputs; its JSON result is the output variable.
  assert.is(steps.good!.outputs?.greeting, 'hi ada');
  const result = JSON.parse(steps.good!.outputs!.GOOD!);
  assert.equal({ name: result.name, status: result.status, params: result.params, outputs: result.outputs }, { name: 'shared-child', status: 'succeeded', params: 'WHO=ada', outputs: { greeting: 'hi ada' } });
  assert.is((await e.runtime.stepLog('family', dagRunId, 'after', 'stdout')).content, `after ${steps.good!.outputs!.GOOD}`);

  const [goodRun] = steps.good!.subRuns!;
  const [badRun] = steps.bad!.subRuns!;
  assert.is(goodRun!.name, 'shared-child');
  assert.is(badRun!.name, 'broken');
  const child = (await e.runtime.getRun(goodRun!.name, goodRun!.dagRunId))!;
  const failed = (await e.runtime.getRun(badRun!.name, badRun!.dagRunId))!;
  assert.is(child.statusLabel, 'succeeded');
  assert.is(failed.statusLabel, 'failed');
  for (const c of [child, failed]) {
    assert.is(c.trigger, 'subdag');
    assert.is(c.parentDAGRunName, 'family');
    assert.is(c.parentDAGRunId, dagRunId);
    assert.is(c.rootDAGRunName, 'family');
    assert.is(c.rootDAGRunId, dagRunId);
    assert.is(c.correlationId, 'corr-family-1', 'the correlation id of the MCP call flows down');
  }
  assert.equal(child.params, { WHO: 'ada' });
  // Every fact of the children carries the call's correlation id, so its audit trail covers them.
  const childFacts = events.filter((ev) => ev.type !== 'transition' && 'run' in ev && ev.run && (ev.run.name === 'shared-child' || ev.run.name === 'broken'));
  assert.ok(childFacts.length >= 6);
  assert.ok(childFacts.every((ev) => ev.correlationId === 'corr-family-1'));
  const execs = events.filter((ev) => ev.type === 'domain' && ev.action === 'dag_execute');
  assert.is(execs.length, 3, 'the parent and both children are dag_execute facts');
  const childExec = execs.find((ev) => ev.type === 'domain' && ev.resourceId.startsWith('broken/'));
  assert.ok(childExec && childExec.type === 'domain');
  assert.is(childExec.origin.source, 'mcp');
  assert.is(childExec.details.parent_dag_run, `family/${dagRunId}`);
  assert.ok(events.some((ev) => ev.type === 'step.subrun' && ev.step === 'good' && ev.subRun.name === 'shared-child'));
});

s('stopping the parent stops its running children', async ({ e }) => {
  e.writeDag('slow-parent', 'steps:\n  - id: call\n    action: dag.run\n    with: { dag: slow }\n---\nname: slow\nsteps:\n  - run: sleep 30\n');
  const { dagRunId } = await e.runtime.start({ name: 'slow-parent' });
  const child = await until(async () => {
    const d = await e.runtime.getRun('slow-parent', dagRunId);
    const sub = d?.steps[0]?.subRuns?.[0];
    if (!sub) return undefined;
    const c = await e.runtime.getRun(sub.name, sub.dagRunId);
    return c?.steps[0]?.statusLabel === 'running' ? c : undefined;
  }, 10_000, 'the child step running');
  await e.runtime.stop('slow-parent', dagRunId);
  const d = await finish(e, 'slow-parent', dagRunId);
  assert.is(d.statusLabel, 'aborted');
  assert.is(d.steps[0]!.statusLabel, 'aborted');
  const c = await finish(e, child.name, child.dagRunId);
  assert.is(c.statusLabel, 'aborted');
  assert.is(c.steps[0]!.statusLabel, 'aborted');
});

s('retrying a parent re-runs the right child: the failed one gets a new attempt, the succeeded one is left alone', async ({ e }) => {
  const flag = join(e.dir, 'ready.flag');
  e.writeDag(
    'pair',
    `steps:
  - id: first
    action: dag.run
    with: { dag: ok-child }
  - id: second
    action: dag.run
    with: { dag: flaky-child }
---
name: ok-child
steps:
  - run: echo ok
---
name: flaky-child
steps:
  - id: check
    run: test -f '${flag}'
`,
  );
  const { dagRunId } = await e.runtime.start({ name: 'pair' });
  const d1 = await finish(e, 'pair', dagRunId);
  assert.is(d1.statusLabel, 'failed');
  const okRef = d1.steps[0]!.subRuns![0]!;
  const flakyRef = d1.steps[1]!.subRuns![0]!;
  assert.is((await e.runtime.getRun(flakyRef.name, flakyRef.dagRunId))!.statusLabel, 'failed');

  writeFileSync(flag, '');
  await e.runtime.retry('pair', dagRunId);
  const d2 = await finish(e, 'pair', dagRunId);
  assert.is(d2.statusLabel, 'succeeded');
  assert.is(d2.attempt, 2);
  assert.equal(d2.steps[1]!.subRuns, [flakyRef], 'the same child run, found again by its id');
  const flaky = (await e.runtime.getRun(flakyRef.name, flakyRef.dagRunId))!;
  assert.is(flaky.statusLabel, 'succeeded');
  assert.is(flaky.attempt, 2, 'the failed child was retried');
  assert.is(flaky.history[0]!.statusLabel, 'failed');
  const ok = (await e.runtime.getRun(okRef.name, okRef.dagRunId))!;
  assert.is(ok.attempt, 1, 'the succeeded child did not run again');
});

s('a step retry_policy on a sub-DAG step retries the same child run', async ({ e }) => {
  const flag = join(e.dir, 'second-time.flag');
  e.writeDag('retrying-parent', `steps:\n  - id: call\n    action: dag.run\n    with: { dag: once-failing }\n    retry_policy: { limit: 1, interval_sec: 0 }\n---\nname: once-failing\nsteps:\n  - run: test -f '${flag}' || { touch '${flag}'; exit 1; }\n`);
  const { dagRunId } = await e.runtime.start({ name: 'retrying-parent' });
  const d = await finish(e, 'retrying-parent', dagRunId);
  assert.is(d.statusLabel, 'succeeded');
  assert.is(d.steps[0]!.retryCount, 1);
  assert.is(d.steps[0]!.subRuns!.length, 1, 'one child run, retried');
  const child = (await e.runtime.getRun('once-failing', d.steps[0]!.subRuns![0]!.dagRunId))!;
  assert.is(child.attempt, 2);
  assert.equal(child.history.map((h) => h.statusLabel), ['failed']);
});

s('a child runs in its own work directory, never in the parent step\'s working_dir; an explicit child working_dir is honoured', async ({ e }) => {
  const parentDir = join(e.dir, 'parent-wd');
  const childDir = join(e.dir, 'child-wd');
  e.writeDag('wd', `working_dir: ${parentDir}\nsteps:\n  - id: a\n    action: dag.run\n    with: { dag: plain }\n  - id: b\n    action: dag.run\n    with: { dag: pinned }\n---\nname: plain\nsteps:\n  - id: p\n    run: pwd\n---\nname: pinned\nworking_dir: ${childDir}\nsteps:\n  - id: p\n    run: pwd\n`);
  const { dagRunId } = await e.runtime.start({ name: 'wd' });
  const d = await finish(e, 'wd', dagRunId);
  assert.is(d.statusLabel, 'succeeded');
  const plain = d.steps[0]!.subRuns![0]!;
  const pinned = d.steps[1]!.subRuns![0]!;
  assert.is((await e.runtime.stepLog(plain.name, plain.dagRunId, 'p', 'stdout')).content, join(e.dataDir, 'work', 'plain', plain.dagRunId));
  assert.is((await e.runtime.stepLog(pinned.name, pinned.dagRunId, 'p', 'stdout')).content, childDir);
});

s('a stored DAG as child, nesting through a local document: root stays the top run; a missing target fails the step at run time', async ({ e }) => {
  e.writeDag('leaf', 'steps:\n  - id: where\n    run: echo "${context.run.root_name} ${context.run.root_id} ${context.trigger.type}"\n');
  e.writeDag('top', 'steps:\n  - id: mid\n    action: dag.run\n    with: { dag: middle }\n  - id: missing\n    action: dag.run\n    with: { dag: nope }\n    continue_on: failed\n---\nname: middle\nsteps:\n  - id: down\n    action: dag.run\n    with: { dag: leaf }\n');
  const { dagRunId } = await e.runtime.start({ name: 'top' });
  const d = await finish(e, 'top', dagRunId);
  assert.is(d.statusLabel, 'partially_succeeded');
  assert.match(d.steps[1]!.error ?? '', /DAG nope not found/);
  const mid = d.steps[0]!.subRuns![0]!;
  const middle = (await e.runtime.getRun(mid.name, mid.dagRunId))!;
  const leafRef = middle.steps[0]!.subRuns![0]!;
  const leaf = (await e.runtime.getRun(leafRef.name, leafRef.dagRunId))!;
  assert.is(leaf.statusLabel, 'succeeded');
  assert.is(leaf.parentDAGRunName, 'middle');
  assert.is(leaf.parentDAGRunId, mid.dagRunId);
  assert.is(leaf.rootDAGRunName, 'top');
  assert.is(leaf.rootDAGRunId, dagRunId);
  assert.is((await e.runtime.stepLog('leaf', leafRef.dagRunId, 'where', 'stdout')).content, `top ${dagRunId} subdag`, '${context.run.root_*} in a child');
});

s('a DAG that calls itself stops at the nesting limit with a clear error', async ({ e }) => {
  e.writeDag('loop', 'steps:\n  - id: again\n    action: dag.run\n    with: { dag: loop }\n');
  const { dagRunId } = await e.runtime.start({ name: 'loop' });
  const d = await finish(e, 'loop', dagRunId);
  assert.is(d.statusLabel, 'failed');
  // Follow the chain down to the run whose step was refused.
  let cur = d;
  for (let i = 0; i < 20 && cur.steps[0]!.subRuns; i++) cur = (await e.runtime.getRun('loop', cur.steps[0]!.subRuns[0]!.dagRunId))!;
  assert.match(cur.steps[0]!.error ?? '', /nest more than 16 deep \(does loop call itself\?\)/);
});

s('parallel over a list with max_concurrent: every item a child run, never more than the limit at once, Dagu\'s aggregate', async ({ e, events }) => {
  e.writeDag('fan', `steps:
  - id: fanout
    action: dag.run
    with: { dag: item, params: { N: "\${ITEM}" } }
    parallel:
      max_concurrent: 2
      items: [1, 2, 3, 4, 5]
    output: RESULTS
---
name: item
params:
  - N: 0
steps:
  - id: work
    run: sleep 0.2; echo "n=$N"
    output: RESULT
`);
  const { dagRunId } = await e.runtime.start({ name: 'fan' });
  const d = await finish(e, 'fan', dagRunId);
  assert.is(d.statusLabel, 'succeeded');
  assert.is(d.steps[0]!.subRuns!.length, 5);
  const agg = JSON.parse(d.steps[0]!.outputs!.RESULTS!);
  assert.equal(agg.summary, { total: 5, succeeded: 5, failed: 0 });
  assert.equal(agg.outputs.map((o: { result: string }) => o.result).sort(), ['n=1', 'n=2', 'n=3', 'n=4', 'n=5']);
  let live = 0;
  let most = 0;
  for (const ev of events) {
    if (ev.type === 'run.started' && ev.run.name === 'item') most = Math.max(most, ++live);
    if (ev.type === 'run.finished' && ev.run.name === 'item') live--;
  }
  assert.is(most, 2, 'two children at a time');
  assert.is(events.filter((ev) => ev.type === 'step.subrun' && ev.step === 'fanout').length, 5, 'each item visible on events$');
});

s('parallel over a previous step\'s JSON output, with ${ITEM.field}; identical items collapse; one failing item fails the step after all ran', async ({ e }) => {
  e.writeDag('fan-json', `steps:
  - id: list
    run: echo '[{"id":"a1","fail":"0"},{"id":"a2","fail":"1"},{"id":"a1","fail":"0"},{"id":"a3","fail":"0"}]'
    output: ACCOUNTS
  - id: each
    depends: list
    action: dag.run
    with: { dag: account, params: { ID: "\${ITEM.id}", FAIL: "\${ITEM.fail}" } }
    parallel: \${ACCOUNTS}
    output: AGG
---
name: account
params:
  - ID: x
  - FAIL: "0"
steps:
  - run: echo "account $ID"; test "$FAIL" = 0
`);
  const { dagRunId } = await e.runtime.start({ name: 'fan-json' });
  const d = await finish(e, 'fan-json', dagRunId);
  assert.is(d.statusLabel, 'failed');
  const each = byStep(d).each!;
  assert.is(each.statusLabel, 'failed');
  assert.is(each.subRuns!.length, 3, 'the duplicate a1 item is one child run');
  const runs = await Promise.all(each.subRuns!.map((r) => e.runtime.getRun(r.name, r.dagRunId)));
  assert.equal(runs.map((r) => `${r!.params.ID}:${r!.statusLabel}`).sort(), ['a1:succeeded', 'a2:failed', 'a3:succeeded']);
  const agg = JSON.parse((await e.runtime.stepLog('fan-json', dagRunId, 'each', 'stdout')).content);
  assert.equal(agg.summary, { total: 3, succeeded: 2, failed: 1 });
});

s('dag.enqueue queues the child and does not wait for it', async ({ e }) => {
  e.writeDag('later', 'steps:\n  - run: echo later\n');
  e.writeDag('enq', 'steps:\n  - id: q\n    action: dag.enqueue\n    with: { dag: later }\n    output: QUEUED\n');
  const { dagRunId } = await e.runtime.start({ name: 'enq' });
  const d = await finish(e, 'enq', dagRunId);
  assert.is(d.statusLabel, 'succeeded');
  const ref = d.steps[0]!.subRuns![0]!;
  assert.is(JSON.parse(d.steps[0]!.outputs!.QUEUED!).status, 'queued');
  const child = await finish(e, ref.name, ref.dagRunId);
  assert.is(child.statusLabel, 'succeeded');
  assert.is(child.parentDAGRunId, dagRunId);
});

s('actions: exec runs argv without a shell, log.write, file.write/read/copy/delete; values never become shell code', async ({ e }) => {
  const marker = join(e.dir, 'pwned');
  const r = await e.runtime.start({ name: 'acts' }).catch(() => undefined);
  assert.is(r, undefined, 'no such DAG yet');
  e.writeDag(
    'acts',
    `params:
  - evil: "$(touch ${marker})"
steps:
  - id: ex
    action: exec
    with: { command: /bin/echo, args: ["\${params.evil}", 2, true] }
  - id: log
    action: log.write
    with: { message: "hello \${params.evil}" }
  - id: write
    action: file.write
    with: { path: out/a.txt, content: "content \${params.evil}", create_dirs: true, mode: "0600" }
  - id: read
    depends: write
    action: file.read
    with: { path: out/a.txt }
  - id: copy
    depends: write
    action: file.copy
    with: { source: out/a.txt, destination: out/b.txt }
  - id: delete
    depends: [copy, read]
    action: file.delete
    with: { path: out/a.txt }
  - id: nothing
    action: noop
  - id: publish
    action: outputs.write
    with: { values: { version: "v-\${params.evil}", meta: { a: 1 } } }
  - id: nap
    action: wait.duration
    with: { duration: 20ms }
`,
  );
  const { dagRunId } = await e.runtime.start({ name: 'acts' });
  const d = await finish(e, 'acts', dagRunId);
  assert.is(d.statusLabel, 'succeeded', JSON.stringify(d.steps.map((x) => [x.name, x.statusLabel, x.error])));
  const out = async (step: string) => (await e.runtime.stepLog('acts', dagRunId, step, 'stdout')).content;
  assert.is(await out('ex'), `$(touch ${marker}) 2 true`);
  assert.is(await out('log'), `hello $(touch ${marker})`);
  assert.is(await out('read'), `content $(touch ${marker})`);
  const work = join(e.dataDir, 'work', 'acts', dagRunId);
  assert.not.ok(existsSync(join(work, 'out', 'a.txt')), 'file.delete removed it');
  assert.is(readFileSync(join(work, 'out', 'b.txt'), 'utf8'), `content $(touch ${marker})`);
  assert.not.ok(existsSync(marker), 'a value never runs as shell code');
  assert.equal(byStep(d).publish!.outputs, { version: `v-$(touch ${marker})`, meta: '{"a":1}' });
  assert.is(byStep(d).nap!.statusLabel, 'succeeded');
});

s.run();
