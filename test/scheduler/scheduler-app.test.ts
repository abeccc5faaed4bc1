import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createInMemoryExecutor } from '../../src/actors/index.ts';
import { createTroupe } from '../../src/app.ts';
import { defaultConfig } from '../../src/config.ts';
import { createMemoryLogger, createSimulatedClock } from '../../src/core/index.ts';
import { until } from '../_support/engine.ts';

// The scheduler as `troupe server` wires it: it starts with listen(), its firings reach the
// audit trail with source=scheduler and a correlation id of their own, which the run's lifecycle
// entries carry too; REST shows the next run.

const s = suite('scheduler in the server: audited firings (real audit trail, simulated clock)');

s('each firing is audited with source=scheduler and its own correlation id, down to the run entries', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-sched-app-'));
  const config = { ...defaultConfig(dir), port: 0, dataDir: join(dir, 'data'), dagsDir: join(dir, 'dags') };
  config.scheduler.timezone = 'UTC';
  mkdirSync(config.dagsDir, { recursive: true });
  writeFileSync(join(config.dagsDir, 'tick.yaml'), 'schedule: "*/5 * * * *"\nsteps:\n  - name: a\n    run: echo hi\n');
  const clock = createSimulatedClock(Date.UTC(2026, 0, 1, 12, 0, 1));
  const troupe = await createTroupe(config, { clock, executor: createInMemoryExecutor({ clock }), logger: createMemoryLogger() });
  try {
    assert.ok(troupe.scheduler, 'on by default');
    const { url } = await troupe.listen();
    // The scheduler actor is on the actors stream (kind=scheduler), replayed from the start.
    const ctrl = new AbortController();
    const res = await fetch(`${url}/api/v1/streams/actors?kind=scheduler&after=0`, { signal: ctrl.signal });
    assert.is(res.status, 200);
    const reader = res.body!.getReader();
    let text = '';
    while (!/"to":"running"/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    assert.match(text, /"actorId":"scheduler:scheduler"/);
    ctrl.abort();
    const dags = await (await fetch(`${url}/api/v1/dags`)).json();
    assert.is(dags.dags[0].nextRun, '2026-01-01T12:05:00.000Z');
    const rt = troupe.engine.runtime;
    for (const slot of [5, 10]) {
      await clock.advance(Date.UTC(2026, 0, 1, 12, slot) - clock.now());
      await troupe.scheduler!.idle();
      await until(async () => (await rt.listRuns({ name: 'tick' })).items.filter((r) => r.statusLabel === 'succeeded').length === slot / 5, 10_000, `run ${slot / 5}`);
    }
    await troupe.engine.audit.flush();
    const entries = (await troupe.engine.audit.query({ source: 'scheduler', limit: 100 })).entries;
    const enqueues = entries.filter((e) => e.action === 'dag_enqueue');
    assert.is(enqueues.length, 2);
    const ids = enqueues.map((e) => e.correlation_id);
    assert.is(new Set(ids).size, 2, 'a fresh correlation id per firing');
    for (const id of ids) {
      const all = (await troupe.engine.audit.query({ correlation_id: id, limit: 100 })).entries.map((e) => e.action);
      assert.ok(all.includes('dag_enqueue') && all.some((a) => /succeeded|finished|completed/.test(a)), `the run's entries carry the firing's correlation id: ${all.join(', ')}`);
    }
  } finally {
    await troupe.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

s.run();
