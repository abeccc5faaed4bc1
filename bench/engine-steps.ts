// Benchmark: a 200-step DAG of `true` steps (graph, max_active_steps 8) through the whole
// engine, against spawning the same 200 processes directly with the same concurrency.
// Usage: node --import tsx bench/engine-steps.ts [runs=5] [steps=200] [concurrency=8]
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestEngine } from '../test/_support/engine.ts';

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

const yaml = `max_active_steps: ${concurrency}\nsteps:\n${Array.from({ length: steps }, (_, i) => `  - name: s${i}\n    run: "true"\n`).join('')}`;
const e = await createTestEngine();
e.writeDag('many', yaml);
const engineMs: number[] = [];
const rawMs: number[] = [];
// One warm-up of each, then alternate so drift affects both alike.
for (let i = -1; i < runs; i++) {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-bench-raw-'));
  const r = await rawSpawn(dir);
  rmSync(dir, { recursive: true, force: true });
  const t0 = performance.now();
  const { dagRunId } = await e.runtime.start({ name: 'many' });
  const { details } = await e.runtime.waitForRun('many', dagRunId, 120_000);
  const ms = performance.now() - t0;
  if (details.statusLabel !== 'succeeded') throw new Error(`run ended ${details.statusLabel}`);
  if (i >= 0) {
    engineMs.push(ms);
    rawMs.push(r);
  }
}
await e.close();
const em = median(engineMs);
const rm = median(rawMs);
console.log(`steps=${steps} concurrency=${concurrency} runs=${runs}`);
console.log(`raw spawn   median ${rm.toFixed(1)} ms  (${rawMs.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`troupe run  median ${em.toFixed(1)} ms  (${engineMs.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`ratio troupe/raw = ${(em / rm).toFixed(2)}x  (target <= 1.3x)`);
