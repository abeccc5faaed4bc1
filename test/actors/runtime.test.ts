import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { findMarked, processLive } from '../../src/actors/executors/proc-scan.ts';
import type { RuntimeEvent } from '../../src/actors/index.ts';
import { runWithContext } from '../../src/core/index.ts';
import { isTroupeError } from '../../src/core/index.ts';
import { createTestEngine, until } from '../_support/engine.ts';
import { createSimulatedClock } from '../../src/core/index.ts';
import type { TestEngine } from '../_support/engine.ts';

const s = suite<{ e: TestEngine }>('runtime: DAG runs end to end (real processes, real LevelDB)');

s.before.each(async (ctx) => {
  ctx.e = await createTestEngine();
});
s.after.each(async (ctx) => {
  await ctx.e.close();
});

async function finish(e: TestEngine, name: string, id: string, ms = 15_000) {
  const { details, timedOut } = await e.runtime.waitForRun(name, id, ms);
  assert.not.ok(timedOut, `run ${name}/${id} did not finish in ${ms} ms (status ${details.statusLabel})`);
  return details;
}

async function rejects(p: Promise<unknown>, code: string) {
  try {
    await p;
  } catch (e) {
    assert.ok(isTroupeError(e), `expected a TroupeError, got ${String(e)}`);
    assert.is((e as { code: string }).code, code);
    return e as Error;
  }
  assert.unreachable(`expected ${code}`);
  throw new Error('unreachable');
}

s('a parallel diamond runs b and c at the same time, then d, and succeeds', async ({ e }) => {
  const mark = join(e.dir, 'marks');
  e.writeDag(
    'diamond',
    `steps:
  - name: a
    run: mkdir -p ${mark} && echo a
  - name: b
    depends: a
    run: touch ${mark}/b-start; sleep 0.4; test -e ${mark}/c-start && echo overlap > ${mark}/b-saw-c; true
  - name: c
    depends: a
    run: touch ${mark}/c-start; sleep 0.4; test -e ${mark}/b-start && echo overlap > ${mark}/c-saw-b; true
  - name: d
    depends: [b, c]
    run: echo d
`,
  );
  const { dagRunId } = await e.runtime.start({ name: 'diamond' });
  const d = await finish(e, 'diamond', dagRunId);
  assert.is(d.statusLabel, 'succeeded');
  assert.is(d.status, 4);
  assert.equal(d.steps.map((x) => [x.name, x.statusLabel]), [['a', 'succeeded'], ['b', 'succeeded'], ['c', 'succeeded'], ['d', 'succeeded']]);
  assert.ok(existsSync(join(mark, 'b-saw-c')) || existsSync(join(mark, 'c-saw-b')), 'b and c overlapped');
  const dStart = Date.parse(d.steps[3]!.startedAt!);
  assert.ok(dStart >= Date.parse(d.steps[1]!.finishedAt!) && dStart >= Date.parse(d.steps[2]!.finishedAt!), 'd started after b and c');
});

s('a chain runs its steps in order, and stdout lands in the step log', async ({ e }) => {
  e.writeDag('chain', `type: chain\nsteps:\n  - name: one\n    run: echo first\n  - name: two\n    run: echo second\n  - name: three\n    run: echo third\n`);
  const { dagRunId } = await e.runtime.start({ name: 'chain' });
  const d = await finish(e, 'chain', dagRunId);
  assert.is(d.statusLabel, 'succeeded');
  const t = d.steps.map((x) => Date.parse(x.startedAt!));
  assert.ok(t[0]! <= t[1]! && t[1]! <= t[2]!);
  const log = await e.runtime.stepLog('chain', dagRunId, 'two', 'stdout');
  assert.is(log.content, 'second');
  const logs = await e.runtime.runLogs('chain', dagRunId);
  assert.ok(logs.stepLogs.every((x) => x.hasStdout));
  assert.match(logs.schedulerLog.content, /step two succeeded/);
});

s('a failure with continue_on lets the DAG go on and ends partially_succeeded; without it the run fails', async ({ e }) => {
  e.writeDag('cont', `steps:\n  - name: flaky\n    run: exit 3\n    continue_on:\n      failure: true\n  - name: after\n    depends: flaky\n    run: echo ok\n`);
  const r1 = await e.runtime.start({ name: 'cont' });
  const d1 = await finish(e, 'cont', r1.dagRunId);
  assert.is(d1.statusLabel, 'partially_succeeded');
  assert.is(d1.steps[0]!.exitCode, 3);
  assert.is(d1.steps[1]!.statusLabel, 'succeeded');

  e.writeDag('stopper', `steps:\n  - name: bad\n    run: echo oops >&2; exit 2\n  - name: never\n    depends: bad\n    run: echo no\n`);
  const r2 = await e.runtime.start({ name: 'stopper' });
  const d2 = await finish(e, 'stopper', r2.dagRunId);
  assert.is(d2.statusLabel, 'failed');
  assert.is(d2.steps[1]!.statusLabel, 'not_started');
  assert.is((await e.runtime.stepLog('stopper', r2.dagRunId, 'bad', 'stderr')).content, 'oops');
});

s('retries by exit code: retried while the code matches, then succeeds', async ({ e }) => {
  const counter = join(e.dir, 'count');
  e.writeDag(
    'retry',
    `steps:
  - name: flaky
    run: n=$(cat ${counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${counter}; [ $n -ge 3 ] || exit 75
    retry_policy:
      limit: 5
      interval_sec: 0
      exit_code: [75]
  - name: other
    run: exit 4
    retry_policy:
      limit: 3
      interval_sec: 0
      exit_code: [75]
`,
  );
  const { dagRunId } = await e.runtime.start({ name: 'retry' });
  const d = await finish(e, 'retry', dagRunId);
  const flaky = d.steps.find((x) => x.name === 'flaky')!;
  assert.is(flaky.statusLabel, 'succeeded');
  assert.is(flaky.retryCount, 2);
  assert.is(readFileSync(counter, 'utf8').trim(), '3');
  const other = d.steps.find((x) => x.name === 'other')!;
  assert.is(other.retryCount, 0, 'exit code 4 is not retried');
  assert.is(other.statusLabel, 'failed');
});

s('a step timeout kills the step and fails it (the timeout runs on the clock, not on a sleep)', async () => {
  const clock = createSimulatedClock(Date.now());
  const e = await createTestEngine({ clock });
  try {
    e.writeDag('slow', `steps:\n  - name: sleepy\n    run: sleep 30\n    timeout_sec: 1\n`);
    const { dagRunId } = await e.runtime.start({ name: 'slow' });
    await until(async () => (await e.runtime.getRun('slow', dagRunId))?.steps[0]?.statusLabel === 'running', 10_000, 'the step to run');
    await clock.advance(999);
    assert.is((await e.runtime.getRun('slow', dagRunId))?.statusLabel, 'running', 'not before its timeout');
    await clock.advance(1);
    const d = await finish(e, 'slow', dagRunId);
    assert.is(d.statusLabel, 'failed');
    assert.match(d.steps[0]!.error ?? '', /timed out after 1s/);
  } finally {
    await e.close();
  }
});

s('stop mid-step: the whole process group is gone afterwards and the run is aborted', async ({ e }) => {
  const pidFile = join(e.dir, 'pids');
  e.writeDag('long', `steps:\n  - name: work\n    run: sleep 30 & echo $! > ${pidFile}; sleep 30; wait\n  - name: later\n    depends: work\n    run: echo later\n`);
  const { dagRunId } = await e.runtime.start({ name: 'long' });
  await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 5000, 'the step to start');
  const running = await e.runtime.getRun('long', dagRunId);
  assert.is(running?.statusLabel, 'running');
  const grandchild = Number(readFileSync(pidFile, 'utf8').trim());
  await e.runtime.stop('long', dagRunId);
  const d = await finish(e, 'long', dagRunId);
  assert.is(d.statusLabel, 'aborted');
  assert.is(d.steps[0]!.statusLabel, 'aborted');
  assert.is(d.steps[1]!.statusLabel, 'not_started');
  // The background `sleep` was in the same group; it must be dead too (zombies do not count).
  await until(() => {
    try {
      const stat = readFileSync(`/proc/${grandchild}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
    } catch {
      return true;
    }
  }, 3000, 'the background child to die');
  await rejects(e.runtime.stop('long', dagRunId), 'NOT_RUNNING');
});

s('signal_on_stop is sent first; a step that ignores it is killed after the grace period', async ({ e }) => {
  const pidFile = join(e.dir, 'pid');
  e.writeDag('stubborn', `steps:\n  - name: trap\n    run: trap '' TERM INT; echo $$ > ${pidFile}; while true; do sleep 0.1; done\n    signal_on_stop: SIGINT\n`);
  const { dagRunId } = await e.runtime.start({ name: 'stubborn' });
  await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 5000, 'start');
  const pgid = Number(readFileSync(pidFile, 'utf8').trim());
  await e.runtime.stop('stubborn', dagRunId);
  const d = await finish(e, 'stubborn', dagRunId, 10_000);
  assert.is(d.statusLabel, 'aborted');
  assert.not.ok(processLive(pgid));
});

s('outputs pass between steps, params override defaults, and env is interpolated', async ({ e }) => {
  e.writeDag(
    'outputs',
    `params: "WHO=world TIMES=1"
env:
  - GREETING: hello \${WHO}
steps:
  - name: make
    run: echo "$GREETING x\${TIMES}"
    output: MSG
  - name: use
    depends: make
    run: echo "got \${MSG}"
`,
  );
  const { dagRunId } = await e.runtime.start({ name: 'outputs' }, { params: 'WHO=troupe' });
  const d = await finish(e, 'outputs', dagRunId);
  assert.is(d.statusLabel, 'succeeded');
  assert.equal(d.params, { WHO: 'troupe', TIMES: '1' });
  assert.equal(d.steps[0]!.outputs, { MSG: 'hello troupe x1' });
  assert.is((await e.runtime.stepLog('outputs', dagRunId, 'use', 'stdout')).content, 'got hello troupe x1');
});

s('handler_on: failure and exit handlers run after a failure', async ({ e }) => {
  const out = join(e.dir, 'handled');
  e.writeDag(
    'handlers',
    `handler_on:
  success:
    run: echo success >> ${out}
  failure:
    run: echo failure >> ${out}
  exit:
    run: echo exit >> ${out}
steps:
  - name: boom
    run: exit 1
`,
  );
  const { dagRunId } = await e.runtime.start({ name: 'handlers' });
  const d = await finish(e, 'handlers', dagRunId);
  assert.is(d.statusLabel, 'failed');
  assert.is(readFileSync(out, 'utf8'), 'failure\nexit\n');
  assert.equal(d.steps.map((x) => x.name), ['boom', 'onFailure', 'onExit']);
});

s('queue: FIFO order with the per-DAG concurrency of 1; a global queue runs 2 at a time', async ({ e }) => {
  const order = join(e.dir, 'order');
  const go = join(e.dir, 'go');
  // The first run holds the DAG's queue until the test lets it go: no timing involved.
  e.writeDag('q', `steps:\n  - name: s\n    run: echo "$TAG start" >> ${order}; while [ ! -e ${go} ]; do sleep 0.05; done; echo "$TAG end" >> ${order}\n`);
  const ids: string[] = [];
  for (const tag of ['one', 'two', 'three']) ids.push((await e.runtime.enqueue({ name: 'q' }, { params: { TAG: tag } })).dagRunId);
  await until(() => existsSync(order), 10_000, 'the first run to start');
  assert.equal(await Promise.all(ids.map(async (id) => (await e.runtime.getRun('q', id))?.statusLabel)), ['running', 'queued', 'queued']);
  writeFileSync(go, '');
  for (const id of ids) assert.is((await finish(e, 'q', id)).statusLabel, 'succeeded');
  assert.is(readFileSync(order, 'utf8'), 'one start\none end\ntwo start\ntwo end\nthree start\nthree end\n');
});

s('a configured global queue runs up to max_concurrency at once', async () => {
  const e = await createTestEngine({ queues: [{ name: 'wide', maxConcurrency: 2 }] });
  try {
    const log = join(e.dir, 'log');
    const go = join(e.dir, 'go');
    // Each run holds its slot until the test lets it go: no timing involved.
    e.writeDag('w', `queue: wide\nsteps:\n  - name: s\n    run: echo start >> ${log}; while [ ! -e ${go} ]; do sleep 0.05; done; echo end >> ${log}\n`);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await e.runtime.enqueue({ name: 'w' })).dagRunId);
    await until(() => existsSync(log) && readFileSync(log, 'utf8').trim().split('\n').length === 2, 10_000, 'two runs to start');
    const statuses = await Promise.all(ids.map(async (id) => (await e.runtime.getRun('w', id))?.statusLabel));
    assert.equal(statuses, ['running', 'running', 'queued', 'queued'], 'two ran at once, in order; the others wait');
    writeFileSync(go, '');
    for (const id of ids) await finish(e, 'w', id);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    assert.is(lines.filter((l) => l === 'start').length, 4);
    let active = 0;
    let peak = 0;
    for (const l of lines) {
      active += l === 'start' ? 1 : -1;
      peak = Math.max(peak, active);
    }
    assert.ok(peak <= 2, `at most two at once (peak ${peak})`);
  } finally {
    await e.close();
  }
});
s('singleton refuses a second start while running and an enqueue while queued; dequeue cancels', async ({ e }) => {
  e.writeDag('single', `steps:\n  - name: s\n    run: sleep 1\n`);
  const first = await e.runtime.start({ name: 'single' }, { singleton: true });
  const err = await rejects(e.runtime.start({ name: 'single' }, { singleton: true }), 'SINGLETON_RUNNING');
  assert.is(err.message, 'DAG single is already running (singleton mode)');
  await rejects(e.runtime.enqueue({ name: 'single' }, { singleton: true }), 'SINGLETON_RUNNING');
  const q = await e.runtime.enqueue({ name: 'single' });
  assert.is((await e.runtime.getRun('single', q.dagRunId))?.statusLabel, 'queued');
  await e.runtime.stop('single', first.dagRunId);
  await finish(e, 'single', first.dagRunId);
  // The queued one now runs; a third goes to the queue and is dequeued before it starts.
  await until(async () => (await e.runtime.getRun('single', q.dagRunId))?.statusLabel === 'running', 5000, 'dispatch');
  const third = await e.runtime.enqueue({ name: 'single' });
  await rejects(e.runtime.enqueue({ name: 'single' }, { singleton: true }), 'SINGLETON_RUNNING');
  await e.runtime.dequeue('single', third.dagRunId);
  const d3 = await finish(e, 'single', third.dagRunId);
  assert.is(d3.statusLabel, 'aborted');
  assert.is(d3.error, 'dequeued');
  await rejects(e.runtime.dequeue('single', third.dagRunId), 'NOT_QUEUED');
});

s('retry from a step with downstream keeps the other steps and adds an attempt', async ({ e }) => {
  const flag = join(e.dir, 'ok');
  e.writeDag(
    'rs',
    `steps:
  - name: prep
    run: echo prep-$(date +%s%N)
    output: PREP
  - name: build
    depends: prep
    run: test -e ${flag}
  - name: ship
    depends: build
    run: echo "ship \${PREP}"
  - name: side
    depends: prep
    run: echo side
`,
  );
  const { dagRunId } = await e.runtime.start({ name: 'rs' });
  const first = await finish(e, 'rs', dagRunId);
  assert.is(first.statusLabel, 'failed');
  await rejects(e.runtime.retry('rs', dagRunId, { includeDownstream: true }), 'INVALID_INPUT');
  await rejects(e.runtime.retry('rs', dagRunId, { stepName: 'nope' }), 'STEP_NOT_FOUND');
  readFileSync; // keep import used
  (await import('node:fs')).writeFileSync(flag, '');
  const r = await e.runtime.retry('rs', dagRunId, { stepName: 'build', includeDownstream: true });
  assert.is(r.attempt, 2);
  await rejects(e.runtime.retry('rs', dagRunId), 'RUN_ACTIVE');
  const second = await finish(e, 'rs', dagRunId);
  assert.is(second.statusLabel, 'succeeded');
  assert.is(second.attempt, 2);
  assert.is(second.history.length, 1, 'the first attempt stays readable');
  assert.is(second.history[0]!.statusLabel, 'failed');
  assert.equal(second.history[0]!.steps.find((x) => x.name === 'build'), { name: 'build', statusLabel: 'failed', exitCode: 1 });
  const prep1 = first.steps.find((x) => x.name === 'prep')!;
  const prep2 = second.steps.find((x) => x.name === 'prep')!;
  assert.equal(prep2.outputs, prep1.outputs, 'prep was not re-run');
  assert.is(prep2.startedAt, prep1.startedAt);
  assert.is(second.steps.find((x) => x.name === 'ship')!.statusLabel, 'succeeded');
  assert.is((await e.runtime.stepLog('rs', dagRunId, 'ship', 'stdout')).content, `ship ${prep1.outputs!.PREP}`);
  // prep ran in attempt 1 only; its log is still found.
  assert.is((await e.runtime.stepLog('rs', dagRunId, 'prep', 'stdout')).content, prep1.outputs!.PREP);
  assert.ok((await e.runtime.runLogs('rs', dagRunId)).stepLogs.find((x) => x.stepName === 'prep')!.hasStdout);
});

s('preconditions: an unmet step precondition skips the step; an unmet DAG precondition aborts the run', async ({ e }) => {
  e.writeDag(
    'pre',
    `params: "MODE=dry"
steps:
  - name: always
    run: echo yes
  - name: only-live
    run: echo live
    preconditions:
      - condition: "\${MODE}"
        expected: live
  - name: after-live
    depends: only-live
    run: echo after
  - name: regex
    run: echo ok
    preconditions:
      - eval: "\$(echo dry-run)"
        expected: "re:^dry"
  - name: cmd
    run: echo cmd
    preconditions: "test -d /"
`,
  );
  const { dagRunId } = await e.runtime.start({ name: 'pre' });
  const d = await finish(e, 'pre', dagRunId);
  const by = Object.fromEntries(d.steps.map((x) => [x.name, x.statusLabel]));
  assert.equal(by, { always: 'succeeded', 'only-live': 'skipped', 'after-live': 'not_started', regex: 'succeeded', cmd: 'succeeded' });
  const live = await e.runtime.start({ name: 'pre' }, { params: 'MODE=live' });
  assert.is((await finish(e, 'pre', live.dagRunId)).steps.find((x) => x.name === 'after-live')!.statusLabel, 'succeeded');

  e.writeDag('gated', `preconditions:\n  - condition: "test -e ${join(e.dir, 'nope')}"\nsteps:\n  - name: s\n    run: echo never\n`);
  const g = await e.runtime.start({ name: 'gated' });
  const gd = await finish(e, 'gated', g.dagRunId);
  assert.is(gd.statusLabel, 'aborted');
  assert.is(gd.error, 'preconditions not met');
  assert.is(gd.steps[0]!.statusLabel, 'not_started');
});

s('a run timeout stops running steps and fails the run (on the clock)', async () => {
  const clock = createSimulatedClock(Date.now());
  const e = await createTestEngine({ clock });
  try {
    e.writeDag('slowdag', `timeout_sec: 1\nsteps:\n  - name: a\n    run: sleep 30\n  - name: b\n    depends: a\n    run: echo b\n`);
    const { dagRunId } = await e.runtime.start({ name: 'slowdag' });
    await until(async () => (await e.runtime.getRun('slowdag', dagRunId))?.steps[0]?.statusLabel === 'running', 10_000, 'the step to run');
    await clock.advance(1000);
    const d = await finish(e, 'slowdag', dagRunId);
    assert.is(d.statusLabel, 'failed');
    assert.match(d.error ?? '', /timed out after 1s/);
    assert.is(d.steps[0]!.statusLabel, 'aborted');
    assert.is(d.steps[1]!.statusLabel, 'not_started');
  } finally {
    await e.close();
  }
});

s('bad input gets clear errors and creates nothing', async ({ e }) => {
  e.writeDag('ok', `steps:\n  - name: s\n    run: true\n`);
  await rejects(e.runtime.start({ name: 'missing' }), 'DAG_NOT_FOUND');
  await rejects(e.runtime.start({ name: '../etc/passwd' }), 'INVALID_INPUT');
  await rejects(e.runtime.start({ name: 'ok' }, { dagRunId: 'bad id!' }), 'INVALID_INPUT');
  await rejects(e.runtime.start({ name: 'ok' }, { params: '{"A": [1]}' }), 'INVALID_INPUT');
  await rejects(e.runtime.start({ spec: 'steps: [' }), 'INVALID_SPEC');
  const a = await e.runtime.start({ name: 'ok' }, { dagRunId: 'fixed-1' });
  await rejects(e.runtime.start({ name: 'ok' }, { dagRunId: 'fixed-1' }), 'RUN_EXISTS');
  await finish(e, 'ok', a.dagRunId);
  await rejects(e.runtime.stop('ok', 'nope'), 'RUN_NOT_FOUND');
  const list = await e.runtime.listRuns({});
  assert.is(list.items.length, 1);
});

s('inline specs run under their own name and are listed; latest resolves', async ({ e }) => {
  const { name, dagRunId } = await e.runtime.start({ spec: 'name: inl\nsteps:\n  - name: s\n    run: echo hi\n' });
  assert.is(name, 'inl');
  await finish(e, 'inl', dagRunId);
  assert.is((await e.runtime.getRun('inl', 'latest'))?.dagRunId, dagRunId);
  const listed = await e.runtime.listRuns({ name: 'inl', status: ['succeeded'] });
  assert.is(listed.items[0]?.dagRunId, dagRunId);
  assert.is((await e.runtime.listRuns({ status: ['failed'] })).items.length, 0);
});

s('events$: one ordered stream of lifecycle facts, transitions and command facts, all with the caller correlation id; a throwing subscriber breaks nothing', async ({ e }) => {
  e.writeDag('ev', `steps:\n  - name: s\n    run: true\n`);
  const seen: RuntimeEvent[] = [];
  e.runtime.events$.subscribe(() => {
    throw new Error('bad subscriber');
  });
  e.runtime.events$.subscribe((ev) => seen.push(ev));
  const { dagRunId } = await runWithContext({ source: 'rest', surface: 'rest_api', correlationId: 'corr-123' }, () => e.runtime.start({ name: 'ev' }));
  const d = await finish(e, 'ev', dagRunId);
  assert.is(d.statusLabel, 'succeeded');
  assert.is(d.correlationId, 'corr-123');
  const facts = seen.filter((x) => x.type !== 'transition').map((x) => (x.type === 'domain' ? x.action : x.type));
  assert.equal(facts, ['dag_execute', 'run.started', 'step.started', 'step.finished', 'run.finished']);
  for (const ev of seen) assert.is(ev.correlationId, 'corr-123');
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.seq > seen[i - 1]!.seq, 'seq increases');
  assert.is(e.runtime.lastSeq(), seen[seen.length - 1]!.seq);
  const runTransitions = seen.filter((x) => x.type === 'transition' && x.actorKind === 'run').map((x) => x.type === 'transition' && x.to);
  assert.is(runTransitions[runTransitions.length - 1], 'succeeded');
  assert.ok(seen.some((x) => x.type === 'transition' && x.actorKind === 'step' && x.to === 'succeeded'));
  // Every run and step transition is persisted, in order, with the same seq as on the stream.
  const page = await e.runtime.transitions('ev', dagRunId);
  const live = seen.filter((x) => x.type === 'transition').map((x) => x.seq);
  assert.equal(page.items.map((t) => t.seq), live);
  assert.ok(page.items.every((t) => t.correlationId === 'corr-123' && t.run.attempt === 1));
  assert.equal(page.items.filter((t) => t.actor === 's').map((t) => t.to).slice(-1), ['succeeded']);
  const after = await e.runtime.transitions('ev', dagRunId, { afterSeq: page.items[1]!.seq, limit: 2 });
  assert.equal(after.items.map((t) => t.seq), live.slice(2, 4));
  assert.is(after.nextAfterSeq, live[3]);
});

s('no process outlives its step: background children and setsid escapes are ended at the step end and on stop', async ({ e }) => {
  e.writeDag('bg', `steps:\n  - name: leaves\n    run: sleep 300 & setsid sleep 300 & true\n`);
  const a = await e.runtime.start({ name: 'bg' });
  assert.is((await finish(e, 'bg', a.dagRunId)).statusLabel, 'succeeded');
  assert.equal(findMarked({ scope: e.dataDir }), [], 'nothing of the ended step runs');
  e.writeDag('bgstop', `steps:\n  - name: holds\n    run: setsid sleep 300 & sleep 300\n`);
  const b = await e.runtime.start({ name: 'bgstop' });
  await until(() => findMarked({ scope: e.dataDir }).length >= 2, 10_000, 'the step processes');
  await e.runtime.stop('bgstop', b.dagRunId);
  assert.is((await finish(e, 'bgstop', b.dagRunId)).statusLabel, 'aborted');
  assert.equal(findMarked({ scope: e.dataDir }), [], 'nothing of the stopped step runs');
});

s.run();
