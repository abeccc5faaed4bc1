import { TroupeError } from '../core/errors.ts';
import type { ErrorCode } from '../core/errors.ts';
import type { DagSummary, RunDetails } from '../actors/index.ts';
import { followDetails } from './backend.ts';
import type { CliBackend } from './backend.ts';
import type { ServerFile } from './server-file.ts';

/** The server's Dagu-style error codes, back to Troupe's (so exit codes match the local engine's). */
const BODY_CODES: Record<string, ErrorCode> = {
  bad_request: 'INVALID_INPUT',
  not_found: 'NOT_FOUND',
  not_running: 'NOT_RUNNING',
  not_queued: 'NOT_QUEUED',
  already_exists: 'CONFLICT',
  already_running: 'CONFLICT',
  already_queued: 'CONFLICT',
  conflict: 'CONFLICT',
  queue_full: 'QUEUE_FULL',
  too_many_requests: 'LIMIT_EXCEEDED',
  audit_unavailable: 'AUDIT_UNAVAILABLE',
  shutting_down: 'SHUTTING_DOWN',
  unauthorized: 'UNAUTHENTICATED',
  forbidden: 'FORBIDDEN',
};
const CODES: Record<number, ErrorCode> = { 400: 'INVALID_INPUT', 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 409: 'CONFLICT', 503: 'STORE_UNAVAILABLE' };

/**
 * The CLI backend that talks to a running server over its REST API, authenticated with the
 * local token the server wrote into the data directory. The server records these requests
 * with source=cli.
 */
export function remoteBackend(server: ServerFile, dataDir: string): CliBackend {
  const base = `${server.url}/api/v1`;
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${server.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (cause) {
      throw new TroupeError('STORE_UNAVAILABLE', `cannot reach the Troupe server at ${server.url}: ${(cause as Error).message}`, { cause });
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      throw new TroupeError('INTERNAL', `the server at ${server.url} answered ${res.status} with a body that is not JSON`);
    }
    if (!res.ok) {
      const body = json as { code?: string; message?: string; errors?: unknown } | undefined;
      const message = body?.message ?? `${res.status} ${res.statusText}`;
      const code = (body?.code !== undefined ? BODY_CODES[body.code] : undefined) ?? CODES[res.status] ?? 'INTERNAL';
      throw new TroupeError(code, message, Array.isArray(body?.errors) ? { details: { errors: body.errors } } : {});
    }
    return json as T;
  }
  const seg = encodeURIComponent;
  const run = (n: string, id: string) => `/dag-runs/${seg(n)}/${seg(id)}`;
  async function startLike(kind: 'start' | 'enqueue', ref: Parameters<CliBackend['start']>[0], o: Parameters<CliBackend['start']>[1]) {
    if (!('name' in ref) || 'spec' in ref) {
      throw new TroupeError('INVALID_INPUT', 'a running server starts stored DAGs only', { details: { hint: 'copy the file into the DAG directory and start it by name' } });
    }
    const body: Record<string, unknown> = {};
    if (o.params !== undefined) body.params = typeof o.params === 'string' ? o.params : JSON.stringify(o.params);
    if (o.dagRunId !== undefined) body.dagRunId = o.dagRunId;
    if (o.singleton !== undefined) body.singleton = o.singleton;
    if (o.queue !== undefined) body.queue = o.queue;
    const r = await call<{ dagRunId: string }>('POST', `/dags/${seg(ref.name)}/${kind}`, body);
    return { name: ref.name, dagRunId: r.dagRunId };
  }
  const getRun = async (n: string, id: string) => {
    try {
      return await call<RunDetails>('GET', run(n, id));
    } catch (e) {
      if ((e as TroupeError).code === 'NOT_FOUND') return undefined;
      throw e;
    }
  };
  return {
    kind: 'remote',
    dataDir,
    start: (ref, o) => startLike('start', ref, o),
    enqueue: (ref, o) => startLike('enqueue', ref, o),
    stop: async (n, id) => void (await call('POST', `${run(n, id)}/stop`)),
    retry: async (n, id, o) => {
      await call('POST', `${run(n, id)}/retry`, { ...(o.stepName ? { stepName: o.stepName } : {}), ...(o.includeDownstream ? { includeDownstream: true } : {}) });
      return { name: n, dagRunId: id };
    },
    dequeue: async (n, id) => void (await call('POST', `${run(n, id)}/dequeue`)),
    getRun,
    listRuns: async (f) => {
      const q = new URLSearchParams();
      if (f.name) q.set('name', f.name);
      for (const st of f.status ?? []) q.append('status', st);
      if (f.limit) q.set('limit', String(f.limit));
      const r = await call<{ dagRuns?: RunDetails[]; items?: RunDetails[]; nextCursor?: string }>('GET', `/dag-runs?${q}`);
      return { items: r.dagRuns ?? r.items ?? [], ...(r.nextCursor ? { nextCursor: r.nextCursor } : {}) };
    },
    runLogs: (n, id, t) => call('GET', `${run(n, id)}/log${t ? `?tail=${t}` : ''}`),
    stepLog: async (n, id, s, st, t) => {
      const r = await call<{ content?: string; lineCount?: number; totalLines?: number; hasMore?: boolean }>('GET', `${run(n, id)}/steps/${seg(s)}/log?stream=${st}${t ? `&tail=${t}` : ''}`);
      return { content: r.content ?? '', lineCount: r.lineCount ?? 0, totalLines: r.totalLines ?? 0, hasMore: r.hasMore ?? false };
    },
    listDags: async () => {
      const all: DagSummary[] = [];
      for (let page = 1; ; page++) {
        const r = await call<{ dags: DagSummary[]; pagination: { totalPages: number } }>('GET', `/dags?perPage=1000&page=${page}`);
        all.push(...r.dags);
        if (page >= r.pagination.totalPages) return all;
      }
    },
    dagYaml: async (name) => {
      try {
        return (await call<{ spec: string }>('GET', `/dags/${seg(name)}/spec`)).spec;
      } catch (e) {
        if ((e as TroupeError).code === 'NOT_FOUND' || (e as TroupeError).code === 'DAG_NOT_FOUND') return undefined;
        throw e;
      }
    },
    // Follows a remote run by reading its details four times a second. (The server's live
    // streams, WebSocket/SSE, are another branch's work; once on main, a subscription can wake
    // this loop instead of the timer.)
    follow: (name, id, onStep) =>
      followDetails(() => getRun(name, id), onStep, { pollMs: 250, notFound: () => new TroupeError('RUN_NOT_FOUND', `dag-run ${name}:${id} not found`) }),
    close: async () => {},
  };
}
