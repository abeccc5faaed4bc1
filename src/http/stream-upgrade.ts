import { STATUS_CODES } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { isTroupeError, newId, runWithContext } from '../core/index.ts';
import type { OperationContext } from '../core/index.ts';
import type { StreamService } from '../streams/index.ts';
import { attribute, challenge, recordRestDenial } from './api-route.ts';
import type { ApiDeps } from './api-route.ts';
import { recordOriginDenial, streamOriginPolicy } from './routes/streams.ts';

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Answers an upgrade request with a plain HTTP error and closes the socket. */
function refuse(socket: Duplex, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ code, message });
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n${extra}\r\n${body}`);
}

/** The operation context of a WebSocket upgrade, as `seedRestContext` builds it for REST. */
function seedUpgradeContext(req: IncomingMessage, trustProxy: boolean): OperationContext {
  const sent = req.headers['x-correlation-id'];
  const correlationId = typeof sent === 'string' && CORRELATION_ID.test(sent) ? sent : newId();
  const forwarded = trustProxy ? req.headers['x-forwarded-for'] : undefined;
  const ip = (typeof forwarded === 'string' ? forwarded.split(',')[0]?.trim() : undefined) || req.socket.remoteAddress;
  return { source: 'rest', surface: 'rest_api', transport: 'websocket', requestId: newId(), correlationId, ...(ip ? { ipAddress: ip } : {}) };
}

/**
 * The server's `upgrade` handler for `{base}/api/v1/streams`: Origin and Host checks, the
 * REST authentication (Bearer header or `?token=`, surface `rest_api`) with every denial
 * audited, the per-credential connection bound, then the stream protocol on a `ws`
 * WebSocket (text frames up to `limits.maxMessageBytes`, no compression). Other paths are
 * refused with 404.
 *
 * @example
 * const server = await startHttpServer(app, { host, port, onUpgrade: createStreamUpgrade({ config, audit, auth, streams }) });
 */
export function createStreamUpgrade(deps: ApiDeps & { streams: StreamService }): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const { config, auth, audit, streams } = deps;
  const path = `${config.basePath}/api/v1/streams`;
  const originOk = streamOriginPolicy(config);
  const wss = new WebSocketServer({ noServer: true, maxPayload: streams.limits.maxMessageBytes, perMessageDeflate: false, clientTracking: false });

  return (req, socket, head) => {
    socket.on('error', () => {
      // a peer reset during the handshake; nothing was accepted yet
    });
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return refuse(socket, 400, 'bad_request', 'Malformed request URL');
    }
    if (url.pathname !== path && url.pathname !== `${path}/`) return refuse(socket, 404, 'not_found', 'Route not found');
    const op = seedUpgradeContext(req, config.trustProxy);
    void runWithContext(op, async () => {
      try {
        const verdict = originOk(req.headers.host ?? null, typeof req.headers.origin === 'string' ? req.headers.origin : null);
        if (!verdict.ok) {
          recordOriginDenial(deps, url.pathname, verdict.reason);
          return refuse(socket, 403, 'forbidden', verdict.reason === 'host' ? 'Forbidden: invalid Host header' : 'Forbidden: invalid Origin header');
        }
        const header = req.headers.authorization;
        const token = url.searchParams.get('token');
        const authorization = typeof header === 'string' ? header : token ? `Bearer ${token}` : null;
        const outcome = await auth.authenticate(authorization, 'rest_api');
        attribute(op, outcome);
        if (!outcome.ok) {
          recordRestDenial(audit, op, url.pathname, 'GET', outcome.reason);
          if (outcome.status === 403) return refuse(socket, 403, 'forbidden', 'API key is not allowed for this surface');
          return refuse(socket, 401, 'unauthorized', outcome.reason === 'missing_credentials' ? 'Authentication required' : 'Invalid credentials', { 'www-authenticate': challenge(config, 'Troupe') });
        }
        try {
          streams.assertConnectionSlot(op);
        } catch (error) {
          recordRestDenial(audit, op, url.pathname, 'GET', 'connection_limit');
          return refuse(socket, 429, 'too_many_requests', isTroupeError(error) ? error.message : 'Too many open streams');
        }
        if (socket.destroyed) return;
        wss.handleUpgrade(req, socket, head, (ws) => runWithContext(op, () => streams.acceptWebSocket(ws, op)));
      } catch {
        refuse(socket, 500, 'internal_error', 'Internal server error');
      }
    });
  };
}
