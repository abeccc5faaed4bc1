import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { toNodeHandler } from 'h3';
import type { H3 } from 'h3';

export interface HttpServerOptions {
  host: string;
  port: number;
  /** Handles WebSocket upgrades (streams, visualizer); without it upgrades are refused. */
  onUpgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** How long in-flight requests may finish during `close()` before they are cut, ms. @defaultValue 2000 */
  closeGraceMs?: number;
}

export interface HttpServer {
  /** `http://host:port` (no base path). */
  url: string;
  port: number;
  /** Stops accepting, ends SSE streams and idle keep-alive connections, waits for the rest. */
  close(): Promise<void>;
}

/**
 * A response whose headers are out but whose body is still open is a stream (SSE, MCP's GET
 * stream): ordinary JSON answers are written in one go. Those are ended at once on close.
 */
const isStream = (res: ServerResponse) => res.headersSent && !res.writableEnded;

/**
 * Serves an h3 app on node:http. Resolves once listening; `port: 0` picks a free port.
 *
 * @example
 * const server = await startHttpServer(app, { host: '127.0.0.1', port: 0 });
 * await fetch(`${server.url}/api/v1/health`);
 * await server.close();
 */
export function startHttpServer(app: H3, options: HttpServerOptions): Promise<HttpServer> {
  const handler = toNodeHandler(app);
  const active = new Set<ServerResponse>();
  const upgraded = new Set<Duplex>();
  const server = createServer((req, res) => {
    active.add(res);
    res.on('close', () => active.delete(res));
    void handler(req, res);
  });
  // Slow-loris guards; long SSE streams are unaffected because headers arrive at once.
  server.headersTimeout = 30_000;
  server.requestTimeout = 0;
  server.on('upgrade', (req, socket, head) => {
    if (!options.onUpgrade) {
      socket.destroy();
      return;
    }
    upgraded.add(socket);
    socket.on('close', () => upgraded.delete(socket));
    options.onUpgrade(req, socket, head);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      const host = options.host.includes(':') ? `[${options.host}]` : options.host;
      let closing: Promise<void> | undefined;
      resolve({
        url: `http://${host}:${port}`,
        port,
        close() {
          closing ??= new Promise<void>((done) => {
            server.close(() => done());
            server.closeIdleConnections();
            for (const res of active) if (isStream(res)) res.destroy();
            for (const socket of upgraded) socket.destroy();
            const timer = setTimeout(() => server.closeAllConnections(), options.closeGraceMs ?? 2000);
            timer.unref();
          });
          return closing;
        },
      });
    });
  });
}
