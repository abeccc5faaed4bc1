// REST client of the page: every call goes to this server's own API, with the caller's credential.

const meta = (name: string) => document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? '';

/** `base_path` of the server (from the page), `''` at the root. */
export const basePath = meta('troupe-base');
/** `auth.mode` of the server: `none`, `basic` or `builtin`. */
export const authMode = meta('troupe-auth') || 'none';
export const apiBase = `${basePath}/api/v1`;

const KEY = 'troupe.authorization';
let authorization: string | null = sessionStorage.getItem(KEY);
const unauthorizedListeners = new Set<() => void>();

export function authHeader(): Record<string, string> {
  return authorization ? { authorization } : {};
}

/** Keeps the credential for this tab (sessionStorage: gone when the tab closes). */
export function setAuthorization(value: string | null): void {
  authorization = value;
  if (value === null) sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, value);
}

export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Calls `{base}/api/v1{path}`; JSON in and out; a non-2xx answer throws ApiError with the server's message. */
export async function api<T>(path: string, init: { method?: string; body?: unknown; signal?: AbortSignal; auth?: string | null } = {}): Promise<T> {
  const headers: Record<string, string> = init.auth === undefined ? authHeader() : init.auth ? { authorization: init.auth } : {};
  let body: string | undefined;
  if (init.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.body);
  }
  const res = await fetch(`${apiBase}${path}`, { method: init.method ?? 'GET', headers, ...(body !== undefined ? { body } : {}), ...(init.signal ? { signal: init.signal } : {}) });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const problem = (json ?? {}) as { code?: string; message?: string };
    if (res.status === 401 && init.auth === undefined) for (const l of unauthorizedListeners) l();
    throw new ApiError(res.status, problem.code ?? 'error', problem.message ?? `${res.status} ${res.statusText}`);
  }
  return json as T;
}

export const enc = encodeURIComponent;
