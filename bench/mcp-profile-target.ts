// Profiling target (not a benchmark): the Troupe MCP stack alone under `dagu_read target=run`
// load from 8 raw-fetch sessions, for `seconds`. Run it under `node --cpu-prof` and read the
// profile (see bench/results/mcp.md for what was found).
//
// Usage: node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/mcp-profile-target.ts [seconds=5] [era=legacy|modern]
import { loadLegacy, loadModern } from './mcp-load.ts';
import { startTroupe } from './mcp-servers.ts';

const seconds = Number(process.argv[2] ?? 5);
const era = process.argv[3] ?? 'legacy';
const troupe = await startTroupe();
const rate = era === 'modern' ? await loadModern(troupe.url, troupe.readCall, seconds * 1000, 8) : await loadLegacy(troupe.url, troupe.readCall, seconds * 1000, 8);
console.log(`${era}: ${rate.toFixed(0)} calls/s`);
await troupe.close();
