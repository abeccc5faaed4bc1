import { AsyncLocalStorage } from 'node:async_hooks';

/** What a 2026-07-28 request carries instead of a session: its own id and envelope. */
export interface ModernRequestInfo {
  protocolVersion: string;
  /** The JSON-RPC id of the request (the listen stream's subscription id for `subscriptions/listen`). */
  jsonrpcId?: string;
  /** Set for `subscriptions/listen`: the SDK stamps this id on every notification of the stream. */
  subscriptionId?: string;
  /** The credential the request is bound to (tasks belong to it). */
  subjectKey?: string;
  /** The request's capabilities declare the Tasks extension (`io.modelcontextprotocol/tasks`). */
  tasks?: boolean;
}

const store = new AsyncLocalStorage<ModernRequestInfo>();

/** Runs `fn` as part of one 2026-07-28 request. */
export const runModern = <T>(info: ModernRequestInfo, fn: () => T): T => store.run(info, fn);

/** The current 2026-07-28 request, or `undefined` in the 2025 era. */
export const currentModern = (): ModernRequestInfo | undefined => store.getStore();

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * A W3C trace-context `traceparent`, when well formed (version `ff` and all-zero ids are
 * invalid); anything else is ignored rather than recorded.
 */
export function validTraceparent(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.trim().toLowerCase();
  if (!TRACEPARENT.test(v) || v.startsWith('ff-') || v.slice(3, 35) === '0'.repeat(32) || v.slice(36, 52) === '0'.repeat(16)) return undefined;
  return v;
}
