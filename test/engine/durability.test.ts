import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { findMarked } from '../../src/actors/executors/proc-scan.ts';
import type { AuditStore } from '../../src/audit/ports.ts';
import { defaultConfig } from '../../src/config.ts';
import { createMemoryLogger, isTroupeError, runWithContext } from '../../src/core/index.ts';
import { openEngine } from '../../src/engine.ts';
import { until } from '../_support/engine.ts';

const s = suite('acknowledged means durable');

function tempConfig() {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-durable-'));
  const config = { ...defaultConfig(dir), dataDir: join(dir, 'data'), dagsDir: join(dir, 'dags') };
  mkdirSync(config.dagsDir, { recursive: true });
  return { dir, config };
}

/** The real LevelDB audit store, whose writes start failing like a full disk when told to. */
function failing(store: AuditStore): { store: AuditStore; fail(): void } {
  let broken = false;
  const proxy = new Proxy(store, {
    get(target, key, receiver) {
      if (key === 'append' && broken) {
        return () => Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
      }
      const v = Reflect.get(target, key, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { store: proxy, fail: () => void (broken = true) };
}

async function rejection(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  return p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => {
      assert.ok(isTroupeError(e), String(e));
      return e as { code: string; message: string };
    },
  );
}

for (const first of ['a DAG create', 'a run start'] as const) {
  s(`fail_closed on a failing store: the first change after the store fails (${first}) is refused and not made`, async () => {
    const { dir, config } = tempConfig();
    let control: ReturnType<typeof failing> | undefined;
    const engine = await openEngine(config, {
      logger: createMemoryLogger(),
      launcher: 'direct',
      auditStore: (store) => (control = failing(store)).store,
    });
    try {
      const yaml = 'steps:\n  - name: s\n    run: "true"\n';
      await engine.runtime.createDag('before', yaml);
      control!.fail();
      // Nothing has failed yet: the gate still passes, so the refusal comes from the write itself.
      await engine.audit.assertWritable();
      if (first === 'a DAG create') {
        const create = await rejection(engine.runtime.createDag('first', yaml));
        assert.is(create.code, 'AUDIT_UNAVAILABLE');
        assert.not.ok(existsSync(join(config.dagsDir, 'first.yaml')), 'the refused create was undone');
        // From now on the gate refuses before anything is attempted.
        const start = await rejection(engine.runtime.start({ name: 'before' }));
        assert.is(start.code, 'AUDIT_UNAVAILABLE');
        assert.is((await engine.runtime.listRuns({ name: 'before' })).items.length, 0);
      } else {
        const start = await rejection(runWithContext({ source: 'rest', correlationId: 'corr-refused' }, () => engine.runtime.start({ name: 'before' })));
        assert.is(start.code, 'AUDIT_UNAVAILABLE');
        // The refused run never started: its record says so, and none of its steps ran.
        const runs = await engine.runtime.listRuns({ name: 'before' });
        assert.is(runs.items.length, 1);
        assert.is(runs.items[0]!.statusLabel, 'failed');
        assert.match(runs.items[0]!.error ?? '', /^refused: /);
        assert.ok(runs.items[0]!.steps.every((st) => st.statusLabel === 'not_started'));
        assert.is(existsSync(join(config.dataDir, 'logs', 'before', runs.items[0]!.dagRunId, '1', 's.stdout.log')), false);
      }
    } finally {
      await engine.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

s('fail_open on a failing store: the change proceeds and the failure is logged', async () => {
  const { dir, config } = tempConfig();
  config.audit = { ...config.audit, onFailure: 'fail_open' };
  const logger = createMemoryLogger();
  let control: ReturnType<typeof failing> | undefined;
  const engine = await openEngine(config, { logger, launcher: 'direct', auditStore: (store) => (control = failing(store)).store });
  try {
    control!.fail();
    await engine.runtime.createDag('open', 'steps:\n  - name: s\n    run: "true"\n');
    assert.ok(existsSync(join(config.dagsDir, 'open.yaml')));
    assert.ok(logger.lines.some((l) => l.level === 'warn' && /not durable/.test(l.msg)));
  } finally {
    await engine.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Starts `troupe server` in `dir`; resolves with its URL and local token. */
async function startServer(dir: string) {
  const child = spawn(process.execPath, [join(process.cwd(), 'bin/troupe.js'), 'server', '--port', '0'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no listening line: ${out} ${err}`)), 90_000);
    child.stdout.on('data', () => {
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]!);
      }
    });
  });
  const { token } = JSON.parse(readFileSync(join(dir, 'data', 'server.json'), 'utf8')) as { token: string };
  const exited = new Promise((r) => child.once('exit', r));
  return { child, url, token, exited, err: () => err };
}

async function postStart(url: string, token: string, name: string) {
  const res = await fetch(`${url}/api/v1/dags/${name}/start`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
  return { res, body: (await res.json()) as { dagRunId: string } };
}

const ORPHANS = 'steps:\n  - name: bg\n    run: sleep 300 & setsid sleep 300 & echo started; sleep 300\n';

for (const when of ['right after the start call returned', 'mid-step'] as const) {
  s(`crash ${when}: after a restart the call's dag_execute is on the trail under its correlation id, and no step process is left`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'troupe-crash-'));
    try {
      mkdirSync(join(dir, 'dags'));
      writeFileSync(join(dir, 'dags', 'orphans.yaml'), ORPHANS);
      const server = await startServer(dir);
      const { res, body } = await postStart(server.url, server.token, 'orphans');
      assert.is(res.status, 200);
      const correlationId = res.headers.get('x-correlation-id')!;
      assert.ok(correlationId);
      const dataDir = join(dir, 'data');
      if (when === 'mid-step') {
        const out = join(dataDir, 'logs', 'orphans', body.dagRunId, '1', 'bg.stdout.log');
        await until(() => existsSync(out) && readFileSync(out, 'utf8').includes('started'), 20_000, 'the step to start');
        await until(() => findMarked({ scope: dataDir }).length >= 3, 10_000, 'the step processes');
      }
      server.child.kill('SIGKILL');
      await server.exited;

      const config = { ...defaultConfig(dir), dataDir, dagsDir: join(dir, 'dags') };
      const engine = await openEngine(config, { logger: createMemoryLogger() });
      try {
        const page = await engine.audit.query({ correlation_id: correlationId });
        const exec = page.entries.find((e) => e.action === 'dag_execute');
        assert.ok(exec, `dag_execute under ${correlationId}: ${page.entries.map((e) => e.action).join(', ')}`);
        assert.is(exec!.resource_id, `orphans/${body.dagRunId}`);
        assert.is(exec!.source, 'cli');
        const run = await engine.runtime.getRun('orphans', body.dagRunId);
        assert.is(run?.statusLabel, 'failed');
        assert.is(run?.error, 'interrupted by restart');
        await until(() => findMarked({ scope: dataDir }).length === 0, 10_000, 'no process of the data directory left');
        assert.is((await engine.audit.verify()).ok, true);
      } finally {
        await engine.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

s.run();
