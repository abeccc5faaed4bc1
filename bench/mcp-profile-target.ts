// Profiling target (not a benchmark): the Troupe MCP stack alone under `dagu_read target=run`
// load from 8 raw-fetch sessions, for `seconds` after `warmup` seconds of the same load. Run it
// under `node --cpu-prof` and read the profile (see bench/results/mcp.md for what was found).
//
// Usage: node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/mcp-profile-target.ts [seconds=5] [era=legacy|modern] [warmup=3]
import { loadLegacy, loadModern } from './mcp-load.ts';
import { startTroupe } from './mcp-servers.ts';

const seconds = Number(process.argv[2] ?? 5);
const era = process.argv[3] ?? 'legacy';
const warmup = Number(process.argv[4] ?? 3);
const troupe = await startTroupe();
const load = era === 'modern' ? loadModern : loadLegacy;
if (warmup > 0) await load(troupe.url, troupe.readCall, warmup * 1000, 8);
const rate = await load(troupe.url, troupe.readCall, seconds * 1000, 8);
console.log(`${era}: ${rate.toFixed(0)} calls/s`);
await troupe.close();
