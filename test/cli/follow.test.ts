// Following runs with real processes: logs --follow, status --follow, restart, stop, and the
// live display on a real pseudo-terminal.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BIN, envFor, spawnTroupe, troupe } from './_troupe.ts';
import type { Running } from './_troupe.ts';

const s = suite<{ dir: string; server: Running }>('following runs (real processes, a running server)');

s.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'troupe-14-follow-'));
  mkdirSync(join(ctx.dir, 'dags'));
  // tick prints a line every 0.2 s until the test opens its gate (a file), then one last line.
  writeFileSync(
    join(ctx.dir, 'dags', 'slow.yaml'),
    'params:\n  - GATE: /nonexistent\nsteps:\n  - name: tick\n    run: |\n      i=0\n      while [ ! -f "$GATE" ]; do i=$((i+1)); echo "line $i"; sleep 0.2; [ $i -ge 600 ] && exit 1; done\n      echo last\n  - name: done\n    depends: tick\n    run: echo done\n',
  );
  writeFileSync(join(ctx.dir, 'dags', 'long.yaml'), 'params:\n  - WHO: x\nsteps:\n  - name: wait\n    run: sleep 60\n');
  writeFileSync(join(ctx.dir, 'dags', 'quick.yaml'), 'steps:\n  - name: one\n    run: echo one\n  - name: two\n    depends: one\n    run: "false"\n');
  ctx.server = spawnTroupe(process.execPath, [BIN, 'server', '--port', '0'], { cwd: ctx.dir, env: envFor(ctx.dir) });
  await ctx.server.waitFor(/troupe listening on/);
});
s.after(async (ctx) => {
  ctx.server.child.kill('SIGTERM');
  await ctx.server.exited;
  rmSync(ctx.dir, { recursive: true, force: true });
});

const run = (dir: string, args: string[]) => spawnTroupe(process.execPath, [BIN, ...args], { cwd: dir, env: envFor(dir) });

s('logs --follow prints the lines as they are written and returns when the run ends', async ({ dir }) => {
  const gate = join(dir, 'gate');
  const started = troupe(dir, ['start', 'slow', '--params', `GATE=${gate}`, '--no-wait', '--json']);
  assert.is(started.code, 0, started.err);
  const { dagRunId } = JSON.parse(started.out);
  const follow = run(dir, ['logs', 'slow', dagRunId, '--step', 'tick', '--follow']);
  const status = run(dir, ['status', 'slow', dagRunId, '--follow']);
  await follow.waitFor(/line 3\n/);
  await status.waitFor(/^following slow/m);
  const seenBefore = follow.out().trim().split('\n').length;
  writeFileSync(gate, '');
  assert.is(await follow.exited, 0, follow.err());
  const lines = follow.out().trim().split('\n');
  assert.ok(lines.length > seenBefore, 'kept printing after the first lines');
  assert.equal(lines, [...Array.from({ length: lines.length - 1 }, (_, i) => `line ${i + 1}`), 'last'], 'every line once, in order');
  assert.is(await status.exited, 0, status.err());
  assert.match(status.out(), /tick\s+succeeded[\s\S]*done\s+succeeded[\s\S]*^succeeded in/m);
  const runLog = troupe(dir, ['logs', 'slow', dagRunId, '--tail', '2']);
  assert.is(runLog.out.trim().split('\n').length, 2);
});

s('status --follow of a failing run exits 1 with the failed step; of a finished run it just prints', async ({ dir }) => {
  const r = troupe(dir, ['start', 'quick']);
  assert.is(r.code, 1);
  assert.match(r.out, /step two failed \(exit 1\)/);
  const again = troupe(dir, ['status', 'quick', 'latest', '--follow']);
  assert.is(again.code, 0, 'a finished run: status prints it');
  assert.match(again.out, /status:\s+failed/);
});

s('restart stops the running run and starts a new one with the same params; stop waits until it stopped', async ({ dir }) => {
  const first = JSON.parse(troupe(dir, ['start', 'long', '--params', 'WHO=Ada', '--no-wait', '--json']).out).dagRunId as string;
  const r = troupe(dir, ['restart', 'long', first, '--no-wait', '--json']);
  assert.is(r.code, 0, r.err);
  const next = JSON.parse(r.out) as { dagRunId: string; restartedFrom: string };
  assert.is(next.restartedFrom, first);
  assert.is.not(next.dagRunId, first);
  assert.is(JSON.parse(troupe(dir, ['status', 'long', first, '--json']).out).statusLabel, 'aborted');
  const d = JSON.parse(troupe(dir, ['status', 'long', next.dagRunId, '--json']).out);
  assert.equal(d.params, { WHO: 'Ada' });
  const stop = troupe(dir, ['stop', 'long', 'latest']);
  assert.is(stop.code, 0, stop.err);
  assert.is(stop.out.trim(), `stopped long ${next.dagRunId}: aborted`);
  const notRunning = troupe(dir, ['stop', 'long', 'latest']);
  assert.is(notRunning.code, 1, 'stopping a run that is not running fails (exit 1), with or without a server');
});

s('on a terminal, start shows the live display: a row per step, marks, redrawn in place', ({ dir }) => {
  // `script` gives the command a real pseudo-terminal; plain lines are for pipes only.
  const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} start quick`;
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { env: { ...envFor(dir), COLUMNS: '80', LINES: '24', TERM: 'xterm' }, cwd: dir, encoding: 'utf8', timeout: 60_000 });
  assert.is(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /\x1b\[2K {2}[○●✓] one\s+(pending|running|succeeded)/);
  assert.match(r.stdout, /\x1b\[\d+F/, 'cursor moved back to redraw');
  assert.match(r.stdout, /✓ one\s+succeeded/);
  assert.match(r.stdout, /✗ two\s+failed/);
  assert.not.match(r.stdout, /^ {2}one {20,}succeeded/m, 'not the plain lines');
});

s.run();
