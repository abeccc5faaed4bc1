// The README's examples, run as written (finding 7): every `npx troupe` line of its bash blocks,
// in order, on a fresh directory laid out like a clone (examples/ present, no dags/ yet).
import { rmSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hasStack } from './_troupe.ts';
import { clone, cloneEnv, readmeLines, runLine } from './_readme.ts';

const s = suite('README examples');

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

s.run();
