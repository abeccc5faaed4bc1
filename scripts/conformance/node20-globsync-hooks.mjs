// Module-resolution hook: the conformance CLI's `import ... from "fs"` gets node:fs plus a minimal
// globSync that supports only the "**/<file name>" patterns the CLI uses.
const SHIM = `
import fs from 'node:fs';
import path from 'node:path';
export * from 'node:fs';
export default fs;
export function globSync(pattern, opts = {}) {
  const cwd = opts.cwd ?? process.cwd();
  const base = String(pattern).replace(/^[*][*][/]/, '');
  let entries = [];
  try { entries = fs.readdirSync(cwd, { recursive: true }); } catch { return []; }
  return entries.map(String).filter((p) => path.basename(p) === base);
}`;
const SHIM_URL = 'data:text/javascript,' + encodeURIComponent(SHIM);
export async function resolve(specifier, context, next) {
  if ((specifier === 'fs' || specifier === 'node:fs') && context.parentURL?.includes('@modelcontextprotocol/conformance')) {
    return { url: SHIM_URL, shortCircuit: true };
  }
  return next(specifier, context);
}
