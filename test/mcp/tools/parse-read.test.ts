import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseReadInput } from '../../../src/mcp/tools/parse-read.ts';
import { isToolFailure } from '../../../src/mcp/tool-failure.ts';

const s = suite('mcp/tools/parse-read');

function failure(args: unknown): Record<string, unknown> {
  try {
    parseReadInput(args);
  } catch (e) {
    if (isToolFailure(e)) return e.toObject();
    throw e;
  }
  throw new Error(`expected a failure for ${JSON.stringify(args)}`);
}

s('input errors carry Dagu codes and fields (case 20)', () => {
  const none = failure({});
  assert.is(none.code, 'invalid_tool_input');
  assert.is(none.field, undefined);
  assert.is(failure({ target: 'reference', extra: 'value' }).field, 'extra');
  assert.is(failure({ target: 123 }).field, 'target');
  assert.is(failure({ target: '   ' }).field, 'target');
  const bad = failure({ target: 'Reference' });
  assert.is(bad.code, 'unsupported_read_target');
  assert.is(bad.target, 'Reference');
  assert.is(failure({ target: 'dag_spec' }).field, 'name');
  assert.is(failure({ target: 'run', name: 'x' }).field, 'dagRunId');
  assert.is(failure([]).code, 'invalid_tool_input');
  assert.is(failure('reference').code, 'invalid_tool_input');
  assert.is(failure({ target: 'step_log', name: 'a', dagRunId: 'b' }).field, 'stepName');
  assert.is(failure({ target: 'dag', name: 'a', dagRunId: 'b' }).field, 'dagRunId');
  const mixed = failure({ uri: 'dagu://reference/tools', target: 'reference' });
  assert.is(mixed.code, 'invalid_tool_input');
  assert.equal((mixed.details as { fields: string[] }).fields, ['target']);
  assert.is(mixed.field, 'target');
  assert.is(failure({ uri: 'dagu://runs/a/b', dagRunId: 'b' }).field, 'dagRunId');
  assert.is(failure({ uri: 'dagu://runs', query: 'limit=1', name: 'x' }).field, 'name');
  assert.is(failure({ target: 'runs', query: 'name=%zz' }).field, 'query');
  assert.is(failure({ target: 'runs', query: 'name=%' }).field, 'query');
  assert.is(failure({ uri: 'dagu://runs?name=%C3%28' }).code, 'invalid_resource_uri');
});

s('URI errors echo the uri (case 21)', () => {
  for (const uri of ['https://example.com/reference/tools', 'dagu://dags/name/details', '://not-a-uri', 'dagu://dags/%zz/spec', 'dagu://dags?unknown=1', 'dagu://runs?name=']) {
    const f = failure({ uri });
    assert.is(f.code, 'invalid_resource_uri', uri);
    assert.is(f.uri, uri);
  }
  assert.is(failure({ uri: 'dagu://queues' }).code, 'unsupported_resource');
});

s('query validation rejects each bad parameter with field query (case 23)', () => {
  const dags = ['page=0', 'page=x', 'perPage=0', 'perPage=1001', 'labels=alpha,,beta', 'sort=createdAt', 'order=sideways', 'name=a&name=b', 'active=1', 'active=TRUE', '?page=1', 'workspace=x'];
  for (const query of dags) {
    const f = failure({ target: 'dags', query });
    assert.is(f.code, 'invalid_tool_input', query);
    assert.is(f.field, 'query', query);
    assert.is(failure({ uri: `dagu://dags?${query.replace(/^\?/, '')}x` }).code, 'invalid_resource_uri');
  }
  for (const query of ['dagRunId=', 'status=-1', 'status=9', 'status=x', 'fromDate=x', 'limit=0', 'limit=501', 'cursor=']) {
    assert.is(failure({ target: 'runs', query }).field, 'query', query);
    assert.is(failure({ uri: `dagu://runs?${query}` }).code, 'invalid_resource_uri', query);
  }
  for (const query of ['tail=0', 'tail=x', 'head=1', 'offset=1', 'limit=100', 'tail=1&tail=2']) {
    assert.is(failure({ target: 'run_logs', name: 'a', dagRunId: 'b', query }).field, 'query', query);
  }
  assert.is(failure({ target: 'run', name: 'a', dagRunId: 'b', query: 'tail=1' }).field, 'query');
});

s('valid queries pass, repeated status is allowed, blank query is absent', () => {
  assert.equal(parseReadInput({ target: 'dags', query: '   ' }).query, '');
  const r = parseReadInput({ target: 'runs', query: 'status=1&status=4&limit=10&fromDate=-5' });
  assert.equal(r.params.get('status'), ['1', '4']);
  assert.is(parseReadInput({ target: 'dags', query: 'active=true&sort=nextRun&order=desc&page=2&perPage=1000' }).target, 'dags');
  const logs = parseReadInput({ target: 'run_logs', name: 'a', dagRunId: 'b', query: 'tail=20' });
  assert.is(logs.uri, 'dagu://runs/a/b/logs?tail=20');
});

s('null is absent and values are trimmed (case 24)', () => {
  const ref = parseReadInput({ target: 'reference', name: null });
  assert.is(ref.name, 'authoring');
  assert.is(ref.uri, 'dagu://reference/authoring');
  const trimmed = parseReadInput({ uri: ' dagu://reference/tools ' });
  assert.is(trimmed.uri, 'dagu://reference/tools');
  assert.is(trimmed.mode, 'uri');
  assert.is(parseReadInput({ uri: 'dagu://reference/tools', target: null }).target, 'reference');
  assert.is(parseReadInput({ target: 'dags', name: null, dagRunId: null, query: null }).target, 'dags');
  const run = parseReadInput({ target: 'run', name: ' demo dag ', dagRunId: ' run/1 ' });
  assert.is(run.uri, 'dagu://runs/demo%20dag/run%2F1');
  assert.is(parseReadInput({ target: 'dag_spec', name: 'mcp.read-contract' }).uri, 'dagu://dags/mcp.read-contract/spec');
  assert.is(parseReadInput({ target: 'dag', name: 'x' }).uri, undefined);
  assert.is(parseReadInput({ target: 'dags' }).uri, undefined);
  assert.is(parseReadInput({ uri: 'dagu://dags?page=2' }).uri, 'dagu://dags?page=2');
});

s.run();
