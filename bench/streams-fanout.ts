// Benchmark: fan-out of audit events to WebSocket subscribers through Troupe's stream layer
// (the audit trail hashes, batches and writes every entry to LevelDB; each committed entry
// goes out on the `audit` topic to every subscriber), side by side with bare `ws` broadcasting
// the same pre-serialized messages (same size, same schedule) to the same number of clients,
// in the same run, rounds interleaved (bare, troupe, bare, troupe, ...).
//
// Producers run on a fixed schedule (`rate` events/s); clients run in a child process and
// measure each event's delay against its scheduled production time, so the Troupe delay
// includes the audit trail's batching and durable write (an entry is streamed once committed).
//
// Usage: node --import tsx bench/streams-fanout.ts [rate=10000] [subscribers=100] [seconds=4] [rounds=2]
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { createTroupe } from '../src/app.ts';
import { defaultConfig } from '../src/config.ts';
import { auditEntryData } from '../src/streams/index.ts';

const rate = Number(process.argv[2] ?? 10_000);
const subscribers = Number(process.argv[3] ?? 100);
const seconds = Number(process.argv[4] ?? 4);
const rounds = Number(process.argv[5] ?? 2);
const expected = rate * seconds;
const SAMPLE = 10;
const now = () => performance.timeOrigin + performance.now();
const pct = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]! : NaN);
const median = (xs: number[]) => pct(xs, 50);

function child(): ChildProcess {
  return fork(new URL('./streams-fanout-client.ts', import.meta.url).pathname, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}
const ask = <T>(c: ChildProcess, msg: unknown, reply: string) =>
  new Promise<T>((resolve) => {
    const on = (m: { cmd: string }) => {
      if (m.cmd !== reply) return;
      c.off('message', on);
      resolve(m as T);
    };
    c.on('message', on);
    c.send(msg as never);
  });

/** Calls `produce(from, to)` for the events due, every ms, on the schedule t0 + k / rate. */
function schedule(t0: number, produce: (from: number, to: number) => void): Promise<void> {
  return new Promise((resolve) => {
    let done = 0;
    const tick = () => {
      const due = Math.min(expected, Math.floor(((now() - t0) * rate) / 1000) + 1);
      if (due > done) {
        produce(done + 1, due);
        done = due;
      }
      if (done >= expected) return resolve();
      setTimeout(tick, 1);
    };
    tick();
  });
}

interface RoundResult { delivered: number; ratePerSub: number; p50: number; p99: number; complete: number }

async function collect(c: ChildProcess, t0: number, total: number): Promise<RoundResult> {
  // Wait for the last events to arrive (or 120 s).
  let report: { counts: number[]; delays: number[]; lastAt: number };
  const deadline = now() + 120_000;
  for (;;) {
    report = await ask(c, { cmd: 'report' }, 'report');
    const got = report.counts.reduce((a, b) => a + b, 0);
    if (got >= total || now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const got = report.counts.reduce((a, b) => a + b, 0);
  const elapsed = (report.lastAt - t0) / 1000;
  return { delivered: got / elapsed, ratePerSub: got / elapsed / subscribers, p50: median(report.delays), p99: pct(report.delays, 99), complete: got / total };
}

// --- A sample audit message, to size the baseline's frames like Troupe's --------------------
async function troupeSetup() {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-bench-streams-'));
  const config = defaultConfig(dir);
  config.port = 0;
  config.auth.mode = 'none';
  config.streams.maxConnectionsPerCredential = subscribers + 10;
  // Buffers big enough that no subscriber is cut off: this measures throughput, not the bound.
  config.streams.maxBufferBytes = 512 * 1024 * 1024;
  config.streams.maxBufferMessages = 10_000_000;
  mkdirSync(config.dagsDir, { recursive: true });
  const troupe = await createTroupe(config);
  const { url } = await troupe.listen();
  const c = child();
  await ask(c, { cmd: 'connect', url: `${url.replace(/^http/, 'ws')}/api/v1/streams`, n: subscribers, subscribe: true }, 'ready');
  return { troupe, c, dir };
}

async function troupeRound(t: Awaited<ReturnType<typeof troupeSetup>>): Promise<RoundResult> {
  await t.troupe.engine.audit.flush();
  const base = (await t.troupe.engine.audit.query({ limit: 1 })).entries[0]!.seq;
  const t0 = now() + 200;
  await ask(t.c, { cmd: 'measure', t0, ratePerMs: rate / 1000, base, expected, sampleEvery: SAMPLE }, 'measuring');
  while (now() < t0) await new Promise((r) => setTimeout(r, 1));
  const audit = t.troupe.engine.audit;
  await schedule(t0, (from, to) => {
    for (let k = from; k <= to; k++) audit.record({ category: 'bench', action: 'fanout', resource_type: 'bench', resource_id: String(k), details: { k } });
  });
  return collect(t.c, t0, expected * subscribers);
}

async function bareSetup(sample: string) {
  const server = createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const c = child();
  const ready = ask(c, { cmd: 'connect', url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`, n: subscribers, subscribe: false }, 'ready');
  await ready;
  // The same frame shape and size as Troupe's, serialized before the clock starts.
  const [head, tail] = sample.split('"cursor":"');
  const rest = tail!.slice(tail!.indexOf('"'));
  const frames = Array.from({ length: expected + 1 }, (_, k) => `${head}"cursor":"${k}${rest}`);
  return { server, wss, c, frames };
}

async function bareRound(b: Awaited<ReturnType<typeof bareSetup>>): Promise<RoundResult> {
  const t0 = now() + 200;
  await ask(b.c, { cmd: 'measure', t0, ratePerMs: rate / 1000, base: 0, expected, sampleEvery: SAMPLE }, 'measuring');
  while (now() < t0) await new Promise((r) => setTimeout(r, 1));
  const clients = [...b.wss.clients];
  await schedule(t0, (from, to) => {
    for (let k = from; k <= to; k++) {
      const frame = b.frames[k]!;
      for (const ws of clients) ws.send(frame);
    }
  });
  return collect(b.c, t0, expected * subscribers);
}

const t = await troupeSetup();
// A real entry of this run, in the frame Troupe sends, sizes the baseline's messages.
t.troupe.engine.audit.record({ category: 'bench', action: 'fanout', resource_type: 'bench', resource_id: '1', details: { k: 1 } });
await t.troupe.engine.audit.flush();
const entry = (await t.troupe.engine.audit.query({ limit: 1 })).entries[0]!;
const sample = `{"type":"event","id":"s",${JSON.stringify({ topic: 'audit', cursor: String(entry.seq), event: 'audit.entry', data: auditEntryData(entry) }).slice(1)}`;
const b = await bareSetup(sample);

console.log(`node ${process.version}, ${rate} audit events/s to ${subscribers} WebSocket subscribers, ${seconds} s x ${rounds} rounds (interleaved), message ${Buffer.byteLength(sample)} bytes`);
const bare: RoundResult[] = [];
const ours: RoundResult[] = [];
const fmt = (r: RoundResult) => `${Math.round(r.delivered).toLocaleString('en-US')} msg/s delivered (${Math.round(r.ratePerSub)}/s per subscriber, ${(r.complete * 100).toFixed(1)} % of events), delay p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms`;
for (let i = 0; i < rounds; i++) {
  const x = await bareRound(b);
  bare.push(x);
  console.log(`  round ${i + 1} bare ws : ${fmt(x)}`);
  const y = await troupeRound(t);
  ours.push(y);
  console.log(`  round ${i + 1} troupe  : ${fmt(y)}`);
}
const mb = median(bare.map((r) => r.delivered));
const mo = median(ours.map((r) => r.delivered));
console.log(`bare ws (baseline): median ${Math.round(mb).toLocaleString('en-US')} msg/s, p99 ${median(bare.map((r) => r.p99)).toFixed(1)} ms`);
console.log(`troupe audit topic: median ${Math.round(mo).toLocaleString('en-US')} msg/s, p99 ${median(ours.map((r) => r.p99)).toFixed(1)} ms`);
console.log(`ratio troupe/bare delivered = ${(mo / mb).toFixed(2)} (target >= 0.7); troupe p99 delay ${median(ours.map((r) => r.p99)).toFixed(1)} ms (target < 50 ms)`);

t.c.send({ cmd: 'close' });
b.c.send({ cmd: 'close' });
await t.troupe.close();
rmSync(t.dir, { recursive: true, force: true });
b.wss.close();
b.server.close();
