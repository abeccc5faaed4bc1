import type { EventId, EventStore, StreamId } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** How many events one session keeps for replay. @defaultValue 256 */
export const DEFAULT_EVENT_STORE_SIZE = 256;

interface Stored {
  seq: number;
  streamId: StreamId;
  message: JSONRPCMessage;
}

/**
 * A bounded, per-session event store for resumable Streamable HTTP streams. Event ids are
 * `<seq>.<streamId>`: unique across the session's streams and decodable without a lookup, so
 * a client whose last event was already evicted still resumes on the right stream (it gets
 * what is left). Unlike the SDK's example store this replays the standalone GET stream
 * (`_GET_stream`), which is the one that carries `notifications/resources/updated`.
 */
export class SessionEventStore implements EventStore {
  readonly #max: number;
  #seq = 0;
  #events: Stored[] = [];

  constructor(maxEvents: number = DEFAULT_EVENT_STORE_SIZE) {
    this.#max = Math.max(1, maxEvents);
  }

  /** Number of events currently held. */
  get size(): number {
    return this.#events.length;
  }

  async storeEvent(streamId: StreamId, message: JSONRPCMessage): Promise<EventId> {
    const seq = ++this.#seq;
    this.#events.push({ seq, streamId, message });
    // Drop the oldest; amortised by trimming in chunks rather than one shift per event.
    if (this.#events.length > this.#max + 32) this.#events = this.#events.slice(-this.#max);
    return `${seq}.${streamId}`;
  }

  async getStreamIdForEventId(eventId: EventId): Promise<StreamId | undefined> {
    return decode(eventId)?.streamId;
  }

  async replayEventsAfter(lastEventId: EventId, { send }: { send: (eventId: EventId, message: JSONRPCMessage) => Promise<void> }): Promise<StreamId> {
    const last = decode(lastEventId);
    if (!last) throw new Error('invalid event id');
    const floor = this.#events.length > this.#max ? this.#events.length - this.#max : 0;
    for (let i = floor; i < this.#events.length; i++) {
      const e = this.#events[i]!;
      if (e.streamId !== last.streamId || e.seq <= last.seq) continue;
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
