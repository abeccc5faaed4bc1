import { currentContext, originOf } from '../core/index.ts';
import { entryId } from './entry-id.ts';
import type { OperationOrigin } from '../core/index.ts';
import type { UnsealedEntry } from './chain.ts';
import { redactDetailsWith } from './redact.ts';
import type { AuditInput } from './types.ts';

const NO_ORIGIN: Partial<OperationOrigin> = {};
const EXTRAS: [[string, string | undefined], [string, string | undefined], [string, string | undefined], [string, string | undefined], [string, string | undefined]] = [
  ['client_name', undefined],
  ['client_version', undefined],
  ['transport', undefined],
  ['mcp_action', undefined],
  ['traceparent', undefined],
];

// `toISOString` was a visible share of every entry; entries come in bursts within one second,
// so the text up to the milliseconds is reused while the second stays the same.
let isoSecond = Number.NaN;
let isoPrefix = '';
function isoTimeOf(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== isoSecond) {
    const text = new Date(ms).toISOString(); // throws a RangeError for an invalid time, as before
    if (!Number.isInteger(ms)) return text;
    isoSecond = second;
    isoPrefix = text.slice(0, -4);
    return text;
  }
  const milli = ms - second * 1000;
  if (!Number.isInteger(milli)) return new Date(ms).toISOString();
  return `${isoPrefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

/**
 * Builds an entry from what a producer handed over, attributed to `input.origin`, else to the
 * current operation context, else to nobody (empty strings). Must run synchronously inside the
 * producer's call, because the operation context is only visible there.
 *
 * The object is built with its keys in canonical (sorted) order, `seq` and `prev_hash` as
 * placeholders in their places and `hash` last, so the writer can seal it in place (see
 * `sealDraft`) and `JSON.stringify` yields the canonical JSON without a copy.
 */
export function attributeEntry(input: AuditInput, nowMs: number): UnsealedEntry {
  let o: Partial<OperationOrigin> = NO_ORIGIN;
  if (input.origin) o = input.origin;
  else {
    const ctx = currentContext();
    if (ctx) o = originOf(ctx);
  }
  // Source-context fields that have no column of their own go into details, as Dagu does. The
  // list is reused (filled and read synchronously here), so an entry costs no list of its own.
  EXTRAS[0][1] = o.clientName;
  EXTRAS[1][1] = o.clientVersion;
  EXTRAS[2][1] = o.transport;
  EXTRAS[3][1] = o.mcpAction;
  EXTRAS[4][1] = o.traceparent;
  const details = redactDetailsWith(input.details, EXTRAS);
  const draft = {
    action: input.action,
    category: input.category,
    correlation_id: o.correlationId ?? '',
    credential_id: o.credentialId ?? '',
    credential_type: o.credentialType ?? '',
    details,
    id: entryId(),
    ip_address: o.ipAddress ?? '',
    mcp_tool: input.mcp_tool ?? o.mcpTool ?? '',
    prev_hash: '',
    request_id: o.requestId ?? '',
    resource_id: input.resource_id ?? '',
    resource_type: input.resource_type ?? '',
    result: input.result ?? '',
    seq: 0,
    session_id: o.sessionId ?? '',
    source: o.source ?? '',
    surface: o.surface ?? '',
    timestamp: isoTimeOf(input.at ?? nowMs),
    user_id: o.userId ?? '',
    username: o.username ?? '',
    workspace: input.workspace ?? o.workspace ?? '',
    // Set by the writer; `undefined` is left out of the JSON that is hashed.
    hash: undefined,
  };
  return draft;
}
