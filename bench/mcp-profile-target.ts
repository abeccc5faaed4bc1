// Profiling target (not a benchmark): the Troupe MCP stack alone under `dagu_read target=run`
// load from 8 raw-fetch sessions, for `seconds`. Run it under `node --cpu-prof` and read the
// profile (see bench/results/mcp.md for what was found).
//
// Usage: node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/mcp-profile-target.ts [seconds=5] [era=legacy|modern]
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTroupe } from '../src/app.ts';
import { defaultConfig } from '../src/config.ts';
import { loadLegacy, loadModern } from './mcp-load.ts';

const seconds = Number(process.argv[2] ?? 5);
const era = process.argv[3] ?? 'legacy';
const dir = mkdtempSync(join(tmpdir(), 'troupe-prof-mcp-'));
const config = defaultConfig(dir);
config.port = 0;
config.auth.mode = 'none';
config.mcp.maxSessions = 1000;
mkdirSync(config.dagsDir, { recursive: true });
writeFileSync(join(config.dagsDir, 'hello.yaml'), 'steps:\n  - name: hello\n    run: echo hello\n');
const troupe = await createTroupe(config, { onWarning: () => {} });
const url = `${(await troupe.listen()).url}/mcp`;
const run = await troupe.engine.runtime.start({ name: 'hello' });
await troupe.engine.runtime.waitForRun('hello', run.dagRunId, 10_000);
const call = { name: 'dagu_read', arguments: { target: 'run', name: 'hello', dagRunId: run.dagRunId } };
const rate = era === 'modern' ? await loadModern(url, call, seconds * 1000, 8) : await loadLegacy(url, call, seconds * 1000, 8);
console.log(`${era}: ${rate.toFixed(0)} calls/s`);
await troupe.engine.audit.flush();
await troupe.close();
rmSync(dir, { recursive: true, force: true });
