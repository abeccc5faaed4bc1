import { TroupeError } from '../core/index.ts';

/** One message of a `text/event-stream`, as the SSE spec dispatches it. */
export interface SseMessage {
  /** The `id:` field, when the message had one. */
  id?: string;
  /** The `event:` field; `message` when absent. */
  event: string;
  /** The `data:` lines, joined with `\n`. */
  data: string;
}

/**
 * Parses a `text/event-stream` body into messages (comments and `retry:` are skipped).
 *
 * @example
 * for await (const m of parseSse(response.body!)) handle(m.event, m.data);
 */
export async function* parseSse(body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder();
  let buffer = '';
  let id: string | undefined;
  let event = '';
  let data: string[] = [];
  const iterable = 'getReader' in body ? streamIterable(body) : body;
  for await (const chunk of iterable) {
    buffer += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(buffer[nl] === '\r' && buffer[nl + 1] === '\n' ? nl + 2 : nl + 1);
      if (line === '') {
        if (data.length > 0 || event !== '') yield { ...(id !== undefined ? { id } : {}), event: event || 'message', data: data.join('\n') };
        id = undefined;
        event = '';
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
      else if (field === 'id') id = value;
    }
  }
}

async function* streamIterable(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** A stream message with its JSON decoded. */
export interface StreamMessage {
  /** `event` (with its type in `event`), or `gap`, `live`, `error`. */
  kind: 'event' | 'gap' | 'live' | 'error';
  /** The event type (`run.started`, `audit.entry`, …) for `event` messages; else the kind. */
  event: string;
  /** The cursor of an event or a gap. */
  cursor?: string;
  /** The message JSON (`{ topic, cursor, event, correlationId?, data }` for events). */
  body: Record<string, unknown>;
}

export interface FollowOptions {
  /** API key or session token, sent as `Authorization: Bearer`. */
  token?: string;
  /** Topic filters, as query parameters. */
  filter?: Record<string, string>;
  /** Resume after this cursor. */
  after?: string;
  signal?: AbortSignal;
  /** Reconnect after a dropped connection (with the last cursor). @defaultValue true */
  reconnect?: boolean;
  /** Wait between reconnects, ms. @defaultValue 1000 */
  retryMs?: number;
  /** Most reconnects in a row without a message in between. @defaultValue 30 */
  maxRetries?: number;
}

/**
 * Follows a topic over SSE from Node (the CLI's `--follow`): `GET {api}/streams/{topic}`,
 * decoded messages, and on a dropped connection a reconnect with `Last-Event-ID`, so no event
 * is missed or repeated. Ends when `signal` aborts; throws `UNAUTHENTICATED`, `FORBIDDEN`,
 * `INVALID_INPUT` or `NOT_FOUND` for what a retry cannot fix. After an overflow `gap` the
 * server closes the stream; the reconnect resumes from the gap's cursor.
 *
 * @example
 * const ac = new AbortController();
 * for await (const m of followStream('http://127.0.0.1:8080/api/v1', 'runs', { filter: { name: 'hello', dagRunId }, token, signal: ac.signal })) {
 *   if (m.kind === 'event') handle(m.event, m.body.data);
 *   if (m.event === 'run.finished') ac.abort();
 * }
 */
export async function* followStream(api: string, topic: string, options: FollowOptions = {}): AsyncGenerator<StreamMessage> {
  const url = new URL(`${api.replace(/\/$/, '')}/streams/${encodeURIComponent(topic)}`);
  for (const [k, v] of Object.entries(options.filter ?? {})) url.searchParams.set(k, v);
  let last = options.after;
  let failures = 0;
  const retryMs = options.retryMs ?? 1000;
  const maxRetries = options.maxRetries ?? 30;
  while (!options.signal?.aborted) {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (last !== undefined) headers['last-event-id'] = last;
    let response: Response | undefined;
    try {
      response = await fetch(url, { headers, ...(options.signal ? { signal: options.signal } : {}) });
    } catch (error) {
      if (options.signal?.aborted) return;
      if (options.reconnect === false || ++failures > maxRetries) throw error;
    }
    if (response) {
      if (!response.ok) {
        const body = (await response.json().catch(() => ({}))) as { message?: string };
        const message = body.message ?? `stream refused with HTTP ${response.status}`;
        const code = response.status === 401 ? 'UNAUTHENTICATED' : response.status === 403 ? 'FORBIDDEN' : response.status === 404 ? 'NOT_FOUND' : response.status === 400 ? 'INVALID_INPUT' : response.status === 429 ? 'LIMIT_EXCEEDED' : 'STORE_UNAVAILABLE';
        if (response.status < 500 && response.status !== 429) throw new TroupeError(code, message);
        if (options.reconnect === false || ++failures > maxRetries) throw new TroupeError(code, message);
      } else {
        try {
          for await (const m of parseSse(response.body!)) {
            failures = 0;
            const body = JSON.parse(m.data) as Record<string, unknown>;
            if (m.id !== undefined) last = m.id;
            const kind = m.event === 'gap' || m.event === 'live' || m.event === 'error' ? m.event : 'event';
            yield { kind, event: m.event, ...(m.id !== undefined ? { cursor: m.id } : {}), body };
          }
        } catch (error) {
          if (options.signal?.aborted) return;
          if (options.reconnect === false) throw error;
        }
        if (options.reconnect === false) return;
      }
    }
    if (options.signal?.aborted) return;
    await new Promise((resolve) => setTimeout(resolve, retryMs));
  }
}
