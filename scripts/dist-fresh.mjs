// Whether dist/ (the compiled JavaScript that bin/troupe.js and `npm start` run) is up to date
// with src/. Shared by scripts/build.mjs (`--if-stale`) and bin/troupe.js (which falls back to
// running the TypeScript through tsx when dist/ is missing or older than a source file).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const STAMP = '.build-stamp';

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** True when `<root>/dist` was built after every file under `<root>/src` last changed. */
export function distIsFresh(root) {
  let built;
  try {
    built = statSync(join(root, 'dist', STAMP)).mtimeMs;
  } catch {
    return false;
  }
  try {
    return newestMtime(join(root, 'src')) <= built;
  } catch {
    return true; // no src/ (an installed package ships dist/ only)
  }
}
