// Benchmark: `dagu_read target=run` tools/call throughput in the 2026-07-28 era (stateless,
// per-request envelope, Mcp-Method/Mcp-Name headers) through the whole Troupe stack, against a
// bare SDK 2.x `createMcpHandler` with a trivial `echo` tool on the same HTTP stack (h3 on
// node:http), in the same process and run, rounds interleaved. Loopback only, bounded by time.
//
// Usage: node --import tsx bench/mcp-throughput-modern.ts [seconds per round=3] [connections=8] [rounds=5]
import { loadModern } from './mcp-load.ts';
import { ECHO_CALL, interleave, median, startBareModern, startTroupe } from './mcp-servers.ts';

const seconds = Number(process.argv[2] ?? 3);
const connections = Number(process.argv[3] ?? 8);
const rounds = Number(process.argv[4] ?? 5);

const troupe = await startTroupe();
const bare = await startBareModern();
await loadModern(bare.url, ECHO_CALL, 1000, connections);
await loadModern(troupe.url, troupe.readCall, 1000, connections);
const r = await interleave(
  rounds,
  () => loadModern(troupe.url, troupe.readCall, seconds * 1000, connections),
  () => loadModern(bare.url, ECHO_CALL, seconds * 1000, connections),
);
const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' / ');
console.log(`2026-07-28 era, connections=${connections}, ${rounds} interleaved rounds of ${seconds} s, node ${process.version}`);
console.log(`bare SDK 2.x echo tool     : ${fmt(r.b)} calls/s (median ${median(r.b).toFixed(0)})`);
console.log(`troupe dagu_read target=run: ${fmt(r.a)} calls/s (median ${median(r.a).toFixed(0)})`);
console.log(`per-round ratios           : ${r.ratios.map((x) => x.toFixed(2)).join(' / ')}`);
console.log(`median ratio troupe/bare = ${r.median.toFixed(2)} (target >= 0.8)`);
await troupe.close();
await bare.close();
