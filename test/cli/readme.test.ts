// The README's examples, run as written (finding 7): every `npx troupe` line of its bash blocks,
// in order, on a fresh directory laid out like a clone (examples/ present, no dags/ yet).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BIN, ROOT, envFor, hasStack, spawnTroupe, waitUntil } from './_troupe.ts';

const s = suite('README examples');

/** The shell lines of the README's bash blocks that call troupe. */
function readmeLines(): string[] {
  const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const lines: string[] = [];
  for (const block of text.matchAll(/```bash\n([\s\S]*?)```/g)) {
    for (const line of block[1]!.split('\n')) if (/(^|\| )npx troupe /.test(line)) lines.push(line);
  }
  return lines;
}

function runLine(dir: string, line: string, env: NodeJS.ProcessEnv) {
  // `npx troupe` is the package's own bin; run the same file without npx's start-up cost.
  const script = `troupe() { "${process.execPath}" "${BIN}" "$@"; }\n${line.replace(/npx troupe /g, 'troupe ')}`;
  return spawnSync('bash', ['-c', script], { cwd: dir, env, encoding: 'utf8', timeout: 120_000 });
}

function clone(): string {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-14-readme-'));
  cpSync(join(ROOT, 'examples'), join(dir, 'examples'), { recursive: true });
  return dir;
}

/** The run environment of a fresh clone: ./data and ./dags (the defaults), nothing inherited. */
function cloneEnv(): NodeJS.ProcessEnv {
  const env = envFor('/unused');
  delete env.TROUPE_DATA_DIR;
  delete env.TROUPE_DAGS_DIR;
  return env;
}

s('the README has the examples this test expects', () => {
  const lines = readmeLines();
  assert.ok(lines.length >= 15, lines.join('\n'));
  assert.ok(lines.some((l) => l.includes('--params')));
});

s('every example runs as written without a server: exit 0, no warning, no stack', () => {
  const dir = clone();
  try {
    for (const line of readmeLines()) {
      const r = runLine(dir, line, cloneEnv());
      assert.is(r.status, 0, `${line}\n${r.stdout}\n${r.stderr}`);
      assert.not.match(r.stderr, /warning:/, line);
      assert.not.ok(hasStack(r.stderr), line);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

s('the run examples run as written against a running server too', async () => {
  const dir = clone();
  const server = spawnTroupe(process.execPath, [BIN, 'server', '--port', '0'], { cwd: dir, env: cloneEnv() });
  try {
    await server.waitFor(/troupe listening on/);
    for (const line of readmeLines().filter((l) => !/troupe (audit|apikey|user) /.test(l))) {
      const r = runLine(dir, line, cloneEnv());
      if (/troupe dequeue /.test(line) && r.status === 1) {
        // The server started the run at once (its queue was free), as the README says it may.
        assert.match(r.stderr, /^troupe dequeue: dag-run hello:\S+ is not queued$/m);
        continue;
      }
      assert.is(r.status, 0, `${line}\n${r.stdout}\n${r.stderr}`);
      assert.not.match(r.stderr, /warning:/, line);
    }
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
    await waitUntil(() => server.child.exitCode !== null, 10_000).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
});

s.run();
