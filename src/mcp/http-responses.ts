/** A JSON-RPC error response without an id, as the transport answers HTTP-level refusals. */
export function jsonRpcError(status: number, code: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** Re-exported for the handler: the transport's own cap does not apply to the initialize POST we parse ourselves. */
export { readBodyLimited } from '../core/index.ts';

const OPENING_COMMENT = new TextEncoder().encode(': stream open\n\n');

/**
 * Wraps a streaming response body so `onEnd` runs once when the stream finishes or the
 * client goes away (used to keep sessions with an open GET stream from idling out). It
 * starts with an SSE comment: Node sends no response headers before the first body chunk,
 * and the SDK writes nothing on a GET stream until a notification or its 15 s keep-alive.
 */
export function trackStream(res: Response, onEnd: () => void): Response {
  if (!res.body) {
    onEnd();
    return res;
  }
  const reader = res.body.getReader();
  let ended = false;
  const end = () => {
    if (!ended) {
      ended = true;
      onEnd();
    }
  };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(OPENING_COMMENT);
    },
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          end();
          controller.close();
        } else controller.enqueue(value);
      } catch (e) {
        end();
        controller.error(e);
      }
    },
    cancel(reason) {
      end();
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
}
