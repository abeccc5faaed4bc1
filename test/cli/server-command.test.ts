import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { WebSocketServer } from 'ws';
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
    assert.match(out, `visualizer ${url}/ui`);
    // The visualizer's bundle is built by the same process (from dist/ui when it runs the compiled build).
    const page = await fetch(`${url}/ui/`);
    assert.is(page.status, 200);
    const script = /src="([^"]+app\.js[^"]*)"/.exec(await page.text())?.[1];
    assert.ok(script, 'the page links its bundle');
    const js = await fetch(new URL(script!, url));
    assert.is(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', 'text/javascript');
    assert.ok((await js.text()).length > 20_000, 'preact, htm, dagre and the views are bundled');
    const css = await fetch(`${url}/ui/app.css`);
    assert.ok(css.status === 200 && (await css.text()).includes('.dag'), 'the style sheet is bundled');
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

s('--inspect ws://… feeds a Stately inspector relay with the actors of a run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-server-'));
  // A stand-in for @statelyai/inspect's inspector server: a WebSocket server that keeps what it gets.
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  const messages: Array<{ type: string; sessionId?: string }> = [];
  wss.on('connection', (socket) => socket.on('message', (data) => messages.push(JSON.parse(String(data)))));
  const relay = `ws://127.0.0.1:${(wss.address() as { port: number }).port}`;
  const server = spawn(process.execPath, [join(process.cwd(), 'bin/troupe.js'), 'server', '--port', '0', '--inspect', relay], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let out = '';
    server.stdout.on('data', (d) => (out += d));
    const deadline = Date.now() + 90_000;
    // The banner's lines may arrive in separate chunks: wait for the inspect line as well.
    while (!(/listening on (http:\/\/127\.0\.0\.1:\d+)/.test(out) && out.includes('forwarding actor inspection events')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
    assert.match(out, `forwarding actor inspection events to ${relay}`);
    const res = await fetch(`${url}/api/v1/dags/hello/start`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.is(res.status, 200, await res.clone().text());
    const { dagRunId } = (await res.json()) as { dagRunId: string };
    const until = Date.now() + 20_000;
    while (!messages.some((m) => m.type === '@xstate.actor' && m.sessionId === `run:hello/${dagRunId}:1`) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    assert.ok(messages.some((m) => m.type === '@xstate.actor' && m.sessionId === `run:hello/${dagRunId}:1`), 'the run actor reached the relay');
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    await new Promise((r) => wss.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
});

s('--inspect must be a ws:// URL: a clear usage error (exit 2) before anything starts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-server-'));
  try {
    const server = spawn(process.execPath, [join(process.cwd(), 'bin/troupe.js'), 'server', '--port', '0', '--inspect', 'http://example.com'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    server.stderr.on('data', (d) => (err += d));
    const code = await new Promise((r) => server.once('exit', r));
    assert.is(code, 2, err);
    assert.match(err, '--inspect must be a ws:// or wss:// URL');
    assert.not.ok(existsSync(join(dir, 'data')), 'no store was opened');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

s.run();
