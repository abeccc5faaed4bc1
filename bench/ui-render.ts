// Visualizer under load, in Debian's Chromium: first render and frame time with 1,000 live
// actors and a 200-step DAG while 1,000 actor events per second stream in.
//
//   node --import tsx bench/ui-render.ts [seconds-per-measure=5]
//
// The server is composed as `createTroupe` does (engine, actor board, the live streams' actors
// topic the page reads, the page); the 200-step DAG is a real run. The 1,000 actors and the
// event flow are synthetic transitions merged into the runtime's events$ and numbered with its
// own events in one sequence, as the backbone numbers them (real runs at that rate would
// measure process spawning, not the page). Baselines in
// the same run: first render of the same page with no actors, and the frame time of the same
// page with no events flowing.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject, map, merge, share } from 'rxjs';
import type { Runtime, RuntimeEvent, TransitionEvent } from '../src/actors/index.ts';
import { createAuthService } from '../src/auth/index.ts';
import { defaultConfig } from '../src/config.ts';
import { openEngine } from '../src/engine.ts';
import { createHttpApp, startHttpServer } from '../src/http/index.ts';
import { auditTopic, createStreamService, runtimeTopics } from '../src/streams/index.ts';
import { createLevelAuthStore } from '../src/store/level-auth-store.ts';
import { openBrowser } from '../test/ui/_browser.ts';
import { uiBundle } from '../src/visualizer/ui-bundle.ts';

const SECONDS = Number(process.argv[2] ?? 5);
const ACTORS = 1000;
const RATE = 1000;

const dir = mkdtempSync(join(tmpdir(), 'troupe-10-bench-'));
const config = defaultConfig(dir);
config.dataDir = join(dir, 'data');
config.dagsDir = join(dir, 'dags');
config.port = 0;
mkdirSync(config.dagsDir, { recursive: true });
// 200 steps in 20 layers of 10; each step depends on two steps of the layer before.
const steps: string[] = [];
for (let l = 0; l < 20; l++) {
  for (let i = 0; i < 10; i++) {
    const deps = l === 0 ? '' : `\n    depends: [s${l - 1}_${i}, s${l - 1}_${(i + 3) % 10}]`;
    steps.push(`  - name: s${l}_${i}\n    run: "true"${deps}`);
  }
}
writeFileSync(join(config.dagsDir, 'big200.yaml'), `max_active_steps: 8\nsteps:\n${steps.join('\n')}\n`);

const engine = await openEngine(config);
const synthetic = new Subject<RuntimeEvent>();
let seq = engine.runtime.lastSeq();
const events$ = merge(engine.runtime.events$, synthetic).pipe(
  map((e) => ({ ...e, seq: ++seq }) as RuntimeEvent),
  share(),
);
const runtime: Runtime = Object.create(engine.runtime, { events$: { value: events$ }, lastSeq: { value: () => seq } });
const auth = await createAuthService({ store: createLevelAuthStore(engine.db), config });
const live = runtimeTopics(runtime, { capacity: config.streams.replayCapacity });
const streams = createStreamService({ topics: [auditTopic(engine.audit), live.runs, live.actors], audit: engine.audit });
const app = createHttpApp({ config, runtime, audit: engine.audit, auth, streams });
const server = await startHttpServer(app, { host: '127.0.0.1', port: 0 });
await uiBundle(); // built once per process: not part of any page's first render
const browser = await openBrowser({ bypassCSP: true });
const { page } = browser;
const ui = `${server.url}/ui/`;

const STATES = ['pending', 'running.active', 'succeeded'];
const STATUS = ['not_started', 'running', 'succeeded'];
let now = Date.now();
const actorEvent = (i: number, phase: number): TransitionEvent => {
  const isRun = i % 5 === 0;
  const run = { name: `syn${Math.floor(i / 5)}`, dagRunId: `r${Math.floor(i / 5)}`, attempt: 1 };
  const to = isRun ? ['running.active', 'running.stopping', 'succeeded'][phase % 3]! : STATES[phase % 3]!;
  return {
    type: 'transition',
    at: (now = Math.max(now + 1, Date.now())),
    actorKind: isRun ? 'run' : 'step',
    actorId: isRun ? `run:${run.name}/${run.dagRunId}:1` : `step:${run.name}/${run.dagRunId}:1:s${i % 5}`,
    machine: isRun ? 'run' : 'step',
    from: phase === 0 ? null : 'pending',
    to,
    event: phase === 0 ? 'xstate.init' : 'step.update',
    restored: false,
    run,
    ...(isRun ? {} : { step: `s${i % 5}`, ...({ stepState: { status: STATUS[phase % 3], exitCode: null, startedAt: null, finishedAt: null, retryCount: 0 } } as object) }),
    origin: { source: 'rest', correlationId: `c${i}` },
    ...({ seq: 0, correlationId: `c${i}` } as object),
  } as TransitionEvent;
};

/** Emits `RATE` events per second in 10 ms ticks; `target` picks what each event is about. */
function flow(target: (n: number) => TransitionEvent): () => void {
  let n = 0;
  const timer = setInterval(() => {
    for (let k = 0; k < RATE / 100; k++) synthetic.next(target(n++));
  }, 10);
  return () => clearInterval(timer);
}

/** Median of three first renders (after one warm-up navigation per view, not counted). */
async function firstRender(url: string, ready: string): Promise<number> {
  await renderOnce(url, ready);
  const t = [await renderOnce(url, ready), await renderOnce(url, ready), await renderOnce(url, ready)].sort((a, b) => a - b);
  return t[1]!;
}

/** From the start of navigation to the view drawn (the page's own clock: document load, bundle, API calls, render). */
async function renderOnce(url: string, ready: string): Promise<number> {
  await page.goto('about:blank');
  await page.goto(url);
  await page.waitForFunction(ready, undefined, { timeout: 30_000, polling: 'raf' }).catch(async (e: Error) => {
    console.error('not ready:', await page.evaluate(`document.querySelector('main')?.innerText.slice(0, 400)`), browser.errors);
    throw e;
  });
  if (process.env.TROUPE_UI_PROFILE) console.log(await page.evaluate(`JSON.stringify([performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')].map((e) => [e.name.split('/').slice(3).join('/').slice(0, 40), Math.round(e.startTime), Math.round(e.responseEnd)]))`));
  return (await page.evaluate('performance.now()')) as number;
}

async function frames(seconds: number): Promise<{ p50: number; p95: number; max: number; n: number }> {
  // A string, not a function: tsx's transform would add helpers the page does not have.
  const deltas = (await page.evaluate(`new Promise((resolve) => {
    const out = []; let last = performance.now(); const end = last + ${seconds * 1000};
    const tick = (t) => { out.push(t - last); last = t; if (t < end) requestAnimationFrame(tick); else resolve(out); };
    requestAnimationFrame(tick);
  })`)) as number[];
  const sorted = [...deltas].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  return { p50: q(0.5), p95: q(0.95), max: sorted.at(-1)!, n: sorted.length };
}

const fmt = (f: { p50: number; p95: number; max: number; n: number }) => `p50 ${f.p50.toFixed(1)} ms, p95 ${f.p95.toFixed(1)} ms, max ${f.max.toFixed(1)} ms (${f.n} frames)`;
const rows = (n: number) => `parseInt(document.querySelector('[data-role=shown]')?.textContent ?? '0') >= ${n} && document.querySelectorAll('.actor-table tbody tr[data-actor]').length > 20`;

try {
  // Baselines: the actors page with nothing on it.
  const emptyRender = await firstRender(`${ui}#/actors`, `document.querySelector('.empty') !== null`);
  const idleActors = await frames(SECONDS);

  // 1,000 live actors.
  for (let i = 0; i < ACTORS; i++) synthetic.next(actorEvent(i, 0));
  const fullRender = await firstRender(`${ui}#/actors`, rows(ACTORS));
  const stopActors = flow((n) => actorEvent(n % ACTORS, 1 + (n % 2)));
  const busyActors = await frames(SECONDS);
  stopActors();

  // The 200-step DAG: a real run, then its page while step events stream at the same rate.
  const started = await engine.runtime.start({ name: 'big200' });
  await engine.runtime.waitForRun('big200', started.dagRunId, 60_000);
  const runUrl = `${ui}#/run/big200/${started.dagRunId}`;
  const dagReady = `document.querySelectorAll('.dag [data-step]').length >= 200 && document.querySelectorAll('.dag .dag-edge').length >= 380 && document.querySelectorAll('.timeline .tl-bar').length >= 200`;
  const dagRender = await firstRender(runUrl, dagReady);
  const idleDag = await frames(SECONDS);
  const stepEvent = (n: number): TransitionEvent => {
    const k = n % 200;
    const s = `s${Math.floor(k / 10)}_${k % 10}`;
    const phase = 1 + (n % 2);
    return {
      type: 'transition', at: Date.now(), actorKind: 'step', actorId: `step:big200/${started.dagRunId}:1:${s}`, machine: 'step', from: 'pending', to: STATES[phase]!, event: 'step.update', restored: false,
      run: { name: 'big200', dagRunId: started.dagRunId, attempt: 1 }, step: s, origin: { source: 'rest', correlationId: 'big' },
      ...({ seq: 0, correlationId: 'big', stepState: { status: STATUS[phase], exitCode: null, startedAt: null, finishedAt: null, retryCount: 0 } } as object),
    } as TransitionEvent;
  };
  // Half the flow is about the run on screen, half about the other 1,000 actors.
  const stopDag = flow((n) => (n % 2 === 0 ? stepEvent(n) : actorEvent(n % ACTORS, 1 + (n % 2))));
  const cdp = process.env.TROUPE_UI_PROFILE ? await browser.context.newCDPSession(page) : undefined;
  if (cdp) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.start');
  }
  const busyDag = await frames(SECONDS);
  if (cdp) {
    const { profile } = (await cdp.send('Profiler.stop')) as { profile: { nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }>; samples: number[] } };
    const self = new Map<string, number>();
    for (const n of profile.nodes) {
      const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
      self.set(k, (self.get(k) ?? 0) + (n.hitCount ?? 0));
    }
    console.log([...self].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, v]) => `${v}\t${k}`).join('\n'));
  }
  stopDag();

  const errors = browser.errors;
  console.log(`chromium headless, ${SECONDS} s per frame measure, ${RATE} events/s, first renders: median of 3 after a warm-up; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`);
  console.log(`actors page  first render: ${ACTORS} actors ${fullRender.toFixed(0)} ms  | empty (baseline) ${emptyRender.toFixed(0)} ms  | ratio ${(fullRender / emptyRender).toFixed(2)}`);
  console.log(`actors page  frames under ${RATE} ev/s: ${fmt(busyActors)}`);
  console.log(`actors page  frames idle (baseline):   ${fmt(idleActors)}  | p95 ratio ${(busyActors.p95 / idleActors.p95).toFixed(2)}`);
  console.log(`run page     first render: 200-step DAG + timeline ${dagRender.toFixed(0)} ms`);
  console.log(`run page     frames under ${RATE} ev/s: ${fmt(busyDag)}`);
  console.log(`run page     frames idle (baseline):   ${fmt(idleDag)}  | p95 ratio ${(busyDag.p95 / idleDag.p95).toFixed(2)}`);
  console.log(`budget: first render < 1000 ms: ${fullRender < 1000 && dagRender < 1000 ? 'met' : 'NOT met'}; p95 frame < 50 ms: ${busyActors.p95 < 50 && busyDag.p95 < 50 ? 'met' : 'NOT met'}`);
  if (errors.length) console.log('page errors:', errors);
} finally {
  await browser.close();
  await server.close();
  streams.close();
  live.close();
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
}
