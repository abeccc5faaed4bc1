// The first hour of a new user, with real processes: npm start under a process manager, a busy
// port, schedules. (Enqueue without a server, admin commands and config typos: first-hour-store.)
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BIN, ROOT, alive, envFor, hasStack, spawnTroupe, troupe, waitUntil } from './_troupe.ts';

const s = suite<{ dir: string }>('the first hour (real processes)');

s.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'troupe-14-first-'));
  mkdirSync(join(ctx.dir, 'dags'));
  cpSync(join(ROOT, 'examples', 'hello.yaml'), join(ctx.dir, 'dags', 'hello.yaml'));
});
s.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

const serverPid = (dir: string) => (JSON.parse(readFileSync(join(dir, 'data', 'server.json'), 'utf8')) as { pid: number }).pid;

s('npm start, then SIGTERM to npm (what a process manager does): the node server stops too and frees the data directory (finding 1)', async ({ dir }) => {
  const env = envFor(dir, { TROUPE_PORT: '0' });
  const npm = spawnTroupe('npm', ['start', '--silent'], { cwd: ROOT, env });
  try {
    await npm.waitFor(/troupe listening on http:\/\/127\.0\.0\.1:\d+/);
    const pid = serverPid(dir);
    assert.ok(alive(pid));
    npm.child.kill('SIGTERM');
    await npm.exited;
    await waitUntil(() => !alive(pid), 20_000, `the server (pid ${pid}) to exit`);
    assert.not.ok(existsSync(join(dir, 'data', 'server.json')), 'the server shut down cleanly');
    // The next start is not told that the data directory is in use.
    const again = spawnTroupe(process.execPath, [BIN, 'server', '--port', '0'], { cwd: dir, env });
    await again.waitFor(/troupe listening on/);
    again.child.kill('SIGTERM');
    assert.is(await again.exited, 0, again.err());
  } finally {
    if (npm.child.exitCode === null) npm.child.kill('SIGKILL');
  }
});

s('a port already in use is one clear line with a hint, no stack trace, and no run is touched (finding 5)', async ({ dir }) => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as AddressInfo).port;
  try {
    assert.is(troupe(dir, ['enqueue', 'hello', '--run-id', 'keep']).code, 0);
    const r = troupe(dir, ['server', '--port', String(port)]);
    assert.is(r.code, 1, r.err);
    const lines = r.err.trim().split('\n');
    assert.is(lines[0], `troupe server: port ${port} on 127.0.0.1 is already in use`);
    assert.match(lines[1]!, /^ {2}hint: .*--port/);
    assert.is(lines.length, 2, r.err);
    assert.not.ok(hasStack(r.err));
    assert.not.match(r.err, /EADDRINUSE|unexpected/);
    assert.is(JSON.parse(troupe(dir, ['status', 'hello', 'keep', '--json']).out).statusLabel, 'queued', 'checked before the engine opened');
  } finally {
    blocker.close();
  }
});

s('validate and server say that schedules are not fired yet (finding 10)', async ({ dir }) => {
  const file = join(dir, 'dags', 'nightly.yaml');
  writeFileSync(file, 'schedule: "0 3 * * *"\nsteps:\n  - name: x\n    run: "true"\n');
  const v = troupe(dir, ['validate', file]);
  assert.is(v.code, 0, v.err);
  assert.match(v.err, /schedule 0 3 \* \* \* is valid, but Troupe does not fire schedules yet/);
  const server = spawnTroupe(process.execPath, [BIN, 'server', '--port', '0'], { cwd: dir, env: envFor(dir) });
  try {
    await server.waitFor(/schedules are validated but not fired yet: nightly/);
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
});

s.run();
