import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { dagSpecUri, formatDaguUri, parseDaguUri, runLogsUri, runUri, stepLogUri, uriAuditResource } from '../../src/mcp/uris.ts';

const s = suite('mcp/uris');

s('formats one percent-encoded segment per name or id (Dagu case 19)', () => {
  assert.is(runLogsUri('demo dag', 'run/1', 'node=step%201&tail=true'), 'dagu://runs/demo%20dag/run%2F1/logs?node=step%201&tail=true');
  assert.is(stepLogUri('demo dag', 'run/1', 'build/output'), 'dagu://runs/demo%20dag/run%2F1/steps/build%2Foutput/logs');
  assert.is(dagSpecUri('mcp.read-contract'), 'dagu://dags/mcp.read-contract/spec');
  assert.is(runUri('a', 'b'), 'dagu://runs/a/b');
});

s('parses every supported shape and round-trips through format', () => {
  const table: Array<[string, string]> = [
    ['dagu://reference', 'references'],
    ['dagu://reference/tools', 'reference'],
    ['dagu://dags', 'dags'],
    ['dagu://dags?page=1', 'dags'],
    ['dagu://dags/x/spec', 'dag_spec'],
    ['dagu://runs', 'runs'],
    ['dagu://runs/x/r1', 'run'],
    ['dagu://runs/x/r1/logs?tail=5', 'run_logs'],
    ['dagu://runs/demo%20dag/run%2F1/steps/build%2Foutput/logs', 'step_log'],
  ];
  for (const [raw, kind] of table) {
    const p = parseDaguUri(raw);
    assert.ok(p.ok, raw);
    if (p.ok) {
      assert.is(p.uri.kind, kind, raw);
      assert.is(formatDaguUri(p.uri), raw);
    }
  }
  const step = parseDaguUri('dagu://runs/demo%20dag/run%2F1/steps/build%2Foutput/logs');
  assert.equal(step.ok && step.uri, { kind: 'step_log', name: 'demo dag', dagRunId: 'run/1', stepName: 'build/output' });
});

s('rejects malformed URIs as invalid_resource_uri and unknown hosts as unsupported_resource (case 21)', () => {
  for (const raw of ['https://example.com/reference/tools', 'dagu://dags/name/details', '://not-a-uri', 'dagu://dags/%zz/spec', 'dagu://reference/tools?x=1', 'dagu://runs/a/b/steps/s/logs?tail=100', 'dagu://runs/a//logs', 'dagu://reference#frag']) {
    const p = parseDaguUri(raw);
    assert.ok(!p.ok && p.problem.code === 'invalid_resource_uri', raw);
  }
  const q = parseDaguUri('dagu://queues');
  assert.ok(!q.ok && q.problem.code === 'unsupported_resource');
});

s('names audit resources after the URI (Dagu case 10)', () => {
  assert.equal(uriAuditResource('dagu://runs/nightly/run-1/steps/build/logs'), { resource_type: 'dag_run_step_log', resource_id: 'nightly/run-1/build' });
  assert.equal(uriAuditResource('dagu://runs/nightly/run-1'), { resource_type: 'dag_run', resource_id: 'nightly/run-1' });
  assert.equal(uriAuditResource('dagu://reference/tools'), { resource_type: 'reference', resource_id: 'tools' });
});

s.run();
