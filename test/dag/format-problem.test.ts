import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatProblem, loadDag } from '../../src/dag/index.ts';

const s = suite('formatProblem');

s('step problems read "line L:C: steps[i] "name" field: message (hint: ...)"', () => {
  assert.is(
    formatProblem({ message: 'unknown step "compile"', path: 'steps[1].depends', step: 'build', field: 'depends', line: 7, column: 5, hint: 'check the name' }),
    'line 7:5: steps[1] "build" depends: unknown step "compile" (hint: check the name)',
  );
});

s('nested step paths, map-form steps and handler steps', () => {
  assert.is(formatProblem({ message: 'm', path: 'steps[0].retry_policy.limit', step: 'a', line: 3, column: 9 }), 'line 3:9: steps[0] "a" retry_policy.limit: m');
  assert.is(formatProblem({ message: 'm', path: 'steps.build.run', step: 'build' }), 'steps.build "build" run: m');
  assert.is(formatProblem({ message: 'm', path: 'handler_on.failure', step: 'onFailure' }), 'handler_on.failure "onFailure": m');
  assert.is(formatProblem({ message: 'm', path: 'steps["my step"].env[0]', step: 'my step' }), 'steps["my step"] "my step" env[0]: m');
});

s('document and root problems', () => {
  assert.is(formatProblem({ message: 'YAML syntax error: x', path: '', line: 2, column: 1 }), 'line 2:1: YAML syntax error: x');
  assert.is(formatProblem({ message: 'the DAG file is empty', path: '' }), 'the DAG file is empty');
  assert.is(formatProblem({ message: 'm', path: 'schedule[1]', line: 4 }), 'line 4: schedule[1]: m');
});

s('real loader output formats to one line per problem', () => {
  const { problems } = loadDag('steps:\n  - name: build\n    run: make\n    depends: compile\n  - {name: lint, run: make lint, retry_policy: {limit: -1}}\n', { defaultName: 'f' });
  assert.equal(problems.map(formatProblem), [
    'line 4:14: steps[0] "build" depends: unknown step "compile" (hint: known steps: lint)',
    'line 5:56: steps[1] "lint" retry_policy.limit: must be zero or more, got -1',
  ]);
});

s.run();
