import { TroupeError, isTroupeError } from '../core/index.ts';
import type { AuditEntry, AuditFilter, AuditTrail } from '../audit/index.ts';
import { parseCommand } from './args.ts';

/** What `runAuditCommand` needs: the open trail and two line writers. */
export interface AuditCommandDeps {
  trail: AuditTrail;
  out: (line: string) => void;
  err: (line: string) => void;
}

const USAGE = `usage:
  troupe audit query [--category C] [--action A] [--source S] [--surface S] [--result R]
                     [--correlation-id ID] [--resource-id R] [--mcp-tool T] [--workspace W]
                     [--since ISO] [--until ISO] [--limit N] [--offset N] [--cursor C] [--json]
  troupe audit verify`;

const QUERY_OPTIONS = {
  category: { type: 'string' },
  action: { type: 'string' },
  source: { type: 'string' },
  surface: { type: 'string' },
  result: { type: 'string' },
  'correlation-id': { type: 'string' },
  'resource-id': { type: 'string' },
  'mcp-tool': { type: 'string' },
  workspace: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  limit: { type: 'string' },
  offset: { type: 'string' },
  cursor: { type: 'string' },
  json: { type: 'boolean' },
} as const;

function count(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new TroupeError('INVALID_INPUT', `--${flag} must be a non-negative integer, got ${value}`);
  return Number(value);
}

function time(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(Date.parse(value))) throw new TroupeError('INVALID_INPUT', `--${flag} must be an ISO-8601 date-time, got ${value}`);
  return value;
}

/** One entry per line: time, seq, category, action, result, source, correlation id, resource. */
export function formatAuditLine(e: AuditEntry): string {
  const resource = e.resource_type || e.resource_id ? `${e.resource_type || '-'}:${e.resource_id || '-'}` : '-';
  return [e.timestamp, `#${e.seq}`, e.category, e.action, e.result || '-', e.source || '-', e.correlation_id || '-', resource].join('  ');
}

async function query(argv: string[], deps: AuditCommandDeps): Promise<number> {
  const { values, positionals } = parseCommand(argv, QUERY_OPTIONS);
  if (positionals.length > 0) throw new TroupeError('INVALID_INPUT', `unexpected argument ${positionals[0]}`);
  const filter: AuditFilter = {};
  const set = <K extends keyof AuditFilter>(key: K, value: AuditFilter[K] | undefined) => {
    if (value !== undefined) filter[key] = value;
  };
  set('category', values.category);
  set('action', values.action);
  set('source', values.source);
  set('surface', values.surface);
  set('result', values.result);
  set('correlation_id', values['correlation-id']);
  set('resource_id', values['resource-id']);
  set('mcp_tool', values['mcp-tool']);
  set('workspace', values.workspace);
  set('start_time', time(values.since, 'since'));
  set('end_time', time(values.until, 'until'));
  set('limit', count(values.limit, 'limit'));
  set('offset', count(values.offset, 'offset'));
  set('cursor', values.cursor);
  const page = await deps.trail.query(filter);
  // The command is itself audited (source=cli from the context the CLI seeds): filter names only.
  deps.trail.record({ category: 'system', action: 'audit_query', result: 'succeeded', details: { filter_keys: Object.keys(filter).sort(), total: page.total } });
  if (values.json) {
    deps.out(JSON.stringify({ entries: page.entries, total: page.total, ...(page.next_cursor ? { next_cursor: page.next_cursor } : {}) }, null, 2));
  } else {
    for (const e of page.entries) deps.out(formatAuditLine(e));
    deps.out(`${page.entries.length} of ${page.total} entries${page.next_cursor ? ` (more: --cursor ${page.next_cursor})` : ''}`);
  }
  return 0;
}

async function verify(argv: string[], deps: AuditCommandDeps): Promise<number> {
  const { positionals } = parseCommand(argv, {});
  if (positionals.length > 0) throw new TroupeError('INVALID_INPUT', `unexpected argument ${positionals[0]}`);
  const result = await deps.trail.verify();
  deps.trail.record({
    category: 'system',
    action: 'audit_verify',
    result: result.ok ? 'succeeded' : 'failed',
    details: { checked: result.checked, ok: result.ok, ...(result.firstBadSeq !== undefined ? { first_bad_seq: result.firstBadSeq } : {}) },
  });
  if (result.ok) {
    deps.out(`audit chain ok: ${result.checked} entries verified`);
    return 0;
  }
  deps.err(`audit chain broken at seq ${result.firstBadSeq}: ${result.reason} (${result.checked} entries verified before it)`);
  return 1;
}

/**
 * `troupe audit query ...` and `troupe audit verify`; `argv` starts after `audit`. Returns
 * the exit code: 0 on success, 1 when the chain does not verify or the store fails, 2 on a
 * usage error.
 */
export async function runAuditCommand(argv: string[], deps: AuditCommandDeps): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    let code: number;
    if (sub === 'query') code = await query(rest, deps);
    else if (sub === 'verify') code = await verify(rest, deps);
    else {
      deps.err(sub === undefined || sub === '--help' || sub === '-h' ? USAGE : `troupe audit: unknown subcommand ${sub}\n${USAGE}`);
      return sub === '--help' || sub === '-h' ? 0 : 2;
    }
    // Make the command's own entry durable before the process exits; a failure is reported.
    await deps.trail.flush().catch((e: unknown) => deps.err(`warning: the audit entry of this command was not written: ${(e as Error).message}`));
    return code;
  } catch (error) {
    if (isTroupeError(error)) {
      deps.err(`troupe audit ${sub}: ${error.message}`);
      return error.code === 'INVALID_INPUT' ? 2 : 1;
    }
    throw error;
  }
}
