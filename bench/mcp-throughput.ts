// Benchmark: `dagu_read target=run` tools/call throughput in the 2025-11-25 era through the whole
// Troupe stack (h3 app, auth stack, MCP handler, session routing, audit entries, runtime read)
// against a bare SDK 1.x server with a trivial `echo` tool on the same transport (web-standard
// Streamable HTTP in SSE mode on node:http + h3), in the same process and run, rounds
// interleaved (the machine is shared). Loopback only, bounded by time.
//
// Usage: node --import tsx bench/mcp-throughput.ts [seconds per round=3] [connections=8] [rounds=5]
import { loadLegacy } from './mcp-load.ts';
import { ECHO_CALL, interleave, median, startBareLegacy, startTroupe } from './mcp-servers.ts';

const seconds = Number(process.argv[2] ?? 3);
const connections = Number(process.argv[3] ?? 8);
const rounds = Number(process.argv[4] ?? 5);

const troupe = await startTroupe();
const bare = await startBareLegacy();
const troupeLoad = () => loadLegacy(troupe.url, troupe.readCall, seconds * 1000, connections);
const bareLoad = () => loadLegacy(bare.url, ECHO_CALL, seconds * 1000, connections);
// Warm-up (JIT, connection pools) for both.
await loadLegacy(bare.url, ECHO_CALL, 1000, connections);
await loadLegacy(troupe.url, troupe.readCall, 1000, connections);
const r = await interleave(rounds, troupeLoad, bareLoad);
const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' / ');
console.log(`2025-11-25 era, connections=${connections}, ${rounds} interleaved rounds of ${seconds} s, node ${process.version}`);
console.log(`bare SDK echo tool         : ${fmt(r.b)} calls/s (median ${median(r.b).toFixed(0)})`);
console.log(`troupe dagu_read target=run: ${fmt(r.a)} calls/s (median ${median(r.a).toFixed(0)})`);
console.log(`per-round ratios           : ${r.ratios.map((x) => x.toFixed(2)).join(' / ')}`);
console.log(`median ratio troupe/bare = ${r.median.toFixed(2)} (target >= 0.8)`);
await troupe.close();
await bare.close();
