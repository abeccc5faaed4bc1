import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openDatabase } from '../../src/store/database.ts';

const s = suite('troupe server (the real process)');

s('serves health on 127.0.0.1, seeds the examples, and shuts down cleanly on SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-server-'));
  try {
    const server = spawn(process.execPath, [join(process.cwd(), 'bin/troupe.js'), 'server', '--port', '0'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    server.stdout.on('data', (d) => (out += d));
    server.stderr.on('data', (d) => (err += d));
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no listening line: ${out} ${err}`)), 90_000);
      server.stdout.on('data', () => {
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) {
          clearTimeout(t);
          resolve(m[1]!);
        }
      });
    });
    const res = await fetch(`${url}/api/v1/health`);
    assert.equal(await res.json(), { status: 'ok' });
    assert.equal(readdirSync(join(dir, 'dags')).sort(), ['diamond.yaml', 'hello.yaml', 'retry-and-continue.yaml']);
    assert.ok(existsSync(join(dir, 'data', 'server.json')));
    server.kill('SIGTERM');
    const code = await new Promise((r) => server.once('exit', r));
    assert.is(code, 0, err);
    assert.not.ok(existsSync(join(dir, 'data', 'server.json')));
    // The store's lock is released: this process can open it now.
    const db = await openDatabase(join(dir, 'data'));
    await db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

s.run();
