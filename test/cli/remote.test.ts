import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createTroupe } from '../../src/app.ts';
import { defaultConfig } from '../../src/config.ts';

const s = suite('troupe CLI with a running server (it talks to the server instead of failing on the lock)');

function run(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/troupe.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

s('start, status and runs go through the REST API; the audit trail records source=cli', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-remote-'));
  const config = { ...defaultConfig(dir), port: 0 };
  mkdirSync(config.dagsDir, { recursive: true });
  writeFileSync(join(config.dagsDir, 'hi.yaml'), 'steps:\n  - name: a\n    run: echo a\n  - name: b\n    depends: a\n    run: echo b\n');
  const troupe = await createTroupe(config);
  try {
    await troupe.listen();
    assert.ok(existsSync(join(config.dataDir, 'server.json')));
    const flags = ['--data', config.dataDir, '--dags', config.dagsDir];
    const started = await run(['start', 'hi', '--run-id', 'remote-1', ...flags]);
    assert.is(started.code, 0, started.err);
    assert.match(started.out, /b\s+succeeded/);
    const d = await troupe.engine.runtime.getRun('hi', 'remote-1');
    assert.is(d?.statusLabel, 'succeeded', 'the server ran it');
    const status = await run(['status', 'hi', 'remote-1', '--json', ...flags]);
    assert.is(JSON.parse(status.out).dagRunId, 'remote-1');
    const page = await troupe.engine.audit.query({ correlation_id: d!.correlationId });
    const actions = page.entries.map((e) => `${e.action}:${e.source}:${e.surface}`).sort();
    assert.equal(actions, ['dag_execute:cli:cli', 'dag_run_finished:cli:cli', 'dag_run_started:cli:cli']);
    // Admin commands need the store to themselves and say so.
    const audit = await run(['audit', 'verify', ...flags]);
    assert.is(audit.code, 1);
    assert.match(audit.err, /server owns/);
  } finally {
    await troupe.close();
    assert.not.ok(existsSync(join(config.dataDir, 'server.json')), 'the server file is removed on close');
    rmSync(dir, { recursive: true, force: true });
  }
});

s.run();
