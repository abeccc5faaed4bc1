// The first hour of a new user, with real processes: enqueue without a server, admin commands
// on a stopped server, config typos.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BIN, ROOT, alive, envFor, hasStack, spawnTroupe, troupe, waitUntil } from './_troupe.ts';

const s = suite<{ dir: string }>('the first hour: queue, admin commands, config (real processes)');

s.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'troupe-14-first-'));
  mkdirSync(join(ctx.dir, 'dags'));
  cpSync(join(ROOT, 'examples', 'hello.yaml'), join(ctx.dir, 'dags', 'hello.yaml'));
});
s.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

s('enqueue without a server keeps the run queued; admin commands leave it alone; the server then runs it (findings 2, 3)', async ({ dir }) => {
  const q = troupe(dir, ['enqueue', 'hello', '--run-id', 'q1']);
  assert.is(q.code, 0, q.err);
  assert.match(q.out, /^queued hello q1$/m);
  assert.match(q.err, /waits in the queue until `troupe server` starts/);
  const status = () => JSON.parse(troupe(dir, ['status', 'hello', 'q1', '--json']).out).statusLabel as string;
  assert.is(status(), 'queued', 'the CLI process did not run it');
  // Admin commands: no recovery, no dispatch, no failing of runs.
  const verify = troupe(dir, ['audit', 'verify']);
  assert.is(verify.code, 0, verify.err);
  assert.match(verify.out, /audit chain ok: \d+ entries verified/);
  const entries = (JSON.parse(troupe(dir, ['audit', 'query', '--json', '--limit', '1000']).out) as { total: number }).total;
  assert.is(troupe(dir, ['apikey', 'list']).code, 0);
  assert.is(troupe(dir, ['user', 'list']).code, 0);
  const after = JSON.parse(troupe(dir, ['audit', 'query', '--json', '--limit', '1000']).out) as { entries: Array<{ action: string }>; total: number };
  assert.is(after.entries.filter((e) => e.action === 'audit_verify').length, 0, 'audit verify wrote nothing');
  assert.ok(after.total >= entries, 'nothing was purged');
  assert.is(after.entries.filter((e) => /dag_run_(started|finished|interrupted)/.test(e.action)).length, 0, 'no run was started, failed or interrupted');
  assert.is(status(), 'queued');
  // The server dispatches it.
  const server = spawnTroupe(process.execPath, [BIN, 'server', '--port', '0'], { cwd: dir, env: envFor(dir) });
  try {
    await server.waitFor(/troupe listening on/);
    const info = JSON.parse(readFileSync(join(dir, 'data', 'server.json'), 'utf8')) as { url: string; token: string };
    const viaRest = async () => {
      const res = await fetch(`${info.url}/api/v1/dag-runs/hello/q1`, { headers: { authorization: `Bearer ${info.token}` } });
      return ((await res.json()) as { statusLabel: string }).statusLabel;
    };
    await waitUntil(async () => (await viaRest()) === 'succeeded', 60_000, 'the queued run to succeed under the server');
  } finally {
    server.child.kill('SIGTERM');
    assert.is(await server.exited, 0, server.err());
  }
});

s('a typo inside a config section stops the server before it starts, one line per problem with its dotted path (finding 4)', ({ dir }) => {
  const file = join(dir, 'troupe.yaml');
  writeFileSync(file, 'port: 0\nauth:\n  mod: builtin\naudit:\n  retention_dayz: 3\nmcp:\n  max_sesions: 4\n');
  const r = troupe(dir, ['server', '--config', file]);
  assert.is(r.code, 2, r.err);
  assert.not.match(r.out, /listening/);
  assert.equal(r.err.trim().split('\n'), [
    `troupe server: config ${file}: auth.mod: unknown key (did you mean mode?)`,
    `troupe server: config ${file}: audit.retention_dayz: unknown key (did you mean retention_days?)`,
    `troupe server: config ${file}: mcp.max_sesions: unknown key (did you mean max_sessions?)`,
  ]);
  assert.not.ok(existsSync(join(dir, 'data')), 'nothing was opened');
  // The same file through TROUPE_CONFIG, for any command that reads the config.
  const env = troupe(dir, ['runs'], { env: { TROUPE_CONFIG: file } });
  assert.is(env.code, 2);
  assert.match(env.err, /auth\.mod: unknown key/);
});

s.run();
