#!/usr/bin/env node
// Runs every uvu suite under test/ and prints one closing line: `N passed, N failed`.
//
// Each test file runs in its own Node process. That keeps LevelDB locks, child processes and
// module state of one file from leaking into another, and a file that crashes while loading
// is counted as a failure instead of silently ending the run. uvu prints no "failed" count,
// so it is derived from its `Total:` and `Passed:` lines.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { cpus } from 'node:os';

const root = new URL('..', import.meta.url).pathname;
const testDir = join(root, 'test');
const filter = process.argv[2];
const perFileTimeoutMs = Number(process.env.TROUPE_TEST_TIMEOUT_MS ?? 240_000);
const concurrency = Math.max(1, Number(process.env.TROUPE_TEST_JOBS ?? Math.min(2, cpus().length)));

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('_') || name === 'fixtures') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...collect(path));
    else if (/\.test\.ts$/.test(name)) out.push(path);
  }
  return out;
}

function runFile(file) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', join(root, 'scripts/uvu-readable-errors.mjs'), file], {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      output += `\n[run-tests] timed out after ${perFileTimeoutMs} ms; killed\n`;
      child.kill('SIGKILL');
    }, perFileTimeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const total = Number(/Total:\s+(\d+)/.exec(output)?.[1] ?? NaN);
      const passed = Number(/Passed:\s+(\d+)/.exec(output)?.[1] ?? NaN);
      let p = Number.isFinite(passed) ? passed : 0;
      let f = Number.isFinite(total) ? total - p : 0;
      // A non-zero exit with no failures counted means the file crashed outside a test.
      if (code !== 0 && f === 0) f += 1;
      resolve({ file, passed: p, failed: f, code, output, ms: Date.now() - started });
    });
  });
}

const files = collect(testDir).filter((f) => !filter || f.includes(filter));
const results = [];
let next = 0;
async function worker() {
  while (next < files.length) {
    const file = files[next++];
    const r = await runFile(file);
    results.push(r);
    const name = relative(root, r.file);
    const mark = r.failed === 0 ? 'ok  ' : 'FAIL';
    process.stdout.write(`${mark} ${name} (${r.passed} passed, ${r.failed} failed, ${(r.ms / 1000).toFixed(1)} s)\n`);
    if (r.failed > 0) process.stdout.write(r.output.replace(/^/gm, '    ') + '\n');
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));

const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
if (files.length === 0) process.stdout.write('no test files found\n');
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failed > 0 || files.length === 0 ? 1 : 0);
