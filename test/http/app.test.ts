import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { request as httpRequest } from 'node:http';
import { QUICK_DAG, startTestServer } from '../_support/http-server.ts';
import type { TestServer } from '../_support/http-server.ts';

/** A raw request, so paths are sent exactly as written (fetch would normalise `..`). */
function raw(origin: string, method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const url = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const s = suite<{ server: TestServer; key: string }>('app', {} as never);
s.before(async (ctx) => {
  ctx.server = await startTestServer({
    mode: 'builtin',
    basePath: '/troupe',
    mcp: async () => new Response('mcp-ok'),
    configure: (c) => {
      c.maxBodyBytes = 2048;
      c.cors.allowedOrigins = ['https://ui.example'];
    },
  });
  ctx.key = (await ctx.server.auth.createApiKey({ name: 'admin', role: 'admin', allowedSurfaces: ['rest_api', 'mcp'] })).key;
  ctx.server.writeDag('hello', QUICK_DAG());
});
s.after(async ({ server }) => server.close());

s('base_path moves everything under /troupe', async ({ server, key }) => {
  assert.is(server.api, `${server.origin}/troupe/api/v1`);
  const health = await fetch(`${server.origin}/troupe/api/v1/health`);
  assert.equal([health.status, await health.json()], [200, { status: 'ok' }]);
  assert.is((await fetch(`${server.origin}/api/v1/health`)).status, 404);
  assert.is((await fetch(`${server.origin}/troupe/mcp`, { method: 'POST', headers: { authorization: `Bearer ${key}` } })).status, 200);
  assert.is((await fetch(`${server.origin}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${key}` } })).status, 404);
  const doc = await (await fetch(`${server.origin}/troupe/api/v1/openapi.json`)).json();
  assert.equal(doc.servers, [{ url: '/troupe/api/v1' }]);
});

s('request and correlation ids: generated, or taken from a valid header; invalid is 400', async ({ server, key }) => {
  const a = await server.call('GET', '/dags', { token: key });
  assert.match(a.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  assert.match(a.headers.get('x-correlation-id') ?? '', /^[0-9a-f-]{36}$/);
  const b = await server.call('GET', '/dags', { token: key, headers: { 'x-correlation-id': 'my-trace:42' } });
  assert.is(b.headers.get('x-correlation-id'), 'my-trace:42');
  const c = await server.call('GET', '/dags', { token: key, headers: { 'x-correlation-id': 'has spaces!' } });
  assert.is(c.status, 400);
  // The id reaches domain audit entries produced by the runtime.
  // X-Forwarded-For is ignored unless trust_proxy is set.
  await server.call('POST', '/dags/hello/start', { token: key, headers: { 'x-correlation-id': 'trace-start', 'x-forwarded-for': '203.0.113.9' } });
  await server.audit.flush();
  const { entries } = await server.audit.query({ correlation_id: 'trace-start', action: 'dag_execute' });
  assert.is(entries.length, 1);
  assert.is(entries[0]!.source, 'rest');
  assert.is(entries[0]!.surface, 'rest_api');
  assert.is(entries[0]!.credential_type, 'api_key');
  assert.is(entries[0]!.ip_address, '127.0.0.1');
});

s('CORS: only allow-listed origins get headers; preflights answered; Vary: Origin', async ({ server }) => {
  const ok = await fetch(`${server.api}/health`, { headers: { origin: 'https://ui.example' } });
  assert.is(ok.headers.get('access-control-allow-origin'), 'https://ui.example');
  assert.match(ok.headers.get('vary') ?? '', /Origin/);
  const evil = await fetch(`${server.api}/health`, { headers: { origin: 'https://evil.example' } });
  assert.is(evil.headers.get('access-control-allow-origin'), null);
  const pre = await fetch(`${server.api}/dags`, { method: 'OPTIONS', headers: { origin: 'https://ui.example', 'access-control-request-method': 'POST' } });
  assert.is(pre.status, 204);
  assert.match(pre.headers.get('access-control-allow-headers') ?? '', /Authorization/);
  const badPre = await fetch(`${server.api}/dags`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
  assert.is(badPre.status, 403);
});

s('no CORS headers at all when no origins are configured', async () => {
  const server = await startTestServer({ mode: 'none' });
  try {
    const res = await fetch(`${server.api}/health`, { headers: { origin: 'https://ui.example' } });
    assert.is(res.headers.get('access-control-allow-origin'), null);
  } finally {
    await server.close();
  }
});

s('with trust_proxy the first X-Forwarded-For entry is the client IP', async () => {
  const server = await startTestServer({ mode: 'none', configure: (c) => void (c.trustProxy = true) });
  try {
    server.writeDag('hello', QUICK_DAG());
    await server.call('POST', '/dags/hello/start', { headers: { 'x-correlation-id': 'xff', 'x-forwarded-for': '203.0.113.9, 10.0.0.1' } });
    await server.audit.flush();
    const { entries } = await server.audit.query({ correlation_id: 'xff', action: 'dag_execute' });
    assert.is(entries[0]?.ip_address, '203.0.113.9');
  } finally {
    await server.close();
  }
});

/** Malformed requests, each with the status it must get and the error code. */
const MALFORMED: Array<[string, string, string, Record<string, string>, string | undefined, number, string]> = [
  ['bad JSON', 'POST', '/dags', { 'content-type': 'application/json' }, '{"name": "x",', 400, 'bad_request'],
  ['JSON array body', 'POST', '/dags', { 'content-type': 'application/json' }, '["x"]', 400, 'bad_request'],
  ['JSON string body', 'POST', '/dags', { 'content-type': 'application/json' }, '"x"', 400, 'bad_request'],
  ['wrong media type', 'POST', '/dags', { 'content-type': 'text/plain' }, 'name=x', 415, 'unsupported_media_type'],
  ['oversized body (declared)', 'POST', '/dags', { 'content-type': 'application/json' }, JSON.stringify({ name: 'big', spec: 'x'.repeat(5000) }), 413, 'payload_too_large'],
  ['oversized body (chunked)', 'POST', '/dags', { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, JSON.stringify({ name: 'big', spec: 'y'.repeat(5000) }), 413, 'payload_too_large'],
  ['name missing', 'POST', '/dags', { 'content-type': 'application/json' }, '{"spec":"steps: []"}', 400, 'bad_request'],
  ['name wrong type', 'POST', '/dags', { 'content-type': 'application/json' }, '{"name":42,"spec":"x"}', 400, 'bad_request'],
  ['spec wrong type', 'POST', '/dags', { 'content-type': 'application/json' }, '{"name":"ok","spec":["x"]}', 400, 'bad_request'],
  ['name with traversal in body', 'POST', '/dags', { 'content-type': 'application/json' }, '{"name":"../../etc/passwd","spec":"x"}', 400, 'bad_request'],
  ['encoded traversal in path', 'GET', '/dags/..%2F..%2Fetc%2Fpasswd/spec', {}, undefined, 400, 'bad_request'],
  // WHATWG URL parsing folds %2E%2E into a dot segment, so this never reaches a DAG route.
  ['dot-dot name in path', 'GET', '/dags/%2E%2E/spec', {}, undefined, 404, 'not_found'],
  ['raw dot-dot in path', 'GET', '/dags/../../../etc/passwd', {}, undefined, 404, 'not_found'],
  ['too long DAG name', 'GET', `/dags/${'a'.repeat(41)}/spec`, {}, undefined, 400, 'bad_request'],
  ['bad percent-encoding', 'GET', '/dags/%E0%A4%A/spec', {}, undefined, 400, 'bad_request'],
  ['bad run id', 'GET', '/dag-runs/hello/bad!id', {}, undefined, 400, 'bad_request'],
  ['too long run id', 'GET', `/dag-runs/hello/${'r'.repeat(65)}`, {}, undefined, 400, 'bad_request'],
  ['latest not allowed for stop', 'POST', '/dag-runs/hello/latest/stop', {}, undefined, 400, 'bad_request'],
  ['singleton wrong type', 'POST', '/dags/hello/start', { 'content-type': 'application/json' }, '{"singleton":"yes"}', 400, 'bad_request'],
  ['params wrong type', 'POST', '/dags/hello/start', { 'content-type': 'application/json' }, '{"params":[1,2]}', 400, 'bad_request'],
  ['dagRunId invalid in body', 'POST', '/dags/hello/start', { 'content-type': 'application/json' }, '{"dagRunId":"no spaces allowed"}', 400, 'bad_request'],
  ['includeDownstream wrong type', 'POST', '/dag-runs/hello/abc/retry', { 'content-type': 'application/json' }, '{"includeDownstream":1}', 400, 'bad_request'],
  ['newName missing', 'POST', '/dags/hello/rename', { 'content-type': 'application/json' }, '{}', 400, 'bad_request'],
  ['audit limit not a number', 'GET', '/audit?limit=lots', {}, undefined, 400, 'bad_request'],
  ['audit startTime not a date', 'GET', '/audit?startTime=tuesday', {}, undefined, 400, 'bad_request'],
  ['dags page zero', 'GET', '/dags?page=0', {}, undefined, 400, 'bad_request'],
  ['api key surfaces not an array', 'POST', '/api-keys', { 'content-type': 'application/json' }, '{"name":"k","role":"viewer","allowedSurfaces":"mcp"}', 400, 'bad_request'],
  ['api key unknown surface', 'POST', '/api-keys', { 'content-type': 'application/json' }, '{"name":"k","role":"viewer","allowedSurfaces":["web"]}', 400, 'bad_request'],
  ['api key unknown role', 'POST', '/api-keys', { 'content-type': 'application/json' }, '{"name":"k","role":"root","allowedSurfaces":["mcp"]}', 400, 'bad_request'],
  ['unknown route', 'GET', '/nothing-here', {}, undefined, 404, 'not_found'],
  ['unknown method on a route', 'PATCH', '/dags', {}, undefined, 404, 'not_found'],
];

s(`at least 20 malformed requests each get a clear 4xx (${MALFORMED.length})`, async ({ server, key }) => {
  assert.ok(MALFORMED.length >= 20);
  for (const [label, method, path, headers, body, status, code] of MALFORMED) {
    const res = await raw(server.origin, method, `/troupe/api/v1${path}`, { authorization: `Bearer ${key}`, ...headers }, body);
    assert.is(res.status, status, `${label}: ${res.body}`);
    const parsed = JSON.parse(res.body) as { code: string; message: string };
    assert.is(parsed.code, code, label);
    assert.ok(parsed.message.length > 0, label);
    assert.not.match(res.body, /at \w+ \(|node_modules/, `${label} leaks a stack`);
  }
  // Nothing was written by any of them.
  const list = await (await server.call('GET', '/dags', { token: key })).json();
  assert.equal(list.dags.map((d: { name: string }) => d.name), ['hello']);
});

s('field errors name the field', async ({ server, key }) => {
  const res = await server.call('POST', '/dags/hello/start', { token: key, body: { singleton: 'yes' } });
  assert.equal(await res.json(), { code: 'bad_request', message: 'singleton must be a boolean' });
});

s.run();
