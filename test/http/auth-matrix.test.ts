import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { currentContext } from '../../src/core/index.ts';
import { QUICK_DAG, startTestServer } from '../_support/http-server.ts';
import type { TestServer } from '../_support/http-server.ts';

/**
 * The authentication matrix: mode × credential × surface × role × operation → HTTP status and
 * the audit entry written (or none). Each row sends its own X-Correlation-Id and then reads the
 * real audit trail by that id.
 */

type Mode = 'none' | 'basic' | 'builtin';
type Cred = 'nothing' | 'bad_key' | 'bad_session' | 'basic_ok' | 'basic_bad' | 'session_viewer' | 'session_manager' | `key_${string}`;
type Op = 'list' | 'start' | 'create' | 'audit' | 'keys' | 'mcp' | 'mcp_query';

interface Row {
  mode: Mode;
  cred: Cred;
  op: Op;
  status: number;
  /** [action, denial_reason] of the denial entry, or null when none may be written. */
  audit: [string, string] | null;
}

const R = (mode: Mode, cred: Cred, op: Op, status: number, audit: Row['audit'] = null): Row => ({ mode, cred, op, status, audit });
const KD = 'api_key_request_denied';
const AD = 'auth_request_denied';
const MD = 'mcp.request.denied';

const ROWS: Row[] = [
  // builtin: API keys by role and surface
  R('builtin', 'nothing', 'list', 401, [AD, 'missing_credentials']),
  R('builtin', 'bad_key', 'list', 401, [KD, 'auth_failed']),
  R('builtin', 'bad_session', 'list', 401, [AD, 'auth_failed']),
  R('builtin', 'basic_ok', 'list', 401, [AD, 'auth_failed']),
  R('builtin', 'key_mcp_viewer', 'list', 403, [KD, 'api_key_surface_denied']),
  R('builtin', 'key_rest_viewer', 'list', 200),
  R('builtin', 'key_rest_viewer', 'start', 403, [KD, 'insufficient_permissions']),
  R('builtin', 'key_rest_operator', 'start', 200),
  R('builtin', 'key_rest_operator', 'create', 403, [KD, 'insufficient_permissions']),
  R('builtin', 'key_rest_developer', 'create', 201),
  R('builtin', 'key_rest_developer', 'audit', 403, [KD, 'insufficient_permissions']),
  R('builtin', 'key_rest_manager', 'audit', 200),
  R('builtin', 'key_rest_manager', 'keys', 403, [KD, 'insufficient_permissions']),
  R('builtin', 'key_rest_admin', 'keys', 200),
  R('builtin', 'key_both_operator', 'start', 200),
  R('builtin', 'session_viewer', 'list', 200),
  R('builtin', 'session_viewer', 'start', 403, [AD, 'insufficient_permissions']),
  R('builtin', 'session_manager', 'audit', 200),
  // builtin: the /mcp surface
  R('builtin', 'nothing', 'mcp', 401, [MD, 'missing_credentials']),
  R('builtin', 'bad_key', 'mcp', 401, [MD, 'auth_failed']),
  R('builtin', 'key_rest_admin', 'mcp', 403, [MD, 'api_key_surface_denied']),
  R('builtin', 'key_mcp_viewer', 'mcp', 200),
  R('builtin', 'key_mcp_viewer', 'mcp_query', 200),
  R('builtin', 'key_both_operator', 'mcp', 200),
  R('builtin', 'session_viewer', 'mcp', 200),
  // basic
  R('basic', 'nothing', 'list', 401, [AD, 'missing_credentials']),
  R('basic', 'basic_bad', 'list', 401, [AD, 'auth_failed']),
  R('basic', 'basic_ok', 'list', 200),
  R('basic', 'basic_ok', 'start', 200),
  R('basic', 'basic_ok', 'keys', 200),
  R('basic', 'key_rest_admin', 'list', 401, [KD, 'auth_failed']),
  R('basic', 'basic_ok', 'mcp', 200),
  R('basic', 'nothing', 'mcp', 401, [MD, 'missing_credentials']),
  R('basic', 'basic_bad', 'mcp', 401, [MD, 'auth_failed']),
  // none: the default admin, but presented keys are still checked
  R('none', 'nothing', 'list', 200),
  R('none', 'nothing', 'create', 201),
  R('none', 'nothing', 'keys', 200),
  R('none', 'nothing', 'mcp', 200),
  R('none', 'key_mcp_viewer', 'list', 403, [KD, 'api_key_surface_denied']),
  R('none', 'key_rest_viewer', 'start', 403, [KD, 'insufficient_permissions']),
  R('none', 'bad_key', 'mcp', 401, [MD, 'auth_failed']),
];

const KEYS: Record<string, { role: 'admin' | 'manager' | 'developer' | 'operator' | 'viewer'; surfaces: string[] }> = {
  key_rest_admin: { role: 'admin', surfaces: ['rest_api'] },
  key_rest_manager: { role: 'manager', surfaces: ['rest_api'] },
  key_rest_developer: { role: 'developer', surfaces: ['rest_api'] },
  key_rest_operator: { role: 'operator', surfaces: ['rest_api'] },
  key_rest_viewer: { role: 'viewer', surfaces: ['rest_api'] },
  key_mcp_viewer: { role: 'viewer', surfaces: ['mcp'] },
  key_both_operator: { role: 'operator', surfaces: ['rest_api', 'mcp'] },
};

interface World {
  server: TestServer;
  creds: Record<string, string>;
}

const worlds = new Map<Mode, World>();
/** What the trivial MCP handler saw in its context, by correlation id. */
const seen = new Map<string, unknown>();
const mcp = async (req: Request) => {
  const ctx = currentContext();
  seen.set(ctx?.correlationId ?? '', { ...ctx });
  return Response.json({ ok: true, method: req.method });
};

async function world(mode: Mode): Promise<World> {
  const existing = worlds.get(mode);
  if (existing) return existing;
  const server = await startTestServer({ mode, mcp });
  server.writeDag('hello', QUICK_DAG());
  const creds: Record<string, string> = {};
  for (const [name, k] of Object.entries(KEYS)) creds[name] = (await server.auth.createApiKey({ name, role: k.role, allowedSurfaces: k.surfaces })).key;
  if (mode === 'builtin') {
    await server.auth.createUser({ username: 'vic', password: 'viewer-password', role: 'viewer' });
    await server.auth.createUser({ username: 'meg', password: 'manager-password', role: 'manager' });
    creds.session_viewer = (await server.auth.login('vic', 'viewer-password')).token;
    creds.session_manager = (await server.auth.login('meg', 'manager-password')).token;
  }
  const w = { server, creds };
  worlds.set(mode, w);
  return w;
}

function authHeader(w: World, cred: Cred): string | undefined {
  switch (cred) {
    case 'nothing':
      return undefined;
    case 'bad_key':
      return 'Bearer troupe_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    case 'bad_session':
      return 'Bearer tsess_nope';
    case 'basic_ok':
      return `Basic ${Buffer.from('ops:basic-pass-123').toString('base64')}`;
    case 'basic_bad':
      return `Basic ${Buffer.from('ops:wrong').toString('base64')}`;
    default:
      return `Bearer ${w.creds[cred]}`;
  }
}

let n = 0;
async function perform(w: World, row: Row, correlationId: string): Promise<Response> {
  const headers: Record<string, string> = { 'x-correlation-id': correlationId };
  const auth = authHeader(w, row.cred);
  if (auth && row.op !== 'mcp_query') headers.authorization = auth;
  const api = w.server.api;
  switch (row.op) {
    case 'list':
      return fetch(`${api}/dags`, { headers });
    case 'start':
      return fetch(`${api}/dags/hello/start`, { method: 'POST', headers });
    case 'create':
      return fetch(`${api}/dags`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ name: `made-${++n}`, spec: QUICK_DAG() }) });
    case 'audit':
      return fetch(`${api}/audit?limit=1`, { headers });
    case 'keys':
      return fetch(`${api}/api-keys`, { headers });
    case 'mcp':
      return fetch(`${w.server.origin}/mcp`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{}' });
    case 'mcp_query': {
      const token = encodeURIComponent(auth!.replace(/^Bearer /, ''));
      return fetch(`${w.server.origin}/mcp?token=${token}&workspace=team-a`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{}' });
    }
  }
}

const s = suite('auth-matrix');
s.after(async () => {
  for (const w of worlds.values()) await w.server.close();
});

for (const [i, row] of ROWS.entries()) {
  s(`${row.mode} × ${row.cred} × ${row.op} → ${row.status}${row.audit ? ` + ${row.audit.join('/')}` : ''}`, async () => {
    const w = await world(row.mode);
    const correlationId = `matrix-${row.mode}-${i}`;
    const res = await perform(w, row, correlationId);
    const text = await res.text();
    assert.is(res.status, row.status, text);
    const isMcp = row.op === 'mcp' || row.op === 'mcp_query';
    if (!isMcp) assert.is(res.headers.get('x-correlation-id'), correlationId);
    if (res.status === 401) {
      const expected = row.mode === 'basic' ? 'Basic' : 'Bearer';
      assert.match(res.headers.get('www-authenticate') ?? '', new RegExp(`^${expected} realm="Troupe${isMcp ? ' MCP' : ''}"$`));
    }
    if (isMcp && res.status === 403) assert.is(text, 'API key is not allowed for this surface');
    if (!isMcp && res.status >= 400) assert.ok(typeof JSON.parse(text).code === 'string');
    await w.server.audit.flush();
    const { entries } = await w.server.audit.query({ correlation_id: correlationId, limit: 50 });
    const denials = entries.filter((e) => e.result === 'denied');
    if (!row.audit) {
      assert.is(denials.length, 0, JSON.stringify(denials));
      return;
    }
    assert.is(denials.length, 1, JSON.stringify(entries));
    const entry = denials[0]!;
    assert.is(entry.action, row.audit[0]);
    assert.is(entry.details.denial_reason, row.audit[1]);
    assert.is(entry.source, isMcp ? 'mcp' : 'rest');
    assert.is(entry.surface, isMcp ? 'mcp' : 'rest_api');
    assert.is(entry.resource_type, isMcp ? 'mcp_request' : 'rest_request');
    assert.is(entry.resource_id, isMcp ? '/mcp' : new URL(res.url).pathname);
    assert.is(entry.details.http_method, isMcp || row.op === 'start' || row.op === 'create' ? 'POST' : 'GET');
    assert.is(entry.category, row.audit[0] === MD ? 'mcp' : row.audit[0] === KD ? 'api_key' : 'system');
    if (row.audit[1] === 'api_key_surface_denied' || row.audit[1] === 'insufficient_permissions') {
      if (row.cred.startsWith('key_')) {
        assert.is(entry.credential_type, 'api_key');
        assert.ok(entry.credential_id.length > 0);
        assert.is(entry.username, row.cred);
      }
    }
    // Secrets never reach the trail.
    const raw = JSON.stringify(entries);
    for (const secret of Object.values(w.creds)) assert.not.ok(raw.includes(secret));
  });
}

s('the /mcp handler runs inside the seeded, attributed context', async () => {
  const w = await world('builtin');
  const res = await fetch(`${w.server.origin}/mcp?workspace=team-a&token=${w.creds.key_mcp_viewer}`, { method: 'POST', headers: { 'x-correlation-id': 'ctx-check', 'content-type': 'application/json' }, body: '{}' });
  assert.is(res.status, 200);
  assert.equal(await res.json(), { ok: true, method: 'POST' });
  const ctx = seen.get('ctx-check') as Record<string, unknown>;
  assert.is(ctx.source, 'mcp');
  assert.is(ctx.surface, 'mcp');
  assert.is(ctx.transport, 'streamable_http');
  assert.is(ctx.workspace, 'team-a');
  assert.is(ctx.ipAddress, '127.0.0.1');
  assert.ok(typeof ctx.requestId === 'string');
  assert.is((ctx.subject as { username: string }).username, 'key_mcp_viewer');
  assert.is((ctx.credential as { type: string }).type, 'api_key');
});

s('the query token is ignored on REST routes (header only there)', async () => {
  const w = await world('builtin');
  const res = await fetch(`${w.server.api}/dags?token=${w.creds.key_rest_admin}`);
  assert.is(res.status, 401);
});

s('the local CLI token switches the context to source=cli', async () => {
  const server = await startTestServer({ mode: 'builtin', localToken: 'local-token-123' });
  try {
    server.writeDag('hello', QUICK_DAG());
    const res = await server.call('POST', '/dags/hello/start', { token: 'local-token-123', headers: { 'x-correlation-id': 'cli-1' } });
    assert.is(res.status, 200);
    await server.audit.flush();
    const { entries } = await server.audit.query({ correlation_id: 'cli-1', action: 'dag_execute' });
    assert.is(entries[0]?.source, 'cli');
    assert.is(entries[0]?.surface, 'cli');
    assert.is(entries[0]?.credential_type, 'local');
    assert.is(entries[0]?.username, 'cli');
  } finally {
    await server.close();
  }
});

s.run();
