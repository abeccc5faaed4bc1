import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { paramKeys, parseExecuteInput } from '../../../src/mcp/tools/parse-execute.ts';
import { isToolFailure } from '../../../src/mcp/tool-failure.ts';

const s = suite('mcp/tools/parse-execute');

function failure(args: unknown): Record<string, unknown> {
  try {
    parseExecuteInput(args);
  } catch (e) {
    if (isToolFailure(e)) return e.toObject();
    throw e;
  }
  throw new Error(`expected a failure for ${JSON.stringify(args)}`);
}

s('derives targetType from action and spec', () => {
  assert.is(parseExecuteInput({ action: 'start', name: 'a' }).targetType, 'dag');
  assert.is(parseExecuteInput({ action: 'enqueue', spec: 'steps: []' }).targetType, 'inline_spec');
  assert.is(parseExecuteInput({ action: 'retry', name: 'a', dagRunId: 'r1' }).targetType, 'run');
  assert.is(parseExecuteInput({ action: ' stop ', name: 'a', dagRunId: 'r1' }).action, 'stop');
  const w = parseExecuteInput({ action: 'start', name: 'a', wait: true });
  assert.is(w.wait, true);
  assert.is(w.timeoutSec, 60);
  assert.equal(parseExecuteInput({ action: 'start', name: 'a', labels: [' k=v ', 'x'], singleton: true, params: '{"A":"1"}' }).labels, ['k=v', 'x']);
});

s('rejects bad input with Dagu messages', () => {
  const missing = failure({});
  assert.is(missing.message, 'action is required');
  assert.is(missing.field, 'action');
  const bad = failure({ action: 'launch' });
  assert.is(bad.code, 'unsupported_execute_action');
  assert.is(bad.message, 'unsupported execute action "launch"');
  assert.is(failure({ action: 'start', targetType: 'run', name: 'a' }).code, 'unsupported_target_type');
  assert.is(failure({ action: 'start' }).message, 'name is required');
  assert.is(failure({ action: 'start', targetType: 'inline_spec' }).message, 'spec is required for inline_spec target');
  assert.is(failure({ action: 'retry', name: 'a' }).message, 'dagRunId is required');
  const down = failure({ action: 'retry', name: 'a', dagRunId: 'r', includeDownstream: true });
  assert.is(down.message, 'includeDownstream requires stepName');
  assert.is(failure({ action: 'start', name: 'a', dagRunId: 'bad id' }).field, 'dagRunId');
  assert.is(failure({ action: 'start', name: 'a', singleton: 'yes' }).field, 'singleton');
  assert.is(failure({ action: 'start', name: 'a', labels: 'x' }).field, 'labels');
  assert.is(failure({ action: 'start', name: 'a', queue: 'q' }).field, 'queue');
  assert.is(failure({ action: 'stop', name: 'a', dagRunId: 'r', stepName: 's' }).field, 'stepName');
  assert.is(failure({ action: 'start', name: 'a', timeoutSec: 5 }).field, 'timeoutSec');
  assert.is(failure({ action: 'start', name: 'a', wait: true, timeoutSec: 0 }).field, 'timeoutSec');
  assert.is(failure({ action: 'start', name: 'a', params: '{oops' }).field, 'params');
  assert.is(failure({ action: 'start', name: 'a', other: 1 }).field, 'other');
});

s('paramKeys lists names only', () => {
  assert.equal(paramKeys('{"B":"secret","A":"x"}'), ['A', 'B']);
  assert.equal(paramKeys('X=1 Y="two words"'), ['X', 'Y']);
  assert.equal(paramKeys(undefined), []);
});

s.run();
