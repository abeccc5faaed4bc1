import { Observable, map, share } from 'rxjs';
import { TroupeError, canManageAudit } from '../../core/index.ts';
import { encodeCursor, equalsOf } from '../../audit/filter.ts';
import { AUDIT_FILTER_PARAMS, auditEntryJson } from '../../audit/rest-shape.ts';
import type { FilterField } from '../../audit/ports.ts';
import type { AuditEntry, AuditFilter, AuditTrail } from '../../audit/types.ts';
import type { StreamItem, Topic, TopicSource } from '../types.ts';

/** What a page of the replay reads at most. */
const PAGE = 500;
// An ISO time for cursors built from a seq alone: the store orders by seq.
const ANY_TIME = '1970-01-01T00:00:00.000Z';

/** The `data` of an `audit.entry` message: the entry as `GET /api/v1/audit` answers it. */
export const auditEntryData = auditEntryJson;

/** A parsed audit stream filter: exact-match conditions, as the trail's query takes them. */
export interface AuditStreamFilter {
  equals: Partial<Record<FilterField, string>>;
  pairs: Array<[FilterField, string]>;
}

function matchesEntry(e: AuditEntry, filter: AuditStreamFilter): boolean {
  for (const [field, value] of filter.pairs) if (e[field] !== value) return false;
  return true;
}

const itemOf = (e: AuditEntry): StreamItem & { entry: AuditEntry } => ({
  seq: e.seq,
  type: 'audit.entry',
  ...(e.correlation_id ? { correlationId: e.correlation_id } : {}),
  workspace: e.workspace,
  data: auditEntryData(e),
  entry: e,
});

/**
 * The audit trail as a stream source: live entries from `tail$` as they are committed (after
 * they are durable), replay from the trail's own query, read in seq windows: entries with
 * `seq < B` newest first, one window of at most 500 seqs at a time, so the replay needs no
 * more than one page in memory, whatever the backlog.
 */
export function auditSource(trail: AuditTrail): TopicSource<AuditStreamFilter> {
  const live$: Observable<StreamItem> = trail.tail$().pipe(map(itemOf), share());
  // head and how many are stored: the chain is contiguous after a purge, so what is retained
  // is (head - total, head].
  const bounds = async () => {
    const page = await trail.query({ limit: 1 });
    const head = page.entries[0]?.seq ?? 0;
    return { head, retainedAfter: Math.max(0, head - page.total) };
  };
  return {
    live$,
    head: async () => (await bounds()).head,
    retainedAfter: async () => (await bounds()).retainedAfter,
    async *replay(after, filter) {
      const { head } = await bounds();
      const equals = filter.equals;
      let lo = after;
      let width = PAGE;
      while (lo < head) {
        const hi = Math.min(head, lo + width);
        // Newest first below hi + 1, down to lo (exclusive), page by page.
        const window: AuditEntry[] = [];
        let cursor: string | undefined = encodeCursor({ seq: hi + 1, timestamp: ANY_TIME });
        while (cursor) {
          const page = await trail.query({ ...equals, limit: PAGE, cursor });
          let done = page.next_cursor === undefined;
          for (const e of page.entries) {
            if (e.seq <= lo) {
              done = true;
              break;
            }
            window.push(e);
          }
          cursor = done ? undefined : page.next_cursor;
        }
        for (let i = window.length - 1; i >= 0; i--) {
          const e = window[i]!;
          if (matchesEntry(e, filter)) yield itemOf(e);
        }
        lo = hi;
        // Sparse filters widen the window, so a long quiet stretch costs few queries.
        if (window.length < PAGE / 4) width = Math.min(width * 4, 1 << 24);
        else if (window.length >= PAGE) width = Math.max(PAGE, width >> 1);
      }
    },
  };
}

/**
 * The `audit` topic: entries as they are committed, with the filters of `GET /api/v1/audit`
 * (exact match; camelCase parameters). Manager and admin only, as the audit API; like the
 * audit API it is not narrowed by workspace grants.
 */
export function auditTopic(trail: AuditTrail): Topic<AuditStreamFilter> {
  const source = auditSource(trail);
  return {
    name: 'audit',
    source,
    authorize(subject) {
      if (!canManageAudit(subject.role)) throw new TroupeError('FORBIDDEN', 'Insufficient permissions');
    },
    parseFilter(params) {
      const filter: AuditFilter = {};
      for (const [key, value] of Object.entries(params)) {
        const field = AUDIT_FILTER_PARAMS[key];
        if (!field) throw new TroupeError('INVALID_INPUT', `unknown audit stream filter ${key}; filters are ${Object.keys(AUDIT_FILTER_PARAMS).join(', ')}`, { details: { field: key } });
        if (value.length > 256) throw new TroupeError('INVALID_INPUT', `${key} is too long`, { details: { field: key } });
        if (value !== '') (filter as Record<string, string>)[field] = value;
      }
      const equals = equalsOf(filter);
      return { equals, pairs: Object.entries(equals) as Array<[FilterField, string]> };
    },
    matches(item, filter) {
      return filter.pairs.length === 0 || matchesEntry((item as StreamItem & { entry: AuditEntry }).entry, filter);
    },
    visible: () => true,
  };
}
