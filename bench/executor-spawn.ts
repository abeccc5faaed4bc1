// Benchmark: 200 jobs of `true` at concurrency 8 through the local executor (launcher in a
// helper process, and launcher in this process), against 200 raw `spawn`s of the same shape
// (`/bin/sh -c true`, own process group, output to files) in the same run, interleaved.
// Run once in a small, idle process and once with this process made big (a live heap of
// `BIG_MB`) and busy (`BUSY_MS` of main-thread work per finished job, as an engine does), to
// price what forking from a big, busy server costs and what the helper saves. Also reports
// this process's CPU per job, and the in-memory executor's.
// Usage: node --import tsx bench/executor-spawn.ts [runs=5] [jobs=200] [concurrency=8] [bigMb=600] [busyMs=1]
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom } from 'rxjs';
import { createInMemoryExecutor } from '../src/actors/executors/in-memory.ts';
import { createLocalProcessExecutor } from '../src/actors/executors/local-process.ts';
import type { StepExecutor } from '../src/actors/executors/port.ts';
import { newJobId } from '../src/actors/executors/port.ts';
import { createMemoryLogger } from '../src/core/logger.ts';

const runs = Number(process.argv[2] ?? 5);
const jobs = Number(process.argv[3] ?? 200);
const concurrency = Number(process.argv[4] ?? 8);
const bigMb = Number(process.argv[5] ?? 600);
const busyMs = Number(process.argv[6] ?? 1);

let busy = 0;
function work(): void {
  if (busy <= 0) return;
  const until = performance.now() + busy;
  while (performance.now() < until);
}

async function pool(one: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < jobs) await one(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

async function raw(dir: string): Promise<void> {
  await pool(async (i) => {
    const out = openSync(join(dir, `r${i}.out`), 'a');
    const err = openSync(join(dir, `r${i}.err`), 'a');
    const child = spawn('/bin/sh', ['-c', 'true'], { detached: true, stdio: ['ignore', out, err], env: { PATH: process.env['PATH'] ?? '' } });
    closeSync(out);
    closeSync(err);
    await new Promise((r) => child.once('exit', r));
    work();
  });
}

function viaExecutor(executor: StepExecutor) {
  return async (dir: string) => {
    await pool(async (i) => {
      const job = { jobId: newJobId(), runName: 'bench', runId: 'r', attempt: 1, step: `s${i}`, command: 'true', shell: ['/bin/sh'], env: { PATH: process.env['PATH'] ?? '' }, captureOutput: false };
      const files = { stdout: join(dir, `e${i}.out`), stderr: join(dir, `e${i}.err`) };
      await lastValueFrom(executor.submit(job, { log: { files, write: () => {} } }).events$);
      work();
    });
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function scenario(label: string): Promise<void> {
  const helper = createLocalProcessExecutor({ logger: createMemoryLogger() });
  const direct = createLocalProcessExecutor({ launcher: 'direct', logger: createMemoryLogger() });
  const subjects: Array<[string, (dir: string) => Promise<void>]> = [
    ['raw spawn', raw],
    ['executor, direct launcher', viaExecutor(direct)],
    ['executor, helper launcher', viaExecutor(helper)],
  ];
  const wall = new Map<string, number[]>(subjects.map(([n]) => [n, []]));
  const cpu = new Map<string, number[]>(subjects.map(([n]) => [n, []]));
  // One warm-up round (starts the helper), then alternate so drift affects all alike.
  for (let round = -1; round < runs; round++) {
    for (const [name, run] of subjects) {
      const dir = mkdtempSync(join(tmpdir(), 'troupe-bench-exec-'));
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await run(dir);
      const ms = performance.now() - t0;
      const c = process.cpuUsage(c0);
      rmSync(dir, { recursive: true, force: true });
      if (round >= 0) {
        wall.get(name)!.push(ms);
        cpu.get(name)!.push((c.user + c.system) / 1000);
      }
    }
  }
  await helper.close();
  await direct.close();
  const rss = Math.round(process.memoryUsage().rss / 2 ** 20);
  console.log(`\n${label} (rss ${rss} MiB, ${busy} ms main-thread work per job)`);
  const base = median(wall.get('raw spawn')!);
  for (const [name] of subjects) {
    const w = median(wall.get(name)!);
    const perJob = (median(cpu.get(name)!) / jobs).toFixed(2);
    console.log(`  ${name.padEnd(27)} median ${w.toFixed(0).padStart(5)} ms  ${(w / base).toFixed(2)}x raw  main cpu ${perJob} ms/job  (${wall.get(name)!.map((x) => x.toFixed(0)).join(', ')})`);
  }
}

console.log(`jobs=${jobs} concurrency=${concurrency} runs=${runs}`);
await scenario('small, idle process');
const ballast: Array<Record<string, number>> = [];
for (let i = 0; i < bigMb * 8000; i++) ballast.push({ a: i, b: i * 2 });
busy = busyMs;
await scenario('big, busy process');
void ballast.length;

// The in-memory executor: what an engine test pays per step for the executor.
{
  const memory = createInMemoryExecutor();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  busy = 0;
  await pool(async (i) => {
    const job = { jobId: newJobId(), runName: 'bench', runId: 'r', attempt: 1, step: `s${i}`, command: 'true', shell: ['/bin/sh'], env: {}, captureOutput: false };
    await lastValueFrom(memory.submit(job, { log: { write: () => {} } }).events$);
  });
  const c = process.cpuUsage(c0);
  console.log(`\nin-memory executor: ${jobs} jobs in ${(performance.now() - t0).toFixed(1)} ms, cpu ${((c.user + c.system) / 1000 / jobs).toFixed(3)} ms/job`);
}
