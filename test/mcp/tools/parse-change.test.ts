import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseChangeInput } from '../../../src/mcp/tools/parse-change.ts';
import { isToolFailure } from '../../../src/mcp/tool-failure.ts';

const s = suite('mcp/tools/parse-change');
const SPEC = 'steps:\n  - name: a\n    run: echo a\n';

function failure(args: unknown): Record<string, unknown> {
  try {
    parseChangeInput(args);
  } catch (e) {
    if (isToolFailure(e)) return e.toObject();
    throw e;
  }
  throw new Error(`expected a failure for ${JSON.stringify(args)}`);
}

s('defaults to preview upsert and keeps spec byte for byte', () => {
  const spec = '  \n' + SPEC + '\n\n';
  assert.equal(parseChangeInput({ name: ' demo ', spec }), { mode: 'preview', type: 'upsert_dag', name: 'demo', spec });
  assert.equal(parseChangeInput({ name: 'demo', spec: SPEC, mode: null, type: null }).mode, 'preview');
});

s('input errors name the field (case 27)', () => {
  for (const args of [[], 'x', 5, null]) assert.is(failure(args).code, 'invalid_tool_input');
  assert.is(failure({ name: 'a', spec: SPEC, extra: 1 }).field, 'extra');
  for (const f of ['mode', 'type', 'name', 'spec', 'newName']) {
    const f1 = failure({ name: 'a', spec: SPEC, [f]: 7 });
    assert.is(f1.code, 'invalid_tool_input');
    assert.is(f1.field, f);
  }
  for (const name of [undefined, null, '', '   ']) assert.is(failure({ name, spec: SPEC }).field, 'name');
  for (const spec of [undefined, null, '', '  \n ']) assert.is(failure({ name: 'a', spec }).field, 'spec');
  assert.is(failure({ name: 'bad name', spec: SPEC }).field, 'name');
});

s('unsupported mode and type echo what was sent (case 27)', () => {
  for (const mode of ['write', 'PREVIEW']) {
    const f = failure({ name: 'a', spec: SPEC, mode });
    assert.is(f.code, 'unsupported_change_mode');
    assert.is(f.mode, mode);
  }
  const t = failure({ name: 'a', spec: SPEC, type: 'UPSERT_DAG' });
  assert.is(t.code, 'unsupported_change_type');
  assert.is(t.type, 'UPSERT_DAG');
  assert.is(t.dagName, 'a');
  assert.is(t.dagUri, 'dagu://dags/a/spec');
  assert.is(failure({ name: 'a', type: 'upsert_wiki_page' }).code, 'unsupported_change_type');
});

s('rename and delete validate names and refuse foreign fields', () => {
  assert.equal(parseChangeInput({ type: 'rename_dag', name: 'a', newName: 'b', mode: 'apply' }), { mode: 'apply', type: 'rename_dag', name: 'a', newName: 'b' });
  assert.equal(parseChangeInput({ type: 'delete_dag', name: 'a' }), { mode: 'preview', type: 'delete_dag', name: 'a' });
  assert.is(failure({ type: 'rename_dag', name: 'a' }).field, 'newName');
  assert.is(failure({ type: 'rename_dag', name: 'a', newName: 'a' }).field, 'newName');
  assert.is(failure({ type: 'rename_dag', name: 'a', newName: '..' }).field, 'newName');
  assert.is(failure({ type: 'rename_dag', name: 'a', newName: 'b', spec: SPEC }).field, 'spec');
  assert.is(failure({ type: 'delete_dag', name: 'a', newName: 'b' }).field, 'newName');
  assert.is(failure({ name: 'a', spec: SPEC, newName: 'b' }).field, 'newName');
});

s.run();
