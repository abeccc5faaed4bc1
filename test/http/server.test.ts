import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { request as httpRequest, Agent } from 'node:http';
import { H3, EventStream } from 'h3';
import { startHttpServer } from '../../src/http/index.ts';

const s = suite('server');

s('listens on port 0, serves, and close() ends SSE streams and keep-alive sockets promptly', async () => {
  const app = new H3();
  app.get('/ok', () => ({ ok: true }));
  app.get('/sse', (event) => {
    const stream = new EventStream(event);
    void stream.pushComment('connected');
    return stream;
  });
  const server = await startHttpServer(app, { host: '127.0.0.1', port: 0, closeGraceMs: 5000 });
  assert.ok(server.port > 0);
  assert.equal(await (await fetch(`${server.url}/ok`)).json(), { ok: true });
  // A keep-alive connection left idle, and an open SSE stream.
  const agent = new Agent({ keepAlive: true });
  await new Promise<void>((resolve) => httpRequest(`${server.url}/ok`, { agent }, (res) => res.resume().on('end', resolve)).end());
  let sseEnded = false;
  let onSseClose!: () => void;
  const sseClosed = new Promise<void>((resolve) => (onSseClose = resolve));
  await new Promise<void>((resolve) => {
    httpRequest(`${server.url}/sse`, (res) => {
      assert.is(res.headers['content-type'], 'text/event-stream');
      res.on('data', () => resolve());
      res.on('close', () => {
        sseEnded = true;
        onSseClose();
      });
    }).end();
  });
  const t0 = Date.now();
  await server.close();
  // Well under the 5 s grace: nothing was left waiting for it.
  assert.ok(Date.now() - t0 < 2000, `close took ${Date.now() - t0} ms`);
  // The client sees the stream end within moments (a fixed 50 ms wait failed on a loaded machine).
  await Promise.race([sseClosed, new Promise((r) => setTimeout(r, 2000))]);
  assert.ok(sseEnded, 'the SSE stream was not closed within 2 s of close()');
  await fetch(`${server.url}/ok`).then(
    () => assert.unreachable('still accepting'),
    () => {},
  );
  agent.destroy();
});

s('upgrades are refused without an onUpgrade handler and passed to it when given', async () => {
  const app = new H3();
  let upgraded = '';
  const server = await startHttpServer(app, {
    host: '127.0.0.1',
    port: 0,
    onUpgrade: (req, socket) => {
      upgraded = req.url ?? '';
      socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n');
    },
  });
  await new Promise<void>((resolve) => {
    const req = httpRequest(`${server.url}/ws`, { headers: { connection: 'Upgrade', upgrade: 'test' } });
    req.on('upgrade', (_res, socket) => {
      socket.destroy();
      resolve();
    });
    req.end();
  });
  assert.is(upgraded, '/ws');
  await server.close();
  const plain = await startHttpServer(app, { host: '127.0.0.1', port: 0 });
  const refused = await new Promise<string>((resolve) => {
    const req = httpRequest(`${plain.url}/ws`, { headers: { connection: 'Upgrade', upgrade: 'test' } });
    req.on('upgrade', () => resolve('upgraded'));
    req.on('error', () => resolve('refused'));
    req.on('response', () => resolve('response'));
    req.end();
  });
  assert.is(refused, 'refused');
  await plain.close();
});

s.run();
