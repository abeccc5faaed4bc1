import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The visualizer's browser bundle, built from `src/ui/` with esbuild. */
export interface UiBundle {
  js: string;
  css: string;
  /** A content hash, for ETag and cache busting. */
  hash: string;
}

/**
 * The page's entry beside this file: `src/ui/main.ts` when the server runs the TypeScript (tsx),
 * `dist/ui/main.js` when it runs the compiled build (`npm start`, `bin/troupe.js`), which
 * scripts/build.mjs emits with `style.css` copied beside it. esbuild bundles either one.
 */
function entryPoint(): string {
  for (const rel of ['../ui/main.ts', '../ui/main.js']) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error('the visualizer sources (ui/main.ts or ui/main.js beside visualizer/) are missing');
}

let cached: Promise<UiBundle> | undefined;

/**
 * Builds the page's JavaScript and CSS in memory, once per process (the first call starts it,
 * later ones share the result): every asset comes from npm packages bundled here, never from a
 * CDN. A failed build is not cached, so the next request retries it.
 */
export function uiBundle(): Promise<UiBundle> {
  cached ??= build().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

async function build(): Promise<UiBundle> {
  const { build: esbuild } = await import('esbuild');
  const result = await esbuild({
    entryPoints: { app: entryPoint() },
    bundle: true,
    write: false,
    outdir: 'ui-out',
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    minify: process.env.TROUPE_UI_DEBUG !== "1",
    legalComments: 'none',
    logLevel: 'silent',
  });
  const file = (ext: string) => result.outputFiles.find((f) => f.path.endsWith(ext))?.text ?? '';
  const js = file('.js');
  const css = file('.css');
  return { js, css, hash: createHash('sha256').update(js).update(css).digest('hex').slice(0, 16) };
}
