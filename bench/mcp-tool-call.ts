// Profiling aid (not a target benchmark): one `dagu_read target=run` tools/call through the MCP
// surface alone (strict parsing, audit lifecycle, the run read, the result) with no HTTP, SDK or
// session in front, against the same surface with an audit trail that records nothing, in the
// same process. The difference is what the three audit entries of a read cost the event loop
// (attribution, redaction, sealing, index blocks and the LevelDB batch, on this thread).
//
// Usage: node --import tsx bench/mcp-tool-call.ts [calls per round=20000] [rounds=5]
import { newId, runWithContext } from '../src/core/index.ts';
import type { OperationContext } from '../src/core/index.ts';
import type { AuditTrail } from '../src/audit/types.ts';
import { createSurface } from '../src/mcp/surface.ts';
import { median, startTroupe } from './mcp-servers.ts';

const calls = Number(process.argv[2] ?? 20_000);
const rounds = Number(process.argv[3] ?? 5);
const t = await startTroupe();
const runtime = t.troupe.engine.runtime;
const nullTrail = { record() {}, recordDurable: async () => ({}), assertWritable: async () => {} } as unknown as AuditTrail;
const variants = {
  'audited (real trail)': createSurface({ runtime, audit: t.troupe.engine.audit }),
  'audit stub          ': createSurface({ runtime, audit: nullTrail }),
};
const base: OperationContext = {
  source: 'mcp', surface: 'mcp', transport: 'streamable_http', correlationId: newId(), workspace: 'default',
  subject: { userId: 'anonymous', username: 'anonymous', role: 'admin' }, credential: { type: 'none' }, sessionId: newId(), clientName: 'bench', clientVersion: '1',
};
const results = new Map<string, number[]>();
for (let r = 0; r < rounds; r++) {
  for (const [name, surface] of Object.entries(variants)) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) {
      await runWithContext({ ...base, requestId: newId() }, () => surface['tools/call']({ name: 'dagu_read', arguments: t.readCall.arguments }));
      // Let the audit batcher and writer run, as they would between requests.
      if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
    }
    await t.troupe.engine.audit.flush();
    results.set(name, [...(results.get(name) ?? []), ((performance.now() - t0) * 1000) / calls]);
  }
}
console.log(`node ${process.version}, ${calls} calls per round, ${rounds} rounds (first round is warm-up)`);
for (const [name, xs] of results) console.log(`${name}: ${xs.map((x) => x.toFixed(1)).join(' / ')} µs/call (median of rounds 2+: ${median(xs.slice(1)).toFixed(1)})`);
await t.close();
