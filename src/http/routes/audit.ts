import type { H3 } from 'h3';
import type { AuditEntry, AuditFilter } from '../../audit/types.ts';
import { assertAuditReader } from '../access.ts';
import { apiRoute } from '../api-route.ts';
import type { ApiDeps } from '../api-route.ts';
import { badRequest } from '../api-error.ts';
import { intQuery } from '../validate-params.ts';

/** camelCase query parameter → snake_case filter field (exact match). */
const EXACT: Record<string, keyof AuditFilter> = {
  category: 'category',
  action: 'action',
  source: 'source',
  surface: 'surface',
  result: 'result',
  correlationId: 'correlation_id',
  requestId: 'request_id',
  sessionId: 'session_id',
  resourceType: 'resource_type',
  resourceId: 'resource_id',
  workspace: 'workspace',
  credentialId: 'credential_id',
  credentialType: 'credential_type',
  mcpTool: 'mcp_tool',
  userId: 'user_id',
  ipAddress: 'ip_address',
};

function timeParam(url: URL, name: string): string | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return undefined;
  if (!Number.isFinite(Date.parse(raw))) throw badRequest(`${name} must be an RFC 3339 date-time`);
  return new Date(Date.parse(raw)).toISOString();
}

/** Parses `GET /audit` query parameters into the trail's filter. */
export function auditFilterOf(url: URL): AuditFilter {
  const filter: AuditFilter = {};
  for (const [param, key] of Object.entries(EXACT)) {
    const value = url.searchParams.get(param);
    if (value === null || value === '') continue;
    if (value.length > 256) throw badRequest(`${param} is too long`);
    (filter as Record<string, unknown>)[key] = value;
  }
  const start = timeParam(url, 'startTime');
  if (start !== undefined) filter.start_time = start;
  const end = timeParam(url, 'endTime');
  if (end !== undefined) filter.end_time = end;
  if (start !== undefined && end !== undefined && start > end) throw badRequest('startTime must not be after endTime');
  const limit = intQuery(url, 'limit', 1, 500);
  if (limit !== undefined) filter.limit = limit;
  const offset = intQuery(url, 'offset', 0, 1_000_000_000);
  if (offset !== undefined) filter.offset = offset;
  const cursor = url.searchParams.get('cursor');
  if (cursor) filter.cursor = cursor;
  return filter;
}

/** The REST (camelCase) form of a stored audit entry. */
export function auditEntryJson(e: AuditEntry) {
  return {
    id: e.id,
    seq: e.seq,
    timestamp: e.timestamp,
    category: e.category,
    action: e.action,
    source: e.source,
    surface: e.surface,
    result: e.result,
    correlationId: e.correlation_id,
    requestId: e.request_id,
    sessionId: e.session_id,
    resourceType: e.resource_type,
    resourceId: e.resource_id,
    workspace: e.workspace,
    credentialId: e.credential_id,
    credentialType: e.credential_type,
    mcpTool: e.mcp_tool,
    userId: e.user_id,
    username: e.username,
    ipAddress: e.ip_address,
    details: e.details,
    prevHash: e.prev_hash,
    hash: e.hash,
  };
}

/** `GET {base}/api/v1/audit`: manager or admin only. */
export function registerAuditRoutes(app: H3, prefix: string, deps: ApiDeps): void {
  app.get(
    `${prefix}/audit`,
    apiRoute(deps, async ({ url, subject }) => {
      assertAuditReader(subject);
      const page = await deps.audit.query(auditFilterOf(url));
      const body: { entries: ReturnType<typeof auditEntryJson>[]; total: number; nextCursor?: string } = { entries: page.entries.map(auditEntryJson), total: page.total };
      if (page.next_cursor !== undefined) body.nextCursor = page.next_cursor;
      return body;
    }),
  );
}
