// Benchmark: server CPU time per `tools/call`, Troupe's `dagu_read target=run` through the whole
// stack against a bare SDK server with a trivial `echo` tool, for both protocol eras. Each server
// runs in its own child process; the load generator (this process) sends a fixed number of
// calls and charges the child's process.cpuUsage() delta (user + system) to them. On a shared,
// loaded machine this is far steadier than wall-clock throughput, which swings with whatever
// else runs; the throughput-equivalent ratio is bare µs / Troupe µs. Rounds interleave the
// variants (alternating order) and the median of per-round ratios is reported.
//
// Usage: node --import tsx bench/mcp-cpu-per-call.ts [calls per round=1500] [connections=8] [rounds=5] [eras=legacy,modern]
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { loadLegacy, loadModern } from './mcp-load.ts';
import type { ToolCall } from './mcp-load.ts';
import { interleave, median } from './mcp-servers.ts';

const calls = Number(process.argv[2] ?? 1500);
const connections = Number(process.argv[3] ?? 8);
const rounds = Number(process.argv[4] ?? 5);
const eras = (process.argv[5] ?? 'legacy,modern').split(',');

interface Child {
  proc: ChildProcess;
  url: string;
  call: ToolCall;
}

async function start(variant: string): Promise<Child> {
  const proc = fork(new URL('./mcp-cpu-server.ts', import.meta.url).pathname, [variant], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).once('line', resolve);
    proc.once('exit', (code) => reject(new Error(`${variant} exited ${code}`)));
  });
  const { url, call } = JSON.parse(line) as { url: string; call: ToolCall };
  return { proc, url, call };
}

const cpu = (c: Child) =>
  new Promise<number>((resolve) => {
    c.proc.once('message', (u) => resolve((u as NodeJS.CpuUsage).user + (u as NodeJS.CpuUsage).system));
    c.proc.send('cpu');
  });

/** Sends `calls` calls (spread over the connections) and returns the server's CPU µs per call. */
async function measure(c: Child, era: string, n: number): Promise<number> {
  const before = await cpu(c);
  // The generators are time-bounded; run them in 2 s slices until n calls were made. (Each
  // 2025-era slice opens and deletes its sessions: that cost is charged too, amortised.)
  let made = 0;
  const load = era === 'modern' ? loadModern : loadLegacy;
  while (made < n) {
    const rate = await load(c.url, c.call, 2000, connections);
    made += Math.round(rate * 2);
  }
  const after = await cpu(c);
  return (after - before) / made;
}

console.log(`node ${process.version}, ${calls} calls per round, connections=${connections}, ${rounds} interleaved rounds`);
for (const era of eras) {
  const troupe = await start(`troupe-${era}`);
  const bare = await start(`bare-${era}`);
  await measure(bare, era, 300);
  await measure(troupe, era, 300);
  // Ratio of CPU per call, bare over Troupe: the throughput-equivalent ratio.
  const r = await interleave(rounds, () => measure(bare, era, calls), () => measure(troupe, era, calls));
  const b = r.a;
  const t = r.b;
  const ratios = r.ratios;
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' / ');
  console.log(`[${era}] bare SDK echo tool server CPU : ${fmt(b)} µs/call (median ${median(b).toFixed(0)})`);
  console.log(`[${era}] troupe dagu_read server CPU   : ${fmt(t)} µs/call (median ${median(t).toFixed(0)})`);
  console.log(`[${era}] throughput-equivalent ratio bare/troupe: ${ratios.map((r) => r.toFixed(2)).join(' / ')} (median ${median(ratios).toFixed(2)}; target >= 0.8)`);
  troupe.proc.disconnect();
  bare.proc.disconnect();
}
