// Benchmark: 10,000 queued runs held as live actors: RSS per run, and the time to restore
// them all after a restart. Usage: node --expose-gc --import tsx bench/engine-queued.ts [n=10000]
import { createTestEngine } from '../test/_support/engine.ts';

const n = Number(process.argv[2] ?? 10_000);
const gc = (globalThis as { gc?: () => void }).gc;
function rss(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().rss;
}

const e = await createTestEngine();
e.writeDag('blocker', `steps:\n  - name: s\n    run: sleep 600\n`);
e.writeDag('small', `steps:\n  - name: a\n    run: echo a\n  - name: b\n    depends: a\n    run: echo b\n`);
// A run that never ends holds the queue, so everything enqueued behind it stays queued.
await e.runtime.start({ name: 'blocker' });
// Warm up the code paths before taking the baseline.
for (let i = 0; i < 200; i++) await e.runtime.enqueue({ name: 'small' }, { queue: 'blocker' });
const before = rss();
const t0 = performance.now();
for (let i = 0; i < n; i++) await e.runtime.enqueue({ name: 'small' }, { queue: 'blocker' });
const enqueueMs = performance.now() - t0;
const after = rss();
const perRun = (after - before) / n;
console.log(`enqueued ${n} runs in ${(enqueueMs / 1000).toFixed(1)} s (${((n / enqueueMs) * 1000).toFixed(0)} runs/s)`);
console.log(`RSS ${(before / 2 ** 20).toFixed(1)} MiB -> ${(after / 2 ** 20).toFixed(1)} MiB: ${(perRun / 1024).toFixed(1)} KiB per queued run (target <= 20 KiB)${gc ? '' : ' (run with --expose-gc for stable figures)'}`);
await e.shutdown();
// Restart: reopen the same directory; the runtime restores every queued run as a live actor.
const t1 = performance.now();
const e2 = await createTestEngine({ dir: e.dir });
const restoreMs = performance.now() - t1;
const queued = (await e2.runtime.listRuns({ status: ['queued'], limit: 500 })).items.length;
console.log(`restored ${n + 200} queued runs in ${restoreMs.toFixed(0)} ms (target < 2000 ms); first page of queued runs: ${queued}`);
await e2.close();
