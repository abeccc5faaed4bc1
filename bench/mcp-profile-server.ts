// Profiling target (not a benchmark): CPU profile of the Troupe MCP server process alone
// (bench/mcp-cpu-server.ts troupe-<era>, run under --cpu-prof), while this process drives it
// with 8 connections of `dagu_read target=run` for `seconds` after a 3 s warm-up. The profile
// lands in `dir` when the server exits; read it with Chrome DevTools or any .cpuprofile reader.
//
// Usage: node --import tsx bench/mcp-profile-server.ts [seconds=10] [era=legacy|modern] [dir=/tmp/troupe-mcp-prof] [variant=troupe-<era>|bare-<era>]
import { fork } from 'node:child_process';
import { createInterface } from 'node:readline';
import { loadLegacy, loadModern } from './mcp-load.ts';

const seconds = Number(process.argv[2] ?? 10);
const era = process.argv[3] ?? 'legacy';
const dir = process.argv[4] ?? '/tmp/troupe-mcp-prof';
const proc = fork(new URL('./mcp-cpu-server.ts', import.meta.url).pathname, [process.argv[5] ?? `troupe-${era}`], {
  execArgv: ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--import', 'tsx'],
  stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
});
const line = await new Promise<string>((resolve) => createInterface({ input: proc.stdout! }).once('line', resolve));
const { url, call } = JSON.parse(line) as { url: string; call: Parameters<typeof loadLegacy>[1] };
const load = era === 'modern' ? loadModern : loadLegacy;
await load(url, call, 3000, 8);
const rate = await load(url, call, seconds * 1000, 8);
console.log(`${era}: ${rate.toFixed(0)} calls/s while profiled; profile in ${dir}`);
proc.disconnect();
await new Promise((resolve) => proc.once('exit', resolve));
