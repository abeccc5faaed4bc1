// Child process for the server-restart test on workers: a runtime with the BullMQ executor on
// the given directory, Redis and prefix. It starts a run whose two steps run on a worker,
// writes `ready` once both started there, then waits to be SIGKILLed (a server crash).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBullmqExecutor } from '../../src/actors/executors/bullmq-executor.ts';
import { createMemoryLogger } from '../../src/core/logger.ts';
import { createTestEngine, until } from './engine.ts';

const [dir, redisUrl, prefix] = process.argv.slice(2) as [string, string, string];
const executor = await createBullmqExecutor({ redisUrl, prefix, logger: createMemoryLogger(), lostAfterMs: 2000 });
const e = await createTestEngine({ dir, executor });
e.writeDag(
  'crashy',
  'worker_selector:\n  pool: restart\nsteps:\n' +
    `  - name: slow\n    run: echo slow >> ${join(dir, 'slow.ran')}; echo $TROUPE_JOB_ID > ${join(dir, 'slow.job')}; sleep 30\n` +
    `  - name: quick\n    run: sleep 1; echo quick >> ${join(dir, 'quick.ran')}\n` +
    '  - name: after\n    depends: [quick]\n    run: echo after\n',
);
const { dagRunId } = await e.runtime.start({ name: 'crashy' }, { dagRunId: 'crash-w1' });
const both = await until(async () => {
  const d = await e.runtime.getRun('crashy', dagRunId);
  const started = d?.steps.filter((st) => st.where !== undefined && st.statusLabel === 'running') ?? [];
  return started.length === 2 ? d : undefined;
}, 30_000, 'both steps to start on the worker');
// The live actors say both run; wait until that is also on disk (the run's persisted
// transitions are written in the same batch as its record), so the crash comes after it.
await until(async () => {
  const page = await e.runtime.transitions('crashy', dagRunId);
  const running = new Set(page.items.filter((t) => t.actorKind === 'step' && t.to.startsWith('running')).map((t) => t.actor));
  return running.has('slow') && running.has('quick') ? true : undefined;
}, 30_000, 'both steps to be durable as running');
writeFileSync(join(dir, 'ready'), JSON.stringify({ dagRunId, where: both.steps.filter((st) => st.where).map((st) => st.where!.workerId) }));
await new Promise(() => {});
