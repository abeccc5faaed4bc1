// Benchmark: 1,000 jobs of `true` at concurrency 16 through the BullMQ executor on 2 local
// `troupe worker` processes (concurrency 8 each) over a local redis-server, against the local
// process executor (helper launcher) in the same run, interleaved round by round.
// Reported per executor: wall time, throughput (steps/s) and dispatch latency per step
// (submit -> `started` event, p50/p99). Two BullMQ placements: every step its own run (spread
// over both workers), and all steps one run (run affinity: one worker, concurrency 16).
// The point of workers is scale-out, not beating local: a step crosses Redis twice
// (the job to the worker, its events back) and runs on the same two cores as everything else.
// Usage: node --import tsx bench/workers-steps.ts [rounds=3] [steps=1000] [concurrency=16]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { createBullmqExecutor } from '../src/actors/executors/bullmq-executor.ts';
import { createLocalProcessExecutor } from '../src/actors/executors/local-process.ts';
import type { JobEvent, StepExecutor, StepJob } from '../src/actors/executors/port.ts';
import { newJobId } from '../src/actors/executors/port.ts';
import { createMemoryLogger } from '../src/core/logger.ts';
import { startRedis, uniquePrefix } from '../test/_support/redis.ts';
import { spawnWorker } from '../test/_support/workers.ts';

const rounds = Number(process.argv[2] ?? 3);
const steps = Number(process.argv[3] ?? 1000);
const concurrency = Number(process.argv[4] ?? 16);

interface Result { ms: number; latencies: number[] }

async function drive(ex: StepExecutor, affinity: (i: number) => string): Promise<Result> {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  const one = async () => {
    while (next < steps) {
      const i = next++;
      const job: StepJob = { jobId: newJobId(), runName: 'bench', runId: affinity(i), attempt: 1, step: `s${i}`, command: 'true', shell: ['/bin/sh'], env: { PATH: process.env.PATH ?? '' }, captureOutput: false, placement: { affinity: affinity(i) } };
      const submitted = performance.now();
      const handle = ex.submit(job, { log: { write: () => {} } });
      handle.events$.subscribe((e: JobEvent) => {
        if (e.type === 'started') latencies.push(performance.now() - submitted);
      });
      const events = await lastValueFrom(handle.events$.pipe(toArray()));
      const end = events[events.length - 1]!;
      if (end.type !== 'exited' || end.exitCode !== 0) throw new Error(`step ${i} failed: ${JSON.stringify(end)}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, one));
  return { ms: performance.now() - t0, latencies };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const median = (xs: number[]) => pct(xs, 50);

const redis = await startRedis();
const prefix = uniquePrefix('bench');
const workers = await Promise.all(['wb-1', 'wb-2'].map((id) => spawnWorker({ redisUrl: redis.url, prefix, id, concurrency: concurrency / 2, heartbeatMs: 1000, ttlMs: 10_000 })));
const logger = createMemoryLogger({ level: 'warn' });
const dir = mkdtempSync(join(tmpdir(), 'troupe-bench-workers-'));
const results: Record<string, Result[]> = { local: [], spread: [], oneRun: [] };
try {
  const bull = await createBullmqExecutor({ redisUrl: redis.url, prefix, logger, lostAfterMs: 30_000 });
  await bull.reconcile([]);
  // Warm-up: first launches, first BullMQ scripts loaded.
  const local = createLocalProcessExecutor({ logger });
  await drive(local, (i) => `warm-${i}`);
  await drive(bull, (i) => `warm-${i}`);
  for (let r = 0; r < rounds; r++) {
    results.local!.push(await drive(local, (i) => `l${r}-${i}`));
    results.spread!.push(await drive(bull, (i) => `s${r}-${i}`));
    results.oneRun!.push(await drive(bull, () => `one-${r}`));
  }
  await local.close();
  await bull.close();
} finally {
  await Promise.all(workers.map((w) => w.stop()));
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}

console.log(`steps=${steps} concurrency=${concurrency} rounds=${rounds} workers=2x${concurrency / 2}`);
const localMs = median(results.local!.map((x) => x.ms));
for (const [name, label] of [['local', 'local executor (helper)        '], ['spread', 'bullmq, 2 workers, step = run  '], ['oneRun', 'bullmq, one run (1 worker x16) ']] as const) {
  const rs = results[name]!;
  const ms = median(rs.map((x) => x.ms));
  const lat = rs.flatMap((x) => x.latencies);
  console.log(`${label} median ${ms.toFixed(0).padStart(6)} ms  ${(steps / (ms / 1000)).toFixed(0).padStart(5)} steps/s  throughput ${(localMs / ms).toFixed(2)}x local  dispatch p50 ${pct(lat, 50).toFixed(1)} ms p99 ${pct(lat, 99).toFixed(1)} ms  (${rs.map((x) => x.ms.toFixed(0)).join(', ')})`);
}
