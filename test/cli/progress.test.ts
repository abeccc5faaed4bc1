import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunDetails } from '../../src/actors/index.ts';
import type { StepProgress } from '../../src/cli/backend.ts';
import { stepChanges } from '../../src/cli/backend.ts';
import { liveReporter, lineReporter, orderBurst } from '../../src/cli/progress.ts';
import { captureIo } from './_io.ts';

const s = suite('cli/progress');
const p = (step: string, status: string, at: number, extra: Partial<StepProgress> = {}): StepProgress => ({ step, status, exitCode: status === 'succeeded' ? 0 : null, at, ...extra });

s('orderBurst: a finished step comes before the step its end let start, even when reported after it', () => {
  const burst = [p('join', 'running', 100), p('right', 'succeeded', 100), p('left', 'succeeded', 90)];
  assert.equal(orderBurst(burst).map((x) => `${x.step} ${x.status}`), ['left succeeded', 'right succeeded', 'join running']);
  // One step's own changes keep their order.
  assert.equal(orderBurst([p('a', 'running', 5), p('a', 'succeeded', 5)]).map((x) => x.status), ['running', 'succeeded']);
});

s('stepChanges: reports each new status once, ordered by the steps\' own times', () => {
  const d = {
    steps: [
      { name: 'join', statusLabel: 'running', exitCode: null, startedAt: '2026-01-01T00:00:02.000Z', finishedAt: null },
      { name: 'left', statusLabel: 'succeeded', exitCode: 0, startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:01.500Z', error: undefined },
      { name: 'later', statusLabel: 'not_started', exitCode: null, startedAt: null, finishedAt: null },
    ],
  } as unknown as RunDetails;
  const seen = new Map<string, string>();
  assert.equal(stepChanges(d, seen).map((x) => `${x.step} ${x.status}`), ['left succeeded', 'join running']);
  assert.equal(stepChanges(d, seen), [], 'nothing new');
});

s('lineReporter prints one ordered line per change, with human names and the failure reason', async () => {
  const io = captureIo();
  const r = lineReporter(io);
  r.step(p('b', 'running', 20));
  r.step(p('a', 'failed', 10, { exitCode: 1, startedAt: 0, finishedAt: 10, error: 'working directory does not exist: /x' }));
  r.step(p('c', 'partially_succeeded', 30));
  r.end();
  assert.equal(io.outLines, [
    `  ${'a'.padEnd(24)} failed exit=1 10ms (working directory does not exist: /x)`,
    `  ${'b'.padEnd(24)} running`,
    `  ${'c'.padEnd(24)} partially succeeded`,
  ]);
});

s('liveReporter redraws the block in place: cursor back over the rows, each row cleared and rewritten', () => {
  const writes: string[] = [];
  let now = 1000;
  const initial = { steps: [{ name: 'compose', statusLabel: 'not_started', exitCode: null }, { name: 'shout', statusLabel: 'not_started', exitCode: null }] } as unknown as RunDetails;
  const r = liveReporter({ write: (t) => void writes.push(t), columns: 60 }, initial, () => now);
  assert.match(writes[0]!, /^\x1b\[2K {2}○ compose\s+pending/);
  assert.not.match(writes[0]!, /\x1b\[\d+F/, 'nothing to move back over the first time');
  r.step(p('compose', 'running', 1000, { startedAt: 1000 }));
  now = 2500;
  r.step(p('compose', 'succeeded', 2500, { startedAt: 1000, finishedAt: 2500 }));
  r.step(p('shout', 'failed', 2600, { startedAt: 2500, finishedAt: 2600, exitCode: 4, error: 'boom' }));
  r.end();
  const last = writes[writes.length - 1]!;
  assert.ok(last.startsWith('\x1b[2F'), 'moves back over the two rows');
  const rows = last.split('\n').filter(Boolean).map((l) => l.replace(/\x1b\[\d*[A-Za-z]/g, ''));
  assert.match(rows[0]!, /^ {2}✓ compose\s+succeeded\s+1\.5s$/);
  assert.match(rows[1]!, /^ {2}✗ shout\s+failed\s+100ms exit=4 {2}boom$/);
  for (const row of rows) assert.ok(row.length <= 59, 'cut to the terminal width');
});

s.run();
