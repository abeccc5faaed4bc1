// Benchmark: `dagu_read target=run` tools/call throughput in the 2025-11-25 era through the whole
// Troupe stack (h3 app, auth stack, MCP handler, session routing, audit entries, runtime read)
// against a bare SDK 1.x server with a trivial `echo` tool on the same transport (web-standard
// Streamable HTTP in SSE mode on node:http + h3), in the same process and run. Loopback only,
// bounded by time.
//
// Each server gets `connections` sessions, opened once. Rounds alternate between the two servers
// (and which goes first), and the result is the median of the per-round throughput ratios with
// their interquartile range: on this shared VM the host's speed drifts by tens of percent within
// seconds, so many short interleaved rounds compare the two under the same conditions where a
// few long ones did not (3 s rounds gave per-round ratios from 0.64 to 0.92 in one run).
//
// Usage: node --import tsx bench/mcp-throughput.ts [seconds per round=1] [connections=8] [rounds=31]
import { driveLegacy, openLegacySessions } from './mcp-load.ts';
import { ECHO_CALL, interleave, median, quantile, startBareLegacy, startTroupe } from './mcp-servers.ts';

const seconds = Number(process.argv[2] ?? 1);
const connections = Number(process.argv[3] ?? 8);
const rounds = Number(process.argv[4] ?? 31);

const troupe = await startTroupe();
const bare = await startBareLegacy();
const troupeSessions = await openLegacySessions(troupe.url, connections);
const bareSessions = await openLegacySessions(bare.url, connections);
// Warm-up (JIT, connection pools) for both.
await driveLegacy(bareSessions, ECHO_CALL, 2000);
await driveLegacy(troupeSessions, troupe.readCall, 2000);
const r = await interleave(
  rounds,
  () => driveLegacy(troupeSessions, troupe.readCall, seconds * 1000),
  () => driveLegacy(bareSessions, ECHO_CALL, seconds * 1000),
);
const fmt = (xs: number[]) => `median ${median(xs).toFixed(0)}, IQR ${quantile(xs, 0.25).toFixed(0)}–${quantile(xs, 0.75).toFixed(0)}`;
console.log(`2025-11-25 era, connections=${connections}, ${rounds} interleaved rounds of ${seconds} s, node ${process.version}`);
console.log(`bare SDK echo tool         : ${fmt(r.b)} calls/s`);
console.log(`troupe dagu_read target=run: ${fmt(r.a)} calls/s`);
console.log(`per-round ratios           : ${r.ratios.map((x) => x.toFixed(2)).join(' ')}`);
console.log(`median ratio troupe/bare = ${r.median.toFixed(2)} (IQR ${quantile(r.ratios, 0.25).toFixed(2)}–${quantile(r.ratios, 0.75).toFixed(2)}; target >= 0.8)`);
await troupeSessions.close();
await bareSessions.close();
await troupe.close();
await bare.close();
