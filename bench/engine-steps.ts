// Benchmark: a 200-step DAG of `true` steps (max_active_steps 8) through the whole engine,
// against spawning the same 200 processes directly with the same concurrency, measured
// interleaved in one run; and the engine's own cost per step with the in-memory executor
// (no processes): wall time and main-thread CPU per step.
// Usage: node --import tsx bench/engine-steps.ts [runs=5] [steps=200] [concurrency=8]
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInMemoryExecutor } from '../src/actors/index.ts';
import { createLogger } from '../src/core/index.ts';
import { createTestEngine } from '../test/_support/engine.ts';
import type { TestEngine } from '../test/_support/engine.ts';

const runs = Number(process.argv[2] ?? 5);
const steps = Number(process.argv[3] ?? 200);
const concurrency = Number(process.argv[4] ?? 8);

/** The baseline: the same launch shape as the executor (sh -c, own process group, output to files). */
async function rawSpawn(dir: string): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  async function worker() {
    while (next < steps) {
      const i = next++;
      const out = openSync(join(dir, `s${i}.out`), 'a');
      const err = openSync(join(dir, `s${i}.err`), 'a');
      const child = spawn('/bin/sh', ['-c', 'true'], { detached: true, stdio: ['ignore', out, err] });
      closeSync(out);
      closeSync(err);
      await new Promise((r) => child.once('exit', r));
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function runOnce(e: TestEngine): Promise<{ ms: number; cpuMs: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { dagRunId } = await e.runtime.start({ name: 'many' });
  const { details } = await e.runtime.waitForRun('many', dagRunId, 600_000);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (details.statusLabel !== 'succeeded') throw new Error(`run ended ${details.statusLabel}`);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000 };
}

const yaml = `max_active_steps: ${concurrency}\nsteps:\n${Array.from({ length: steps }, (_, i) => `  - name: s${i}\n    run: "true"\n`).join('')}`;
const logger = createLogger({ level: 'error' });
// The production path: the default local executor (its launcher helper process).
const local = await createTestEngine({ launcher: 'helper', logger });
local.writeDag('many', yaml);
// The engine alone: steps "run" in memory, so what is left is the engine's own work.
const memory = await createTestEngine({ executor: createInMemoryExecutor(), logger });
memory.writeDag('many', yaml);

const engineMs: number[] = [];
const rawMs: number[] = [];
const engineCpu: number[] = [];
const memMs: number[] = [];
const memCpu: number[] = [];
// One warm-up of each, then alternate so drift affects all alike.
for (let i = -1; i < runs; i++) {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-bench-raw-'));
  const r = await rawSpawn(dir);
  rmSync(dir, { recursive: true, force: true });
  const l = await runOnce(local);
  const m = await runOnce(memory);
  if (i >= 0) {
    rawMs.push(r);
    engineMs.push(l.ms);
    engineCpu.push(l.cpuMs);
    memMs.push(m.ms);
    memCpu.push(m.cpuMs);
  }
}
await local.close();
await memory.close();
const em = median(engineMs);
const rm = median(rawMs);
console.log(`steps=${steps} concurrency=${concurrency} runs=${runs}`);
console.log(`raw spawn         median ${rm.toFixed(1)} ms  (${rawMs.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`troupe run        median ${em.toFixed(1)} ms  (${engineMs.map((x) => x.toFixed(0)).join(', ')}), main-thread CPU ${median(engineCpu).toFixed(0)} ms`);
console.log(`ratio troupe/raw = ${(em / rm).toFixed(2)}x  (target <= 1.3x)`);
console.log(`in-memory executor: run median ${median(memMs).toFixed(1)} ms, engine CPU ${median(memCpu).toFixed(0)} ms = ${((median(memCpu) / steps) * 1000).toFixed(0)} us/step`);
