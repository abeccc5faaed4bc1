import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer } from '../_support/http-server.ts';

const s = suite('openapi');

s('every registered REST route is described, and nothing else is', async () => {
  const server = await startTestServer({ mode: 'none', basePath: '/b', mcp: async () => new Response('') });
  try {
    const doc = await (await fetch(`${server.api}/openapi.json`)).json();
    assert.is(doc.openapi, '3.1.0');
    const prefix = '/b/api/v1';
    const registered = (server.app as unknown as { '~routes': Array<{ method?: string; route?: string }> })['~routes']
      .filter((r) => r.route?.startsWith(prefix))
      .map((r) => `${(r.method || 'ALL').toLowerCase()} ${r.route!.slice(prefix.length).replace(/:(\w+)/g, '{$1}')}`)
      .sort();
    assert.ok(registered.length >= 25, `${registered.length} routes`);
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`))
      .sort();
    assert.equal(documented, registered);
    // Each operation has an id, a summary, responses, and the path parameters it uses.
    const ids = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, { operationId: string; summary: string; responses: object; parameters?: Array<{ name: string; in: string }> }>>)) {
      for (const op of Object.values(ops)) {
        assert.ok(op.operationId && op.summary && Object.keys(op.responses).length > 0, path);
        assert.not.ok(ids.has(op.operationId), `duplicate ${op.operationId}`);
        ids.add(op.operationId);
        const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
        const declared = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name).sort();
        assert.equal(declared, inPath, `${op.operationId} path params`);
      }
    }
    // Every $ref resolves.
    const refs = JSON.stringify(doc).match(/#\/components\/schemas\/\w+/g) ?? [];
    for (const ref of new Set(refs)) assert.ok(doc.components.schemas[ref.split('/').pop()!], ref);
  } finally {
    await server.close();
  }
});

s.run();
