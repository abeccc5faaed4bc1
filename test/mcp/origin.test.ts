import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createOriginPolicy, isLoopbackHost } from '../../src/mcp/origin.ts';

const s = suite('mcp/origin');

s('a loopback server accepts loopback hosts and origins, refuses others', () => {
  const check = createOriginPolicy({ boundHost: '127.0.0.1', allowedOrigins: [], allowedHosts: [] });
  assert.equal(check('127.0.0.1:8080', null), { ok: true });
  assert.equal(check('localhost:8080', 'http://localhost:8080'), { ok: true });
  assert.equal(check('127.0.0.1:8080', 'http://127.0.0.1:3000'), { ok: true });
  assert.equal(check('[::1]:8080', null), { ok: true });
  assert.equal(check('evil.example.com', 'http://evil.example.com'), { ok: false, reason: 'host' });
  assert.equal(check('127.0.0.1:8080', 'http://evil.example.com'), { ok: false, reason: 'origin' });
  assert.equal(check('127.0.0.1:8080', 'null'), { ok: false, reason: 'origin' });
  assert.equal(check(null, null), { ok: false, reason: 'host' });
});

s('configured extras and same-origin requests are accepted on other servers', () => {
  const check = createOriginPolicy({ boundHost: 'troupe.internal', allowedOrigins: ['https://agents.example.com/'], allowedHosts: ['proxy.example.com'] });
  assert.equal(check('troupe.internal:8080', 'http://troupe.internal:8080'), { ok: true });
  assert.equal(check('proxy.example.com', 'https://agents.example.com'), { ok: true });
  assert.equal(check('proxy.example.com', 'http://localhost:3000'), { ok: false, reason: 'origin' });
  assert.equal(check('other.example.com', null), { ok: false, reason: 'host' });
  const any = createOriginPolicy({ boundHost: '0.0.0.0', allowedOrigins: [], allowedHosts: [] });
  assert.equal(any('whatever.example:1', null), { ok: true });
});

s('verdicts are remembered per header pair, and stay right past the cache bound and for oversized headers', () => {
  const check = createOriginPolicy({ boundHost: '127.0.0.1', allowedOrigins: [], allowedHosts: [] });
  for (let round = 0; round < 2; round++) {
    assert.equal(check('127.0.0.1:8080', 'http://localhost:3000'), { ok: true });
    assert.equal(check('127.0.0.1:8080', 'http://evil.example.com'), { ok: false, reason: 'origin' });
  }
  // Far more distinct pairs than the cache holds: every verdict is still computed correctly.
  for (let i = 0; i < 2000; i++) {
    assert.equal(check(`evil${i}.example.com`, null), { ok: false, reason: 'host' });
    assert.equal(check(`127.0.0.${i % 250}:${i}`, null), { ok: true });
  }
  assert.equal(check('127.0.0.1:8080', `http://${'a'.repeat(600)}.example.com`), { ok: false, reason: 'origin' });
  assert.equal(check('127.0.0.1:8080', 'http://evil.example.com'), { ok: false, reason: 'origin' });
});

s('isLoopbackHost', () => {
  for (const h of ['localhost', 'a.localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]']) assert.ok(isLoopbackHost(h), h);
  for (const h of ['10.0.0.1', 'example.com', '128.0.0.1']) assert.not.ok(isLoopbackHost(h), h);
});

s.run();
