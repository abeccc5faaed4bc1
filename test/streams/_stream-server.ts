// A real Troupe (createTroupe: engine, auth, REST, /mcp, SSE and the WebSocket upgrade) on
// 127.0.0.1:0, and real `ws` and SSE clients for the stream tests.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createTroupe } from '../../src/app.ts';
import type { Troupe } from '../../src/app.ts';
import { defaultConfig } from '../../src/config.ts';
import type { TroupeConfig } from '../../src/config.ts';
import { parseSse } from '../../src/streams/index.ts';
import type { SseMessage } from '../../src/streams/index.ts';

export interface StreamServer {
  troupe: Troupe;
  config: TroupeConfig;
  /** `http://127.0.0.1:PORT/api/v1` */
  api: string;
  /** `ws://127.0.0.1:PORT/api/v1/streams` */
  wsUrl: string;
  /** An admin API key (surface rest_api). */
  admin: string;
  writeDag(name: string, yaml: string): void;
  /** Starts a run over REST; resolves with its id. */
  start(name: string, token?: string): Promise<string>;
  /** Stops the server, keeping the data directory (for restarts). */
  stop(): Promise<void>;
  /** Stops it and removes the data directory. */
  close(): Promise<void>;
}

export async function startStreamServer(options: { dir?: string; configure?: (c: TroupeConfig) => void; adminKey?: string } = {}): Promise<StreamServer> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'troupe-streams-'));
  const config: TroupeConfig = { ...defaultConfig(dir), port: 0 };
  config.auth.mode = 'builtin';
  config.engine.killGraceMs = 500;
  options.configure?.(config);
  mkdirSync(config.dagsDir, { recursive: true });
  const troupe = await createTroupe(config);
  const { url } = await troupe.listen();
  const api = `${url}/api/v1`;
  const admin = options.adminKey ?? (await troupe.auth.createApiKey({ name: 'admin', role: 'admin', allowedSurfaces: ['rest_api'] })).key;
  let stopped = false;
  const server: StreamServer = {
    troupe,
    config,
    api,
    wsUrl: `${api.replace(/^http/, 'ws')}/streams`,
    admin,
    writeDag: (name, yaml) => writeFileSync(join(config.dagsDir, `${name}.yaml`), yaml),
    async start(name, token = admin) {
      const res = await fetch(`${api}/dags/${name}/start`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
      const body = (await res.json()) as { dagRunId?: string; message?: string };
      if (!res.ok) throw new Error(`start ${name}: ${res.status} ${body.message}`);
      return body.dagRunId!;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await troupe.close();
    },
    async close() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

export interface WsClient {
  ws: WebSocket;
  messages: Array<Record<string, any>>;
  send(msg: unknown): void;
  /** Resolves with the first message (from the start) matching `pred` that was not taken yet. */
  next(pred: (m: Record<string, any>) => boolean, timeoutMs?: number): Promise<Record<string, any>>;
  /** Waits until `pred` holds over all messages so far. */
  until(pred: (all: Array<Record<string, any>>) => boolean, timeoutMs?: number): Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

/** Opens a real `ws` client; rejects with the HTTP status when the upgrade is refused. */
export function wsClient(url: string, options: { token?: string; headers?: Record<string, string>; autoPong?: boolean } = {}): Promise<WsClient> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const ws = new WebSocket(url, { headers, autoPong: options.autoPong ?? true });
  const messages: Array<Record<string, any>> = [];
  const taken = new Set<number>();
  const listeners = new Set<() => void>();
  ws.on('message', (d) => {
    messages.push(JSON.parse(String(d)));
    for (const l of [...listeners]) l();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  const wait = (check: () => boolean, timeoutMs: number, what: string) =>
    new Promise<void>((resolve, reject) => {
      if (check()) return resolve();
      const timer = setTimeout(() => {
        listeners.delete(l);
        reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(messages.slice(-5))}`));
      }, timeoutMs);
      const l = () => {
        if (!check()) return;
        clearTimeout(timer);
        listeners.delete(l);
        resolve();
      };
      listeners.add(l);
    });
  const client: WsClient = {
    ws,
    messages,
    send: (msg) => ws.send(JSON.stringify(msg)),
    async next(pred, timeoutMs = 10_000) {
      let found = -1;
      await wait(() => (found = messages.findIndex((m, i) => !taken.has(i) && pred(m))) >= 0, timeoutMs, 'a message');
      taken.add(found);
      return messages[found]!;
    },
    until: (pred, timeoutMs = 10_000) => wait(() => pred(messages), timeoutMs, 'a condition'),
    closed,
    close: () => ws.close(),
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode} ${body}`), { status: res.statusCode, body })));
    });
    ws.once('error', reject);
  });
}

export interface SseClient {
  status: number;
  headers: Headers;
  messages: SseMessage[];
  /** JSON of the data of event messages (not gap/live/error). */
  events(): Array<{ id: string; event: string; body: Record<string, any> }>;
  until(pred: (all: SseMessage[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/** Opens an SSE stream with fetch; for a refusal, `status` is set and no messages arrive. */
export async function sseClient(url: string, options: { token?: string; lastEventId?: string; headers?: Record<string, string> } = {}): Promise<SseClient & { body?: any }> {
  const headers: Record<string, string> = { accept: 'text/event-stream', ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.lastEventId) headers['last-event-id'] = options.lastEventId;
  const ac = new AbortController();
  const res = await fetch(url, { headers, signal: ac.signal });
  const messages: SseMessage[] = [];
  const listeners = new Set<() => void>();
  let ended: Promise<void> = Promise.resolve();
  let body: unknown;
  if (res.ok) {
    ended = (async () => {
      try {
        for await (const m of parseSse(res.body!)) {
          messages.push(m);
          for (const l of [...listeners]) l();
        }
      } catch {
        // aborted by close()
      }
    })();
  } else body = await res.json().catch(() => undefined);
  return {
    status: res.status,
    headers: res.headers,
    body,
    messages,
    events: () => messages.filter((m) => m.id !== undefined && m.event !== 'gap').map((m) => ({ id: m.id!, event: m.event, body: JSON.parse(m.data) })),
    until: (pred, timeoutMs = 10_000) =>
      new Promise<void>((resolve, reject) => {
        if (pred(messages)) return resolve();
        const timer = setTimeout(() => {
          listeners.delete(l);
          reject(new Error(`timed out; got ${JSON.stringify(messages.slice(-5))}`));
        }, timeoutMs);
        const l = () => {
          if (!pred(messages)) return;
          clearTimeout(timer);
          listeners.delete(l);
          resolve();
        };
        listeners.add(l);
      }),
    ended,
    close: () => ac.abort(),
  };
}

/** A DAG of `n` steps in a chain, each `echo`. */
export const chainDag = (n: number, label = '') => `${label ? `labels: [${label}]\n` : ''}type: chain\nsteps:\n${Array.from({ length: n }, (_, i) => `  - name: s${i}\n    run: echo ${i}\n`).join('')}`;
