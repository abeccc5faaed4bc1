// Realistic audit traffic for the audit benchmarks: one MCP request causes received/started/
// succeeded tool-call entries, a dag_execute and later the run's started/finished entries, all
// under one correlation id. Cardinalities: 50 users, 20 API keys, 30 DAGs, 5 workspaces.
import type { AuditInput } from '../src/audit/index.ts';
import type { OperationOrigin } from '../src/core/index.ts';

/** A cheap deterministic PRNG (mulberry32), so runs are comparable. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Yields `n` audit inputs; correlation ids are `corr-<request number>`. */
export function* traffic(n: number, startMs: number, seed = 7): Generator<AuditInput> {
  const rnd = prng(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)]!;
  const tools = ['dagu_read', 'dagu_change', 'dagu_execute'] as const;
  let produced = 0;
  let at = startMs;
  for (let req = 0; produced < n; req++) {
    const user = Math.floor(rnd() * 50);
    const viaMcp = rnd() < 0.7;
    const dag = `dag-${Math.floor(rnd() * 30)}`;
    const origin: OperationOrigin = {
      source: viaMcp ? 'mcp' : 'rest',
      surface: viaMcp ? 'mcp' : 'rest_api',
      transport: viaMcp ? 'streamable_http' : 'http',
      requestId: `req-${req}`,
      correlationId: `corr-${req}`,
      sessionId: viaMcp ? `sess-${Math.floor(req / 20)}` : undefined,
      workspace: `ws-${user % 5}`,
      credentialId: `key-${user % 20}`,
      credentialType: 'api_key',
      userId: `user-${user}`,
      username: `user${user}`,
      ipAddress: `10.0.${user % 4}.${user}`,
      mcpTool: viaMcp ? pick(tools) : undefined,
    } as OperationOrigin;
    const runId = `run-${req}`;
    const batch: AuditInput[] = [];
    if (viaMcp) {
      for (const result of ['received', 'started', 'succeeded'] as const) {
        batch.push({ category: 'mcp', action: `mcp.tool_call.${result}`, result, resource_type: 'dag', resource_id: dag, details: { mcp_tool: origin.mcpTool, dag_name: dag, params_keys: ['DATE', 'REGION'], duration_ms: Math.floor(rnd() * 200) } });
      }
    }
    batch.push({ category: 'dag', action: 'dag_execute', result: 'succeeded', resource_type: 'dag_run', resource_id: `${dag}/${runId}`, details: { dag_name: dag, dag_run_id: runId, params_keys: ['DATE', 'REGION'] } });
    batch.push({ category: 'dag', action: 'dag_run_finished', result: rnd() < 0.9 ? 'succeeded' : 'failed', resource_type: 'dag_run', resource_id: `${dag}/${runId}`, details: { dag_name: dag, dag_run_id: runId, status: 'succeeded', attempt: 1, duration_ms: Math.floor(rnd() * 60_000) } });
    for (const input of batch) {
      if (produced++ >= n) return;
      at += 1 + Math.floor(rnd() * 3);
      yield { ...input, origin, at };
    }
  }
}
