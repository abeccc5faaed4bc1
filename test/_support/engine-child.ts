// Child process for the recovery test: opens an engine on the given directory, starts a long
// run and enqueues two more, reports the pids, then waits to be killed.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestEngine, until } from './engine.ts';

const dir = process.argv[2]!;
const e = await createTestEngine({ dir });
e.writeDag('long', `steps:\n  - name: work\n    run: echo started; sleep 60 & echo $! > ${join(dir, 'bg.pid')}; sleep 60\n  - name: after\n    depends: work\n    run: echo after\n`);
e.writeDag('q', `steps:\n  - name: s\n    run: echo "$TAG" >> ${join(dir, 'order')}\n`);
const { dagRunId } = await e.runtime.start({ name: 'long' }, { dagRunId: 'crash-1' });
// 'long' holds its own queue; the queued ones use queue 'q' which is free — make them wait
// behind a run that never ends before the crash by enqueuing on the same queue as 'long'.
const a = await e.runtime.enqueue({ name: 'q' }, { dagRunId: 'q-1', params: { TAG: 'one' }, queue: 'long' });
const b = await e.runtime.enqueue({ name: 'q' }, { dagRunId: 'q-2', params: { TAG: 'two' }, queue: 'long' });
await until(async () => (await e.runtime.getRun('long', dagRunId))?.steps[0]?.statusLabel === 'running', 5000);
await new Promise((r) => setTimeout(r, 300));
writeFileSync(join(dir, 'ready'), JSON.stringify({ dagRunId, queued: [a.dagRunId, b.dagRunId] }));
await new Promise(() => {});
