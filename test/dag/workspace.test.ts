import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadDag, workspaceOf } from '../../src/dag/index.ts';

const s = suite('workspaceOf');

s('the workspace label, else default', () => {
  assert.is(workspaceOf({ workspace: 'ops' }), 'ops');
  assert.is(workspaceOf({ team: 'x' }), 'default');
  assert.is(workspaceOf({ workspace: '  ' }), 'default');
  assert.is(workspaceOf({}), 'default');
});

s('works on labels loaded from YAML', () => {
  const { spec } = loadDag('labels: "workspace=data, nightly"\nsteps: [{run: echo}]\n', { defaultName: 'w' });
  assert.is(workspaceOf(spec!.labels), 'data');
});

s.run();
