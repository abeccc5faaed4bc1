// The README's run examples, as written, against a running server (see readme.test.ts).
import { rmSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BIN, spawnTroupe, waitUntil } from './_troupe.ts';
import { clone, cloneEnv, readmeLines, runLine } from './_readme.ts';

const s = suite('README examples with a server');

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
