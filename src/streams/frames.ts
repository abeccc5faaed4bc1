import type { Gap, StreamItem } from './types.ts';

// The wire form of stream messages, shared by SSE and WebSocket. An item's JSON is built once
// and shared by every subscriber of the topic; each transport adds only its own framing.

const bodies = new WeakMap<StreamItem, string>();

/** `{"topic":…,"cursor":…,"event":…,"correlationId":…,"data":…}`, built once per item. */
export function eventBody(topic: string, item: StreamItem): string {
  let body = bodies.get(item);
  if (body === undefined) {
    body = JSON.stringify({ topic, cursor: String(item.seq), event: item.type, ...(item.correlationId ? { correlationId: item.correlationId } : {}), data: item.data });
    bodies.set(item, body);
  }
  return body;
}

/** One SSE message: `id: <cursor>`, `event: <type>`, `data: <json>` (JSON never holds a raw newline). */
export function sseEvent(topic: string, item: StreamItem): string {
  return `id: ${item.seq}\nevent: ${item.type}\ndata: ${eventBody(topic, item)}\n\n`;
}

/** An SSE gap: its `id` is the cursor to resume after, so `Last-Event-ID` moves past the hole. */
export function sseGap(topic: string, gap: Gap): string {
  return `id: ${gap.cursor}\nevent: gap\ndata: ${JSON.stringify({ topic, ...gap })}\n\n`;
}

/** An SSE control message without an id (`live`, `error`), so `Last-Event-ID` is left alone. */
export function sseControl(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The prefix of a WebSocket event message for one subscription: `{"type":"event","id":"s1",`. */
export function wsEventPrefix(subscriptionId: string): string {
  return `{"type":"event","id":${JSON.stringify(subscriptionId)},`;
}

const wsFrames = new WeakMap<StreamItem, { prefix: string; frame: Buffer }>();

/**
 * A WebSocket event message as UTF-8 bytes: the subscription's prefix and the shared item
 * body. Subscribers that use the same subscription id (the common case: every client's
 * first subscription is `s1`) share one buffer, encoded once.
 */
export function wsEvent(prefix: string, topic: string, item: StreamItem): Buffer {
  const cached = wsFrames.get(item);
  if (cached && cached.prefix === prefix) return cached.frame;
  const frame = Buffer.from(prefix + eventBody(topic, item).slice(1), 'utf8');
  if (!cached) wsFrames.set(item, { prefix, frame });
  return frame;
}
