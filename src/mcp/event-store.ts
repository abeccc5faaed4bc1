import type { EventId, EventStore, StreamId } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** How many events one session keeps for replay. @defaultValue 256 */
export const DEFAULT_EVENT_STORE_SIZE = 256;
/** How many bytes (JSON characters) of messages one session keeps for replay. @defaultValue 512 KiB */
export const DEFAULT_EVENT_STORE_BYTES = 512 * 1024;

interface Stored {
  seq: number;
  streamId: StreamId;
  /** `undefined` once evicted or when the message alone was over the byte budget. */
  message: JSONRPCMessage | undefined;
  bytes: number;
}

/**
 * Size of a message as the replay buffer counts it: about its JSON length (what SSE sends).
 * Tool and resource results are counted from their content items without serializing them a
 * second time (the transport serializes each message once already): every text item counts,
 * and structured content counts as much as the largest text item, since Troupe's results carry
 * it again as JSON text. Anything else (notifications, small results) is measured exactly.
 */
export function sizeOf(message: JSONRPCMessage): number {
  // Priming events carry an empty message.
  if (!('jsonrpc' in message)) return 2;
  const result = (message as { result?: { content?: unknown; contents?: unknown; structuredContent?: unknown } }).result;
  const items = result && (Array.isArray(result.content) ? result.content : Array.isArray(result.contents) ? result.contents : undefined);
  if (!items) return JSON.stringify(message).length;
  let bytes = 256;
  let largest = 0;
  for (const item of items as Array<{ text?: unknown; blob?: unknown; uri?: unknown }>) {
    const n = (typeof item.text === 'string' ? item.text.length : 0) + (typeof item.blob === 'string' ? item.blob.length : 0) + (typeof item.uri === 'string' ? item.uri.length + 64 : 16);
    bytes += n;
    if (n > largest) largest = n;
  }
  if (result.structuredContent !== undefined) bytes += largest;
  return bytes;
}

/**
 * A bounded, per-session event store for resumable Streamable HTTP streams, bounded in events
 * **and in bytes**: the oldest messages are dropped once either bound is passed, and a single
 * message larger than the whole byte budget is given an event id but not kept (a client that
 * resumes after it misses it, as it would miss an evicted one). Without the byte bound one
 * session repeating large reads pinned every result in memory.
 *
 * Event ids are `<seq>.<streamId>`: unique across the session's streams and decodable without
 * a lookup, so a client whose last event was already evicted still resumes on the right stream
 * (it gets what is left). Unlike the SDK's example store this replays the standalone GET stream
 * (`_GET_stream`), which is the one that carries `notifications/resources/updated`.
 */
export class SessionEventStore implements EventStore {
  readonly #max: number;
  readonly #maxBytes: number;
  #seq = 0;
  #bytes = 0;
  #events: Stored[] = [];
  /** Index of the oldest live event in `#events` (evicted ones are trimmed in chunks). */
  #head = 0;

  constructor(maxEvents: number = DEFAULT_EVENT_STORE_SIZE, maxBytes: number = DEFAULT_EVENT_STORE_BYTES) {
    this.#max = Math.max(1, maxEvents);
    this.#maxBytes = Math.max(1024, maxBytes);
  }

  /** Number of events currently held. */
  get size(): number {
    return this.#events.length - this.#head;
  }

  /** Bytes (JSON characters) of the messages currently held. */
  get bytes(): number {
    return this.#bytes;
  }

  async storeEvent(streamId: StreamId, message: JSONRPCMessage): Promise<EventId> {
    const seq = ++this.#seq;
    const bytes = sizeOf(message);
    if (bytes > this.#maxBytes) {
      this.#events.push({ seq, streamId, message: undefined, bytes: 0 });
    } else {
      this.#events.push({ seq, streamId, message, bytes });
      this.#bytes += bytes;
    }
    while (this.size > this.#max || this.#bytes > this.#maxBytes) this.#evictOldest();
    // Compact the array once the dead prefix is large; amortised O(1) per event.
    if (this.#head > 64 && this.#head * 2 > this.#events.length) {
      this.#events = this.#events.slice(this.#head);
      this.#head = 0;
    }
    return `${seq}.${streamId}`;
  }

  #evictOldest(): void {
    const e = this.#events[this.#head++]!;
    this.#bytes -= e.bytes;
    e.message = undefined;
  }

  async getStreamIdForEventId(eventId: EventId): Promise<StreamId | undefined> {
    return decode(eventId)?.streamId;
  }

  async replayEventsAfter(lastEventId: EventId, { send }: { send: (eventId: EventId, message: JSONRPCMessage) => Promise<void> }): Promise<StreamId> {
    const last = decode(lastEventId);
    if (!last) throw new Error('invalid event id');
    for (let i = this.#head; i < this.#events.length; i++) {
      const e = this.#events[i]!;
      if (e.streamId !== last.streamId || e.seq <= last.seq || e.message === undefined) continue;
      // Priming events carry an empty message; there is nothing to resend for them.
      if (!('jsonrpc' in e.message)) continue;
      await send(`${e.seq}.${e.streamId}`, e.message);
    }
    return last.streamId;
  }
}

function decode(eventId: string): { seq: number; streamId: string } | undefined {
  const dot = eventId.indexOf('.');
  if (dot <= 0) return undefined;
  const seq = Number(eventId.slice(0, dot));
  const streamId = eventId.slice(dot + 1);
  if (!Number.isSafeInteger(seq) || streamId === '') return undefined;
  return { seq, streamId };
}
