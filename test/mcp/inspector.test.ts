import { createMemoryLogger } from '../../src/core/index.ts';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTroupe } from '../../src/app.ts';
import type { Troupe } from '../../src/app.ts';
import { defaultConfig } from '../../src/config.ts';

const s = suite('mcp/inspector');
let dir: string;
let troupe: Troupe;
let url: string;

/** Runs the MCP Inspector CLI (0.15.0) asynchronously: the server lives in this process. */
function inspector(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(join(process.cwd(), 'node_modules/.bin/mcp-inspector'), ['--cli', url, '--transport', 'http', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

s.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'troupe-inspector-'));
  const config = defaultConfig(dir);
  config.port = 0;
  config.auth.mode = 'none';
  mkdirSync(config.dagsDir, { recursive: true });
  writeFileSync(join(config.dagsDir, 'hello.yaml'), 'steps:\n  - name: hello\n    run: echo hello\n');
  troupe = await createTroupe(config, { logger: createMemoryLogger() });
  url = `${(await troupe.listen()).url}/mcp`;
});
s.after(async () => {
  await troupe.close();
  rmSync(dir, { recursive: true, force: true });
});

s('the Inspector CLI lists the tools', async () => {
  const r = await inspector('--method', 'tools/list');
  assert.is(r.code, 0, r.stderr);
  const names = (JSON.parse(r.stdout) as { tools: Array<{ name: string }> }).tools.map((t) => t.name);
  assert.equal(names, ['dagu_change', 'dagu_execute', 'dagu_read']);
});

s('the Inspector CLI calls dagu_read and dagu_execute', async () => {
  const read = await inspector('--method', 'tools/call', '--tool-name', 'dagu_read', '--tool-arg', 'target=dags');
  assert.is(read.code, 0, read.stderr);
  const out = JSON.parse(read.stdout) as { structuredContent: { data: { items: Array<{ name: string }> } } };
  assert.equal(out.structuredContent.data.items.map((i) => i.name), ['hello']);
  const exec = await inspector('--method', 'tools/call', '--tool-name', 'dagu_execute', '--tool-arg', 'action=start', 'name=hello');
  assert.is(exec.code, 0, exec.stderr);
  const started = JSON.parse(exec.stdout) as { isError?: boolean; structuredContent: { dagName: string; runUri: string } };
  assert.not.ok(started.isError);
  assert.is(started.structuredContent.dagName, 'hello');
});

s('the Inspector CLI reads a reference resource and gets a prompt', async () => {
  const r = await inspector('--method', 'resources/read', '--uri', 'dagu://reference/authoring');
  assert.is(r.code, 0, r.stderr);
  assert.ok(r.stdout.includes('Authoring Troupe DAGs'));
  const missing = await inspector('--method', 'resources/read', '--uri', 'dagu://reference/nope');
  assert.is(missing.code, 1);
  const p = await inspector('--method', 'prompts/get', '--prompt-name', 'dagu_create_dag', '--prompt-args', 'goal=backup');
  assert.is(p.code, 0, p.stderr);
  assert.ok(p.stdout.includes('mode=preview'));
});

s.run();
