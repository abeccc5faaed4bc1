// Benchmark (an A/B of one setting): `dagu_read target=run` throughput in the 2025-11-25 era
// through the whole Troupe stack with the audit trail on its thread (`audit.thread: true`, the
// default) against the same stack writing it inline on the main thread, both in this process,
// in interleaved rounds (alternating which goes first), with the bare SDK server of
// bench/mcp-throughput.ts measured in the same rounds for scale. Loopback only, bounded by time.
//
// Usage: node --import tsx bench/mcp-audit-thread.ts [seconds per round=1] [connections=8] [rounds=21]
import { driveLegacy, openLegacySessions } from './mcp-load.ts';
import { ECHO_CALL, median, quantile, startBareLegacy, startTroupe } from './mcp-servers.ts';

const seconds = Number(process.argv[2] ?? 1);
const connections = Number(process.argv[3] ?? 8);
const rounds = Number(process.argv[4] ?? 21);

const threaded = await startTroupe((c) => (c.audit.thread = true));
const inline = await startTroupe((c) => (c.audit.thread = false));
const bare = await startBareLegacy();
const sessions = {
  threaded: await openLegacySessions(threaded.url, connections),
  inline: await openLegacySessions(inline.url, connections),
  bare: await openLegacySessions(bare.url, connections),
};
type Variant = keyof typeof sessions;
const calls: Record<Variant, Parameters<typeof driveLegacy>[1]> = { threaded: threaded.readCall, inline: inline.readCall, bare: ECHO_CALL };
const rates: Record<Variant, number[]> = { threaded: [], inline: [], bare: [] };

async function round(v: Variant): Promise<void> {
  rates[v].push(await driveLegacy(sessions[v], calls[v], seconds * 1000));
}

for (const v of ['bare', 'inline', 'threaded'] as const) await driveLegacy(sessions[v], calls[v], 2000); // warm-up
const orders: Variant[][] = [
  ['threaded', 'inline', 'bare'],
  ['inline', 'bare', 'threaded'],
  ['bare', 'threaded', 'inline'],
];
for (let i = 0; i < rounds; i++) for (const v of orders[i % orders.length]!) await round(v);

const ratio = (a: number[], b: number[]) => a.map((x, i) => x / b[i]!);
const fmt = (xs: number[], digits = 2) => `median ${median(xs).toFixed(digits)} (IQR ${quantile(xs, 0.25).toFixed(digits)}–${quantile(xs, 0.75).toFixed(digits)})`;
console.log(`2025-11-25 era, connections=${connections}, ${rounds} interleaved rounds of ${seconds} s per variant, node ${process.version}`);
for (const v of ['bare', 'inline', 'threaded'] as const) console.log(`${v.padEnd(9)}: ${fmt(rates[v], 0)} calls/s`);
console.log(`threaded/inline throughput: ${fmt(ratio(rates.threaded, rates.inline))}`);
console.log(`threaded/bare: ${fmt(ratio(rates.threaded, rates.bare))}; inline/bare: ${fmt(ratio(rates.inline, rates.bare))} (the issue's target: >= 0.8)`);
for (const s of Object.values(sessions)) await s.close();
await threaded.close();
await inline.close();
await bare.close();
