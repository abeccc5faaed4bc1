// Per-command help (finding 8): every command's --help exits 0 with its usage, options and one
// example. Checked in-process through main() for every command, and through the real bin once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { main } from '../../src/cli/main.ts';
import { captureIo } from './_io.ts';
import { troupe } from './_troupe.ts';

const s = suite('troupe --help');

async function run(...argv: string[]) {
  const io = captureIo();
  const code = await main(argv, io);
  return { code, out: io.outLines.join('\n'), err: io.errLines.join('\n') };
}

s('bare troupe lists the commands and exits 0', async () => {
  const r = await run();
  assert.is(r.code, 0);
  assert.match(r.out, /^Usage: troupe <command> \[options\]/m);
  assert.match(r.out, /Exit codes: 0 success/);
});

s('every command and subcommand: --help and -h exit 0 with usage, options and an example, nothing on stderr', async () => {
  const top = (await run()).out;
  const commands = [...top.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1]!).filter((c) => c !== 'help');
  assert.equal(commands, ['start', 'enqueue', 'stop', 'restart', 'retry', 'dequeue', 'status', 'logs', 'runs', 'dags', 'validate', 'dry', 'server', 'worker', 'workers', 'audit', 'apikey', 'user']);
  const nested = ['audit query', 'audit verify', 'apikey create', 'apikey list', 'apikey delete', 'user create', 'user list'];
  for (const c of [...commands, ...nested]) {
    for (const flag of ['--help', '-h']) {
      const r = await run(...c.split(' '), flag);
      assert.is(r.code, 0, `${c} ${flag}: ${r.err}`);
      assert.match(r.out, new RegExp(`^Usage: troupe ${c} `, 'm'), c);
      assert.match(r.out, /^Options:\n {2}\S/m, c);
      assert.match(r.out, /^Example:\n {2}troupe |^Example:\n {2}echo /m, c);
      assert.is(r.err, '', c);
    }
  }
  for (const group of ['audit', 'apikey', 'user']) assert.is((await run(group)).code, 0, `${group} alone prints its help`);
  assert.is((await run('help', 'logs')).code, 0);
});

s('the help of logs names --follow; of start names --params and --no-wait (the options are generated, not hand-kept)', async () => {
  assert.match((await run('logs', '--help')).out, /--follow/);
  const start = (await run('start', '--help')).out;
  assert.match(start, /--params <params>/);
  assert.match(start, /--no-wait/);
  assert.match(start, /Global Options:[\s\S]*--data <dir>/);
});

s('the real bin prints the same help with exit 0', () => {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-14-help-'));
  try {
    const r = troupe(dir, ['start', '--help']);
    assert.is(r.code, 0, r.err);
    assert.match(r.out, /^Usage: troupe start \[options\] <dag>/m);
    assert.match(r.out, /^Example:\n {2}troupe start hello --params NAME=Ada$/m);
    const bare = troupe(dir, []);
    assert.is(bare.code, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

s.run();
