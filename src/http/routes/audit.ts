import type { H3 } from 'h3';
import { AUDIT_FILTER_PARAMS, auditEntryJson } from '../../audit/rest-shape.ts';
import type { AuditFilter } from '../../audit/types.ts';
import { assertAuditReader } from '../access.ts';
import { apiRoute } from '../api-route.ts';
import type { ApiDeps } from '../api-route.ts';
import { badRequest } from '../api-error.ts';
import { intQuery } from '../validate-params.ts';

function timeParam(url: URL, name: string): string | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return undefined;
  if (!Number.isFinite(Date.parse(raw))) throw badRequest(`${name} must be an RFC 3339 date-time`);
  return new Date(Date.parse(raw)).toISOString();
}

/** Parses `GET /audit` query parameters into the trail's filter. */
export function auditFilterOf(url: URL): AuditFilter {
  const filter: AuditFilter = {};
  for (const [param, key] of Object.entries(AUDIT_FILTER_PARAMS)) {
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

export { auditEntryJson };

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
