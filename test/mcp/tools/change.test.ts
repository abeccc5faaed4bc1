import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Ajv } from 'ajv';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { QUICK_DAG, startMcpServer } from '../../_support/mcp-server.ts';
import type { McpTestServer } from '../../_support/mcp-server.ts';

const s = suite('mcp/tools/change');
let srv: McpTestServer;
let client: Client;

type Result = { isError?: boolean; structuredContent?: Record<string, unknown>; content: Array<{ type: string; text?: string; uri?: string; name?: string }>; _meta?: Record<string, string> };
const change = async (args: unknown, c: Client = client) => (await c.callTool({ name: 'dagu_change', arguments: args as Record<string, unknown> })) as unknown as Result;
const file = (name: string) => join(srv.config.dagsDir, `${name}.yaml`);

s.before(async () => {
  srv = await startMcpServer();
  ({ client } = await srv.connect());
});
s.after(async () => {
  await srv.close();
});

s('schema: additionalProperties false, string properties, oneOf per type (case 28)', async () => {
  const tool = (await client.listTools()).tools.find((t) => t.name === 'dagu_change')!;
  const schema = tool.inputSchema as unknown as { additionalProperties: boolean; properties: Record<string, { type: string }>; oneOf: Array<{ required: string[] }> };
  assert.is(schema.additionalProperties, false);
  assert.ok(Object.values(schema.properties).every((p) => p.type === 'string'));
  assert.equal(schema.oneOf.map((b) => b.required), [['name', 'spec'], ['type', 'name', 'newName'], ['type', 'name']]);
  assert.equal(schema.oneOf.map((b) => (b as unknown as { properties: { type: { enum: string[] } } }).properties.type.enum), [['upsert_dag'], ['rename_dag'], ['delete_dag']]);
  // A real JSON Schema validator agrees with the branches: exactly one matches each valid call.
  const validate = new Ajv({ strict: false }).compile(tool.inputSchema);
  for (const ok of [{ name: 'a', spec: 's' }, { type: 'upsert_dag', name: 'a', spec: 's', mode: 'apply' }, { type: 'rename_dag', name: 'a', newName: 'b' }, { type: 'delete_dag', name: 'a' }]) {
    assert.ok(validate(ok), JSON.stringify(ok));
  }
  for (const bad of [{ name: 'a' }, { type: 'rename_dag', name: 'a' }, { type: 'delete_dag' }, { type: 'nope', name: 'a', spec: 's' }, { name: 'a', spec: 's', extra: 1 }, { name: 1, spec: 's' }]) {
    assert.not.ok(validate(bad), JSON.stringify(bad));
  }
  assert.is(tool.annotations?.destructiveHint, true);
  assert.is(tool.annotations?.openWorldHint, false);
});

s('preview validates and writes nothing; apply creates, then updates (case 26)', async () => {
  const spec = QUICK_DAG();
  const preview = await change({ name: 'made', spec });
  assert.is(preview.content[0]!.text, 'DAG spec is valid. Re-run with mode=apply to write it.');
  assert.is(preview.structuredContent!.applied, false);
  assert.not.ok(existsSync(file('made')));
  const first = await change({ name: 'made', spec, mode: 'apply' });
  assert.is(first.content[0]!.text, 'DAG change applied.');
  const sc = first.structuredContent!;
  assert.equal([sc.mode, sc.valid, sc.applied, sc.created, sc.updated, sc.errors], ['apply', true, true, true, false, []]);
  assert.ok(sc.dag);
  assert.is(readFileSync(file('made'), 'utf8'), spec);
  assert.is((await srv.engine.runtime.listRuns({ name: 'made' })).items.length, 0);
  const link = first.content.find((c) => c.type === 'resource_link')!;
  assert.equal([link.uri, link.name], ['dagu://dags/made/spec', 'dag_spec']);
  const second = await change({ name: 'made', spec, mode: 'apply' });
  assert.equal([second.structuredContent!.created, second.structuredContent!.updated], [false, true]);
});

s('invalid YAML on apply is a result, not an error, and leaves the file alone (case 26)', async () => {
  srv.writeDag('keep', QUICK_DAG());
  srv.writeDag('other', QUICK_DAG());
  const r = await change({ name: 'keep', spec: 'steps:\n  - name: [\n', mode: 'apply' });
  assert.not.ok(r.isError);
  assert.is(r.content[0]!.text, 'DAG spec is not valid; no changes were applied.');
  assert.is(r.structuredContent!.valid, false);
  assert.is(r.structuredContent!.applied, false);
  assert.ok((r.structuredContent!.errors as string[]).length > 0);
  assert.is(r.structuredContent!.created, undefined);
  assert.is(readFileSync(file('keep'), 'utf8'), QUICK_DAG());
  assert.is(readFileSync(file('other'), 'utf8'), QUICK_DAG());
});

s('errors: unsupported mode/type echo, viewer apply is unauthorized with echo (case 27)', async () => {
  const mode = await change({ name: 'x', spec: QUICK_DAG(), mode: 'write' });
  assert.equal([mode.isError, mode.structuredContent!.code, mode.structuredContent!.mode], [true, 'unsupported_change_mode', 'write']);
  const { client: viewer } = await srv.connect({ token: srv.keys.viewer });
  const ok = await change({ name: 'v', spec: QUICK_DAG() }, viewer);
  assert.not.ok(ok.isError);
  const denied = await change({ name: 'v', spec: QUICK_DAG(), mode: 'apply' }, viewer);
  assert.equal(
    [denied.structuredContent!.code, denied.structuredContent!.mode, denied.structuredContent!.type, denied.structuredContent!.dagName, denied.structuredContent!.dagUri],
    ['unauthorized', 'apply', 'upsert_dag', 'v', 'dagu://dags/v/spec'],
  );
  assert.not.ok(existsSync(file('v')));
  await srv.audit.flush();
  const page = await srv.audit.query({ correlation_id: denied._meta!['troupe/correlationId']! });
  assert.ok(page.entries.some((e) => e.action === 'mcp.tool_call.denied'));
});

s('rename and delete: preview keeps files, apply acts, conflicts and missing DAGs are codes (case 29)', async () => {
  srv.writeDag('old', QUICK_DAG());
  srv.writeDag('taken', QUICK_DAG());
  assert.is((await change({ type: 'rename_dag', name: 'old', newName: 'taken' })).structuredContent!.code, 'conflict');
  const preview = await change({ type: 'rename_dag', name: 'old', newName: 'fresh' });
  assert.is(preview.structuredContent!.applied, false);
  assert.ok(existsSync(file('old')));
  const applied = await change({ type: 'rename_dag', name: 'old', newName: 'fresh', mode: 'apply' });
  assert.is(applied.structuredContent!.applied, true);
  assert.is(applied.structuredContent!.newDagUri, 'dagu://dags/fresh/spec');
  assert.is(applied.structuredContent!.dagUri, undefined);
  assert.ok(existsSync(file('fresh')));
  assert.not.ok(existsSync(file('old')));
  const delPreview = await change({ type: 'delete_dag', name: 'fresh' });
  assert.is(delPreview.structuredContent!.applied, false);
  assert.ok(existsSync(file('fresh')));
  const del = await change({ type: 'delete_dag', name: 'fresh', mode: 'apply' });
  assert.is(del.content[0]!.text, 'DAG deletion applied.');
  assert.is(del.structuredContent!.dagUri, undefined);
  assert.not.ok(existsSync(file('fresh')));
  assert.is((await change({ type: 'delete_dag', name: 'fresh', mode: 'apply' })).structuredContent!.code, 'resource_not_found');
});

s('apply is refused when the audit trail cannot write (fail_closed)', async () => {
  srv.breakAudit(true);
  try {
    const r = await change({ name: 'blocked', spec: QUICK_DAG(), mode: 'apply' });
    assert.is(r.structuredContent!.code, 'resource_unavailable');
    assert.not.ok(existsSync(file('blocked')));
  } finally {
    srv.breakAudit(false);
  }
});

s.run();
