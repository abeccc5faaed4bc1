import { TroupeError } from '../core/index.ts';
import { FILTER_FIELDS } from './ports.ts';
import type { AuditPosition, AuditStoreQuery, FilterField } from './ports.ts';
import type { AuditEntry, AuditFilter } from './types.ts';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

/** The opaque cursor for "entries older than `position`". */
export function encodeCursor(position: AuditPosition): string {
  return Buffer.from(`${position.seq}|${position.timestamp}`, 'utf8').toString('base64url');
}

/** Reads a cursor; `INVALID_INPUT` when it was not made by `encodeCursor`. */
export function decodeCursor(cursor: string): AuditPosition {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^(\d{1,16})\|(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)$/.exec(text);
  if (!m) throw new TroupeError('INVALID_INPUT', 'invalid audit cursor', { details: { field: 'cursor' } });
  return { seq: Number(m[1]), timestamp: m[2]! };
}

function toIso(value: string | number, field: string): string {
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms) || ms < 0 || ms > 253402300799999) {
    throw new TroupeError('INVALID_INPUT', `${field} must be an ISO-8601 date-time or epoch milliseconds`, { details: { field } });
  }
  return new Date(ms).toISOString();
}

/** The exact-match conditions of a filter; empty strings mean "no condition", as in Dagu. */
export function equalsOf(filter: AuditFilter): Partial<Record<FilterField, string>> {
  const equals: Partial<Record<FilterField, string>> = {};
  for (const field of FILTER_FIELDS) {
    const value = filter[field];
    if (typeof value === 'string' && value !== '') equals[field] = value;
  }
  return equals;
}

/**
 * Validates and normalizes a filter: limit clamped to 1..500 (default 50, as Dagu's handler),
 * offset at least 0, times as ISO bounds, cursor decoded. Bad times or cursors are
 * `INVALID_INPUT`.
 */
export function toStoreQuery(filter: AuditFilter): AuditStoreQuery {
  const limitIn = filter.limit === undefined || !Number.isFinite(filter.limit) ? DEFAULT_LIMIT : Math.trunc(filter.limit);
  const query: AuditStoreQuery = {
    equals: equalsOf(filter),
    limit: Math.min(MAX_LIMIT, Math.max(1, limitIn)),
    offset: Math.max(0, Number.isFinite(filter.offset) ? Math.trunc(filter.offset!) : 0),
  };
  if (filter.start_time !== undefined && filter.start_time !== '') query.start = toIso(filter.start_time, 'start_time');
  if (filter.end_time !== undefined && filter.end_time !== '') query.end = toIso(filter.end_time, 'end_time');
  if (filter.cursor) query.before = decodeCursor(filter.cursor);
  return query;
}

/** True when `entry` meets every exact-match condition and time bound of `query`. */
export function matchesQuery(entry: AuditEntry, query: Pick<AuditStoreQuery, 'equals' | 'start' | 'end'>): boolean {
  for (const [field, value] of Object.entries(query.equals)) if (entry[field as FilterField] !== value) return false;
  if (query.start !== undefined && entry.timestamp < query.start) return false;
  if (query.end !== undefined && entry.timestamp > query.end) return false;
  return true;
}
