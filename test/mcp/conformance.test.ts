import { createMemoryLogger } from '../../src/core/index.ts';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTroupe } from '../../src/app.ts';
import type { Troupe } from '../../src/app.ts';
import { defaultConfig } from '../../src/config.ts';
// @ts-expect-error -- a plain .mjs script without type declarations
import { GENERIC_SCENARIOS, runScenario } from '../../scripts/conformance/run-server-scenarios.mjs';

const s = suite('mcp/conformance');
let dir: string;
let troupe: Troupe;
let url: string;

s.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'troupe-conformance-'));
  const config = defaultConfig(dir);
  config.host = '127.0.0.1';
  config.port = 0;
  config.auth.mode = 'none';
  troupe = await createTroupe(config, { logger: createMemoryLogger() });
  url = `${(await troupe.listen()).url}/mcp`;
});
s.after(async () => {
  await troupe.close();
  rmSync(dir, { recursive: true, force: true });
});

for (const scenario of GENERIC_SCENARIOS as string[]) {
  s(`conformance scenario ${scenario} passes against the real server`, async () => {
    const out = join(dir, 'results');
    const { code, output } = (await runScenario(url, scenario, out)) as { code: number; output: string };
    assert.is(code, 0, output.slice(-2000));
  });
}

s.run();
