import type { Observable } from 'rxjs';
import type { Subject } from '../core/index.ts';

// The live-stream layer, by its ports: a topic is a source of sequenced items (what the store
// replays, then what is published live) plus the rules of who may see which item. The wire
// adapters (SSE, WebSocket) and the resume logic know nothing else about audit or runs.

/** One message of a topic, as every transport sends it. */
export interface StreamItem {
  /** Position in the topic's order: strictly increasing on `live$`, the resume key. */
  seq: number;
  /** The event type on the wire (`audit.entry`, `run.started`, `transition`, …). */
  type: string;
  /** The correlation id of the call that caused it, when there is one. */
  correlationId?: string;
  /** The workspace the item belongs to; `undefined` for items outside any workspace. */
  workspace?: string;
  /** The JSON-safe payload. */
  data: unknown;
}

/** Where a topic's items come from: the store for what was, `live$` for what comes. */
export interface TopicSource<F> {
  /**
   * Items with `seq > after` that match `filter`, oldest first, as far as the store holds
   * them when read (later ones arrive on `live$`; duplicates are dropped by seq).
   */
  replay(after: number, filter: F): AsyncIterable<StreamItem>;
  /** Items as they are published, in seq order. Never errors. */
  readonly live$: Observable<StreamItem>;
  /**
   * Everything after this seq is retained (0 when nothing was ever dropped). A resume from
   * an older cursor gets a `gap` up to here.
   */
  retainedAfter(): Promise<number>;
  /** The newest seq published or stored so far (0 when none). */
  head(): Promise<number>;
}

/** A named topic: its source, its filter and its access rules. */
export interface Topic<F = unknown> {
  readonly name: string;
  readonly source: TopicSource<F>;
  /** Throws `FORBIDDEN` when `subject` may not subscribe at all. */
  authorize(subject: Subject): void;
  /**
   * Reads and validates a filter from query parameters or a WebSocket `filter` object
   * (string values). Throws `INVALID_INPUT` on unknown keys or bad values.
   */
  parseFilter(params: Record<string, string>): F;
  /** True when `item` passes `filter` (checked on live items; replay applies it too). */
  matches(item: StreamItem, filter: F): boolean;
  /** True when `subject` may see `item` (workspaces, exactly as REST). */
  visible(item: StreamItem, subject: Subject): boolean;
}

/** Why a stream skipped items. */
export type GapReason = 'retention' | 'overflow';

/**
 * A hole in what the subscriber receives. `retention`: items after the requested cursor up to
 * `cursor` are no longer retained; the stream continues after `cursor`. `overflow`: the
 * subscriber fell behind and is disconnected; resume after `cursor`.
 */
export interface Gap {
  reason: GapReason;
  cursor: string;
  /** The cursor the subscriber asked to resume from (retention gaps). */
  requested?: string;
}

/** Bounds of the stream layer; every one of them is enforced. */
export interface StreamLimits {
  /** Bytes a subscriber may have queued before it is cut off with `gap`. @defaultValue 1 MiB */
  maxBufferBytes: number;
  /** Messages a subscriber may have queued before it is cut off. @defaultValue 1000 */
  maxBufferMessages: number;
  /** Subscriptions on one WebSocket. @defaultValue 32 */
  maxSubscriptionsPerConnection: number;
  /** Open SSE streams and WebSockets of one credential. @defaultValue 32 */
  maxConnectionsPerCredential: number;
  /** Heartbeat (SSE comment, WebSocket ping) interval, ms; a WebSocket silent for two is dropped. @defaultValue 15000 */
  heartbeatMs: number;
  /** Largest client message on a WebSocket, bytes. @defaultValue 64 KiB */
  maxMessageBytes: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  maxBufferBytes: 1024 * 1024,
  maxBufferMessages: 1000,
  maxSubscriptionsPerConnection: 32,
  maxConnectionsPerCredential: 32,
  heartbeatMs: 15_000,
  maxMessageBytes: 64 * 1024,
};
