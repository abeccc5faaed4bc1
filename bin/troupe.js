#!/usr/bin/env node
// Launcher. Runs the compiled JavaScript in dist/ (built by `npm install`, `npm start` and
// `npm run build`). When dist/ is missing or older than a file in src/ (a checkout being edited),
// it runs the TypeScript sources through tsx instead: slower to start, never stale.
import { distIsFresh } from '../scripts/dist-fresh.mjs';

const root = new URL('..', import.meta.url).pathname;
let entry = '../dist/cli/main.js';
if (!distIsFresh(root)) {
  const { register } = await import('tsx/esm/api');
  register();
  entry = '../src/cli/main.ts';
}
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
