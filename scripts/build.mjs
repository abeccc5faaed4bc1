#!/usr/bin/env node
// Compiles src/ to dist/ (plain JavaScript, one file per module) so the CLI and the server start
// without compiling TypeScript at every launch. Run by `npm install` (prepare), `npm start` and
// `npm test` (both with --if-stale: only when a source file is newer than the last build).
// Type checking is `npm run typecheck`'s job; this only transpiles (tsc --noCheck), rewriting
// the `.ts` import specifiers to `.js`. Non-TypeScript files under src/ are copied as they are.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { distIsFresh, STAMP } from './dist-fresh.mjs';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');

if (process.argv.includes('--if-stale') && distIsFresh(root)) process.exit(0);

const started = Date.now();
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  process.stderr.write('troupe build: typescript is not installed (run npm install first)\n');
  process.exit(1);
}
rmSync(dist, { recursive: true, force: true });
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--noCheck'], { stdio: 'inherit' });
if (r.status !== 0) {
  process.stderr.write('troupe build: tsc failed\n');
  process.exit(1);
}

function copyAssets(from, to) {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const src = join(from, entry.name);
    const dst = join(to, entry.name);
    if (entry.isDirectory()) copyAssets(src, dst);
    else if (!entry.name.endsWith('.ts')) {
      mkdirSync(to, { recursive: true });
      cpSync(src, dst);
    }
  }
}
copyAssets(join(root, 'src'), dist);
writeFileSync(join(dist, STAMP), `${new Date().toISOString()}\n`);
process.stdout.write(`troupe build: dist/ compiled in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
