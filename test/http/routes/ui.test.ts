import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer } from '../../_support/http-server.ts';
import type { TestServer } from '../../_support/http-server.ts';

let s: TestServer;
test.before(async () => {
  s = await startTestServer({ mode: 'builtin', basePath: '/troupe' });
});
test.after(() => s.close());

test('GET {base}/ui serves the page, public, with a CSP that keeps it on this server', async () => {
  const res = await fetch(`${s.origin}/troupe/ui`);
  assert.is(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', 'text/html');
  const csp = res.headers.get('content-security-policy') ?? '';
  assert.match(csp, "default-src 'none'");
  assert.match(csp, "connect-src 'self'");
  assert.match(csp, "script-src 'self'");
  const html = await res.text();
  assert.match(html, '<meta name="troupe-base" content="/troupe">');
  assert.match(html, '<meta name="troupe-auth" content="builtin">');
  assert.match(html, /src="\/troupe\/ui\/app\.js\?v=[0-9a-f]{16}"/);
  assert.not.match(html, /https?:\/\//, 'no absolute URL: nothing is loaded from elsewhere');
});

test('the bundle is built from npm packages, cached by ETag, and links nothing remote', async () => {
  const js = await fetch(`${s.origin}/troupe/ui/app.js`);
  assert.is(js.status, 200);
  assert.match(js.headers.get('content-type') ?? '', 'text/javascript');
  const body = await js.text();
  assert.ok(body.length > 20_000, 'preact, htm and dagre are bundled in');
  assert.not.match(body, /https?:\/\/(?!www\.w3\.org\/)[a-z0-9.-]+\.[a-z]{2,}\/[^"'\s]*\.(js|css|woff2?)/i, 'no script, style or font URL');
  const etag = js.headers.get('etag')!;
  assert.is((await fetch(`${s.origin}/troupe/ui/app.js`, { headers: { 'if-none-match': etag } })).status, 304);
  const css = await fetch(`${s.origin}/troupe/ui/app.css`);
  assert.is(css.status, 200);
  assert.match(await css.text(), '.dag');
});

test('{base}/ redirects to the page; other paths under /ui are 404 JSON', async () => {
  const res = await fetch(`${s.origin}/troupe/`, { redirect: 'manual' });
  assert.is(res.status, 302);
  assert.is(res.headers.get('location'), '/troupe/ui/');
  const missing = await fetch(`${s.origin}/troupe/ui/nope.js`);
  assert.is(missing.status, 404);
  assert.is(((await missing.json()) as { code: string }).code, 'not_found');
});

test.run();
