#!/usr/bin/env node
// Runs the generic server scenarios of @modelcontextprotocol/conformance (0.1.16) one by one
// against a running MCP endpoint, on Node 20 through the globSync shim. Exit code 0 only when
// every scenario exits 0.
//
//   node scripts/conformance/run-server-scenarios.mjs http://127.0.0.1:8080/mcp [outDir]
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The scenarios a server with only its own domain tools must pass. */
export const GENERIC_SCENARIOS = [
  'server-initialize',
  'ping',
  'logging-set-level',
  'tools-list',
  'resources-list',
  'prompts-list',
  'server-sse-multiple-streams',
  'dns-rebinding-protection',
];

const root = fileURLToPath(new URL('../../', import.meta.url));
const shim = fileURLToPath(new URL('./node20-globsync.mjs', import.meta.url));
const cli = join(root, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');

/**
 * Runs one scenario in a child process; resolves its exit code and output. Asynchronous on
 * purpose: the server under test may live in the calling process.
 */
export function runScenario(url, scenario, outDir) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', shim, cli, 'server', '--url', url, '--scenario', scenario, '-o', outDir], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, output });
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const url = process.argv[2];
  if (!url) {
    process.stderr.write('usage: run-server-scenarios.mjs <mcp url> [outDir]\n');
    process.exit(2);
  }
  const outDir = process.argv[3] ?? mkdtempSync(join(tmpdir(), 'mcp-conformance-'));
  let failed = 0;
  for (const s of GENERIC_SCENARIOS) {
    const { code, output } = await runScenario(url, s, outDir);
    process.stdout.write(`${code === 0 ? 'pass' : 'FAIL'} ${s}\n`);
    if (code !== 0) {
      failed++;
      process.stdout.write(output.replace(/^/gm, '    ') + '\n');
    }
  }
  process.stdout.write(`${GENERIC_SCENARIOS.length - failed} passed, ${failed} failed (results in ${outDir})\n`);
  process.exit(failed === 0 ? 0 : 1);
}
