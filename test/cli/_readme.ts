import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT, envFor } from './_troupe.ts';

/** The shell lines of the README's bash blocks that call troupe. */
export function readmeLines(): string[] {
  const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const lines: string[] = [];
  for (const block of text.matchAll(/```bash\n([\s\S]*?)```/g)) {
    for (const line of block[1]!.split('\n')) if (/(^|\| )npx troupe /.test(line)) lines.push(line);
  }
  return lines;
}

export function runLine(dir: string, line: string, env: NodeJS.ProcessEnv) {
  // `npx troupe` is the package's own bin; run the same file without npx's start-up cost.
  const script = `troupe() { "${process.execPath}" "${BIN}" "$@"; }\n${line.replace(/npx troupe /g, 'troupe ')}`;
  return spawnSync('bash', ['-c', script], { cwd: dir, env, encoding: 'utf8', timeout: 120_000 });
}

export function clone(): string {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-14-readme-'));
  cpSync(join(ROOT, 'examples'), join(dir, 'examples'), { recursive: true });
  return dir;
}

/** The run environment of a fresh clone: ./data and ./dags (the defaults), nothing inherited. */
export function cloneEnv(): NodeJS.ProcessEnv {
  const env = envFor('/unused');
  delete env.TROUPE_DATA_DIR;
  delete env.TROUPE_DAGS_DIR;
  return env;
}

