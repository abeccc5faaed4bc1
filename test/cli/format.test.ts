import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { outcomeLines, runText } from '../../src/cli/format.ts';
import type { RunDetails } from '../../src/actors/index.ts';

const s = suite('cli/format');

const base: RunDetails = {
  name: 'kid',
  dagRunId: 'c1',
  status: 4,
  statusLabel: 'succeeded',
  attempt: 1,
  params: {},
  queuedAt: null,
  startedAt: null,
  finishedAt: null,
  steps: [],
  queue: 'kid',
  workspace: 'default',
  trigger: 'subdag',
  correlationId: 'x',
  history: [],
};

s('run text shows a sub-DAG run\'s parent and root, a step\'s child runs and repeats', () => {
  const child = runText({ ...base, parentDAGRunName: 'mid', parentDAGRunId: 'm1', parentStepName: 'call', rootDAGRunName: 'top', rootDAGRunId: 't1' });
  assert.match(child, /\n  parent:   mid m1 \(step call\)\n  root:     top t1\n/);
  const parent = runText({
    ...base,
    steps: [{ name: 'fan', status: 4, statusLabel: 'succeeded', exitCode: 0, startedAt: null, finishedAt: null, retryCount: 0, repeatCount: 2, subRuns: Array.from({ length: 12 }, (_, i) => ({ name: 'item', dagRunId: `i${i}` })) }],
  });
  assert.match(parent, /fan +succeeded +exit=0 repeats=2/);
  assert.match(parent, /\n      -> item i0\n/);
  assert.match(parent, /-> … and 2 more/);
  assert.not.match(parent, /i10/);
  assert.not.match(runText(base), /parent:|root:/);
});

s('run text and the closing lines say when handler_on.failure was skipped for a pending automatic retry', () => {
  const reason = 'an automatic retry is pending (retry_policy: retry 1 of 2); the final attempt runs it';
  const failed: RunDetails = { ...base, status: 2, statusLabel: 'failed', trigger: 'manual', skippedHandler: { handler: 'failure', reason } };
  assert.match(runText(failed), `\n  handlers: handler_on.failure skipped: ${reason}\n`);
  assert.ok(outcomeLines(failed).includes(`  handler_on.failure skipped: ${reason}`));
  const retried: RunDetails = { ...failed, attempt: 2, history: [{ attempt: 1, status: 2, statusLabel: 'failed', trigger: 'manual', startedAt: null, finishedAt: null, skippedHandler: { handler: 'failure', reason }, steps: [] }] };
  delete retried.skippedHandler;
  assert.match(runText(retried), /#1 failed .* \[handler_on\.failure skipped\]/);
  assert.not.match(runText(retried), /handlers:/);
  assert.not.match(runText(base), /skipped/);
});

s.run();
