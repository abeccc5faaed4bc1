import type { H3 } from 'h3';
import type { TroupeConfig } from '../../config.ts';
import { uiBundle } from '../../visualizer/ui-bundle.ts';
import { apiRoute } from '../api-route.ts';
import type { ApiDeps } from '../api-route.ts';

/**
 * The page may load only its own bundle and talk only to this server: a CSP that makes "no
 * request leaves the machine" a property of the page, not just of the code we wrote.
 */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE_HEADERS = { 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY' };

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

function page(config: TroupeConfig, hash: string): string {
  const base = escapeAttr(config.basePath);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="troupe-base" content="${base}">
<meta name="troupe-auth" content="${escapeAttr(config.auth.mode)}">
<title>Troupe visualizer</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${base}/ui/app.css?v=${hash}">
<script type="module" src="${base}/ui/app.js?v=${hash}"></script>
</head>
<body><div id="app"><p class="boot">Loading…</p></div></body>
</html>
`;
}

/**
 * `{base}/ui`: the visualizer page, its bundle (`app.js`, `app.css`, built in memory from
 * `src/ui/` by esbuild at the first request) and `{base}/` redirecting
 * to it. The page and assets are public (they hold no data); every API call they make is
 * authenticated like any other REST call.
 */
export function registerUiRoutes(app: H3, deps: ApiDeps): void {
  const { config } = deps;
  const base = config.basePath;
  const route = (h: Parameters<typeof apiRoute>[1]) => apiRoute(deps, h, { public: true });

  const html = route(async () => {
    const b = await uiBundle();
    return new Response(page(config, b.hash), { headers: { ...PAGE_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' } });
  });
  app.get(`${base}/ui`, html);
  app.get(`${base}/ui/`, html);
  app.get(`${base}/`, route(() => new Response(null, { status: 302, headers: { location: `${base}/ui/` } })));
  if (base !== '') app.get(base, route(() => new Response(null, { status: 302, headers: { location: `${base}/ui/` } })));

  const asset = (kind: 'js' | 'css') =>
    route(async ({ event }) => {
      const b = await uiBundle();
      const etag = `"${b.hash}"`;
      const headers = { ...PAGE_HEADERS, etag, 'cache-control': 'no-cache', 'content-type': kind === 'js' ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8' };
      if (event.req.headers.get('if-none-match') === etag) return new Response(null, { status: 304, headers });
      return new Response(kind === 'js' ? b.js : b.css, { headers });
    });
  app.get(`${base}/ui/app.js`, asset('js'));
  app.get(`${base}/ui/app.css`, asset('css'));
}
