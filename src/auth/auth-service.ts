import { TroupeError, isRole, isoTime, systemClock, uuidv7 } from '../core/index.ts';
import type { Clock, Credential, CredentialType, Role, Subject, WorkspaceAccess } from '../core/index.ts';
import type { AuditTrail } from '../audit/types.ts';
import type { TroupeConfig } from '../config.ts';
import { safeEqual } from './constant-time.ts';
import { createLoginRateLimiter } from './login-rate-limiter.ts';
import { dummyPasswordHash, hashPassword, verifyPassword } from './password-hash.ts';
import { API_KEY_PREFIX, KEY_PREFIX_CHARS, hashToken, isApiKeyToken, newApiKeySecret, newSessionToken } from './tokens.ts';
import { API_KEY_SURFACES } from './types.ts';
import type {
  ApiKeyInfo,
  ApiKeyRecord,
  ApiKeySurface,
  AuthOutcome,
  AuthService,
  AuthStore,
  CreateApiKeyInput,
  CreateUserInput,
  DenialReason,
  UpdateApiKeyInput,
  UserInfo,
  UserRecord,
} from './types.ts';

export interface AuthServiceOptions {
  config: Pick<TroupeConfig, 'auth'>;
  clock?: Clock;
  /** The running server's CLI token: a bearer equal to it acts as the local admin. */
  localToken?: string;
  /** Records api_key_*, user_create and login entries; state changes first pass its gate. */
  audit?: AuditTrail;
  /** Where users, keys and sessions live (the LevelDB adapter in src/store). */
  store: AuthStore;
}

/** The user `auth.mode: none` injects ("default stream-user injection"). */
export const DEFAULT_NONE_SUBJECT: Subject = { userId: 'admin', username: 'admin', role: 'admin' };
/** The subject of the local CLI token. */
export const LOCAL_CLI_SUBJECT: Subject = { userId: 'cli', username: 'cli', role: 'admin' };

const WORKSPACE_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const USERNAME = /^[A-Za-z0-9_.@-]{1,64}$/;
/** Only touch `lastUsedAt` once a minute per key, so authentication stays a pure read. */
const LAST_USED_INTERVAL_MS = 60_000;

function invalid(message: string, field?: string): never {
  throw new TroupeError('INVALID_INPUT', message, field ? { details: { field } } : {});
}

function checkRole(role: unknown, field = 'role'): Role {
  if (!isRole(role)) invalid(`${field} must be one of admin, manager, developer, operator, viewer`, field);
  return role;
}

/** Validates a workspace grant list; admins cannot be scoped (as in Dagu). */
export function checkWorkspaceAccess(value: unknown, role: Role, field = 'workspaceAccess'): WorkspaceAccess | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) invalid(`${field} must be an object {all, grants}`, field);
  const v = value as { all?: unknown; grants?: unknown };
  if (v.all !== undefined && typeof v.all !== 'boolean') invalid(`${field}.all must be a boolean`, `${field}.all`);
  const grantsRaw = v.grants ?? [];
  if (!Array.isArray(grantsRaw)) invalid(`${field}.grants must be an array`, `${field}.grants`);
  const grants = grantsRaw.map((g: unknown, i) => {
    const grant = g as { workspace?: unknown; role?: unknown } | null;
    if (!grant || typeof grant !== 'object') invalid(`${field}.grants[${i}] must be an object`, `${field}.grants`);
    if (typeof grant.workspace !== 'string' || !WORKSPACE_NAME.test(grant.workspace)) invalid(`${field}.grants[${i}].workspace must match ^[A-Za-z0-9_-]+$`, `${field}.grants`);
    return { workspace: grant.workspace, role: checkRole(grant.role, `${field}.grants[${i}].role`) };
  });
  const access: WorkspaceAccess = { all: v.all === true, grants };
  if (!access.all && role === 'admin') invalid('an admin cannot be scoped to workspaces', field);
  return access;
}

function checkSurfaces(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) invalid('allowedSurfaces must be a non-empty array of rest_api, mcp', 'allowedSurfaces');
  for (const s of value) if (!(API_KEY_SURFACES as readonly unknown[]).includes(s)) invalid('Invalid API key surface', 'allowedSurfaces');
  return [...new Set(value as string[])];
}

function checkName(value: unknown): string {
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > 100) invalid('name must be a string of 1 to 100 characters', 'name');
  return value.trim();
}

function checkDescription(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > 500) invalid('description must be a string of at most 500 characters', 'description');
  return value;
}

function toInfo(record: ApiKeyRecord): ApiKeyInfo {
  const { keyHash: _hash, ...info } = record;
  return info;
}

function toUserInfo(record: UserRecord): UserInfo {
  const { passwordHash: _hash, ...info } = record;
  return info;
}

function keyCredential(record: ApiKeyRecord): Credential {
  return { type: 'api_key', id: record.id, name: record.name, allowedSurfaces: record.allowedSurfaces, attributionClass: record.attributionClass };
}

/** The subject a key's actions are attributed to: its owner, or its service account. */
function keySubject(record: ApiKeyRecord): Subject {
  const owned = record.attributionClass === 'user_owned' && record.ownerUserId;
  const subject: Subject = {
    userId: owned ? record.ownerUserId! : (record.serviceAccountId ?? `api_key:${record.id}`),
    username: owned ? (record.ownerUsername ?? record.ownerUserId!) : (record.serviceAccountName ?? record.name),
    role: record.role,
  };
  if (record.workspaceAccess) subject.workspaceAccess = record.workspaceAccess;
  return subject;
}

function userSubject(user: UserRecord): Subject {
  const subject: Subject = { userId: user.id, username: user.username, role: user.role };
  if (user.workspaceAccess) subject.workspaceAccess = user.workspaceAccess;
  return subject;
}

/**
 * Creates the authentication service: API keys (hashed, with surfaces and attribution), builtin
 * users (scrypt), login sessions (hashed tokens with expiry) and the credential check used by
 * every HTTP route and /mcp.
 *
 * @example
 * const auth = await createAuthService({ store: createLevelAuthStore(db), config });
 * const { key } = await auth.createApiKey({ name: 'ci', role: 'operator', allowedSurfaces: ['rest_api'] });
 * const outcome = await auth.authenticate(`Bearer ${key}`, 'rest_api'); // { ok: true, ... }
 */
export async function createAuthService(options: AuthServiceOptions): Promise<AuthService> {
  const clock = options.clock ?? systemClock;
  const store = options.store;
  const { mode, basic, sessionTtlSec } = options.config.auth;
  const audit = options.audit;
  const limiter = createLoginRateLimiter({ clock });
  const lastTouched = new Map<string, number>();
  // Keys by hash. This service is the only writer of keys while a server runs (the CLI refuses
  // to open a data dir a server owns), so invalidating on update/delete keeps it exact.
  const keyCache = new Map<string, ApiKeyRecord>();
  const KEY_CACHE_MAX = 1024;
  async function findKey(hash: string): Promise<ApiKeyRecord | undefined> {
    const cached = keyCache.get(hash);
    if (cached) return cached;
    const record = await store.findApiKeyByHash(hash);
    if (record) {
      if (keyCache.size >= KEY_CACHE_MAX) keyCache.delete(keyCache.keys().next().value as string);
      keyCache.set(hash, record);
    }
    return record;
  }
  const forget = (record: ApiKeyRecord) => void keyCache.delete(record.keyHash);
  // Key writes run one at a time, so a `lastUsedAt` touch can never resurrect a key deleted
  // (or undo an update made) between its read and its write.
  let keyWrites: Promise<unknown> = Promise.resolve();
  function serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = keyWrites.then(fn, fn);
    // The caller gets `run` and its error; the queue only needs to know the write is over.
    keyWrites = run.catch(() => undefined);
    return run;
  }

  const ok = (subject: Subject, credential: Credential, local = false): AuthOutcome => ({ ok: true, subject, credential, local });
  const deny = (status: 401 | 403, reason: DenialReason, credentialType: CredentialType, extra: { credential?: Credential; subject?: Subject } = {}): AuthOutcome => ({
    ok: false,
    status,
    reason,
    credentialType,
    ...extra,
  });

  async function gate(): Promise<void> {
    if (audit) await audit.assertWritable();
  }

  function touch(record: ApiKeyRecord): void {
    const now = clock.now();
    if (now - (lastTouched.get(record.id) ?? 0) < LAST_USED_INTERVAL_MS) return;
    lastTouched.set(record.id, now);
    // Fire and forget: a failed bookkeeping write must never fail the request.
    serial(async () => {
      const current = await store.getApiKey(record.id);
      if (current) await store.putApiKey({ ...current, lastUsedAt: isoTime(now) });
    }).catch((error) => {
      // lastUsedAt is best-effort bookkeeping: a failed write must not fail the request it records.
      void error;
    });
  }

  async function authenticateKey(token: string, surface: ApiKeySurface): Promise<AuthOutcome> {
    const hash = hashToken(token);
    const record = await findKey(hash);
    if (!record || !safeEqual(record.keyHash, hash)) return deny(401, 'auth_failed', 'api_key');
    const credential = keyCredential(record);
    const subject = keySubject(record);
    if (!record.allowedSurfaces.includes(surface)) return deny(403, 'api_key_surface_denied', 'api_key', { credential, subject });
    touch(record);
    return ok(subject, credential);
  }

  async function authenticateSession(token: string): Promise<AuthOutcome> {
    const tokenHash = hashToken(token);
    const session = await store.getSession(tokenHash);
    if (!session || !safeEqual(session.tokenHash, tokenHash)) return deny(401, 'auth_failed', 'session');
    if (session.expiresAt <= clock.now()) {
      // The session is refused either way; a failed delete is retried the next time it is presented.
      await store.deleteSession(tokenHash).catch(() => undefined);
      return deny(401, 'auth_failed', 'session');
    }
    const user = await store.getUser(session.userId);
    if (!user) return deny(401, 'auth_failed', 'session');
    return ok(userSubject(user), { type: 'session', id: tokenHash.slice(0, 16), name: user.username });
  }

  function authenticateBasic(encoded: string): AuthOutcome {
    let decoded: string;
    try {
      decoded = Buffer.from(encoded, 'base64').toString('utf8');
    } catch {
      return deny(401, 'auth_failed', 'basic');
    }
    const colon = decoded.indexOf(':');
    if (colon < 0 || basic.password === '') return deny(401, 'auth_failed', 'basic');
    const username = decoded.slice(0, colon);
    // Both comparisons always run, so timing tells nothing about which half was wrong.
    const userOk = safeEqual(username, basic.username);
    const passwordOk = safeEqual(decoded.slice(colon + 1), basic.password);
    if (!(userOk && passwordOk)) return deny(401, 'auth_failed', 'basic');
    return ok({ userId: username, username, role: 'admin', workspaceAccess: { all: true, grants: [] } }, { type: 'basic', name: username });
  }

  async function authenticate(authorization: string | null | undefined, surface: ApiKeySurface): Promise<AuthOutcome> {
    const header = authorization?.trim() ?? '';
    const space = header.indexOf(' ');
    const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
    const value = space < 0 ? '' : header.slice(space + 1).trim();
    if (scheme === 'bearer' && value) {
      if (options.localToken && safeEqual(value, options.localToken)) return ok(LOCAL_CLI_SUBJECT, { type: 'local' }, true);
      if (isApiKeyToken(value)) {
        // Basic mode accepts only the configured user, as in Dagu.
        if (mode === 'basic') return deny(401, 'auth_failed', 'api_key');
        return authenticateKey(value, surface);
      }
      if (mode === 'builtin') return authenticateSession(value);
      if (mode === 'basic') return deny(401, 'auth_failed', 'session');
    }
    if (scheme === 'basic' && value && mode === 'basic') return authenticateBasic(value);
    if (mode === 'none') return ok(DEFAULT_NONE_SUBJECT, { type: 'none' });
    if (!header) return deny(401, 'missing_credentials', 'none');
    return deny(401, 'auth_failed', scheme === 'basic' ? 'basic' : scheme === 'bearer' ? 'session' : 'none');
  }

  async function login(username: string, password: string, meta: { ipAddress?: string } = {}) {
    if (mode !== 'builtin') throw new TroupeError('INVALID_INPUT', 'login is only available when auth.mode is builtin');
    const keys = [`user:${username.toLowerCase()}`, ...(meta.ipAddress ? [`ip:${meta.ipAddress}`] : [])];
    if (keys.some((k) => limiter.blocked(k))) throw new TroupeError('LIMIT_EXCEEDED', 'Too many failed login attempts; try again later');
    const user = await store.findUserByName(username);
    const valid = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()));
    if (!user || !valid) {
      for (const k of keys) limiter.fail(k);
      audit?.record({ category: 'user', action: 'login', result: 'failed', resource_type: 'user', resource_id: username.slice(0, 64), details: { denial_reason: 'auth_failed' } });
      throw new TroupeError('UNAUTHENTICATED', 'Invalid username or password');
    }
    for (const k of keys) limiter.reset(k);
    const token = newSessionToken();
    const now = clock.now();
    const expiresAt = now + sessionTtlSec * 1000;
    await store.putSession({ tokenHash: hashToken(token), userId: user.id, createdAt: now, expiresAt });
    audit?.record({ category: 'user', action: 'login', result: 'succeeded', resource_type: 'user', resource_id: user.id, details: { username: user.username } });
    return { token, expiresAt: isoTime(expiresAt), user: toUserInfo(user) };
  }

  async function createApiKey(input: CreateApiKeyInput) {
    const name = checkName(input.name);
    const role = checkRole(input.role);
    const allowedSurfaces = checkSurfaces(input.allowedSurfaces);
    const attributionClass = input.attributionClass ?? 'service_account';
    if (attributionClass !== 'service_account' && attributionClass !== 'user_owned') invalid('Invalid API key attribution', 'attributionClass');
    const description = checkDescription(input.description);
    const workspaceAccess = checkWorkspaceAccess(input.workspaceAccess, role);
    let owner: UserRecord | undefined;
    if (attributionClass === 'user_owned') {
      if (typeof input.ownerUserId !== 'string' || !input.ownerUserId) invalid('a user_owned key needs ownerUserId', 'ownerUserId');
      owner = await store.getUser(input.ownerUserId);
      if (!owner) invalid(`owner user ${input.ownerUserId} not found`, 'ownerUserId');
    }
    if (input.serviceAccountName !== undefined && (typeof input.serviceAccountName !== 'string' || input.serviceAccountName.length > 100)) {
      invalid('serviceAccountName must be a string of at most 100 characters', 'serviceAccountName');
    }
    await gate();
    const id = uuidv7(clock.now());
    const key = newApiKeySecret();
    const now = isoTime(clock.now());
    const record: ApiKeyRecord = {
      id,
      name,
      role,
      allowedSurfaces,
      attributionClass,
      keyPrefix: key.slice(API_KEY_PREFIX.length, API_KEY_PREFIX.length + KEY_PREFIX_CHARS),
      keyHash: hashToken(key),
      createdAt: now,
      updatedAt: now,
    };
    if (description !== undefined) record.description = description;
    if (workspaceAccess) record.workspaceAccess = workspaceAccess;
    if (owner) {
      record.ownerUserId = owner.id;
      record.ownerUsername = owner.username;
    } else {
      record.serviceAccountId = `api_key:${id}`;
      record.serviceAccountName = input.serviceAccountName || name;
    }
    if (input.createdBy) record.createdBy = input.createdBy;
    await store.putApiKey(record);
    audit?.record({
      category: 'api_key',
      action: 'api_key_create',
      result: 'succeeded',
      resource_type: 'api_key',
      resource_id: id,
      details: { key_id: id, key_name: name, role, allowed_surfaces: allowedSurfaces, attribution_class: attributionClass },
    });
    return { apiKey: toInfo(record), key };
  }

  function updateApiKey(id: string, patch: UpdateApiKeyInput) {
    return serial(() => updateApiKeyNow(id, patch));
  }
  async function updateApiKeyNow(id: string, patch: UpdateApiKeyInput) {
    const current = await store.getApiKey(id);
    if (!current) throw new TroupeError('NOT_FOUND', `API key ${id} not found`);
    const next: ApiKeyRecord = { ...current };
    if (patch.name !== undefined) next.name = checkName(patch.name);
    if (patch.description !== undefined) next.description = checkDescription(patch.description);
    if (patch.role !== undefined) next.role = checkRole(patch.role);
    if (patch.allowedSurfaces !== undefined) next.allowedSurfaces = checkSurfaces(patch.allowedSurfaces);
    if (patch.workspaceAccess === null) delete next.workspaceAccess;
    else if (patch.workspaceAccess !== undefined) next.workspaceAccess = checkWorkspaceAccess(patch.workspaceAccess, next.role)!;
    else checkWorkspaceAccess(next.workspaceAccess, next.role);
    if (next.attributionClass === 'service_account' && patch.name !== undefined && current.serviceAccountName === current.name) next.serviceAccountName = next.name;
    await gate();
    next.updatedAt = isoTime(clock.now());
    forget(current);
    await store.putApiKey(next);
    audit?.record({
      category: 'api_key',
      action: 'api_key_update',
      result: 'succeeded',
      resource_type: 'api_key',
      resource_id: id,
      details: { key_id: id, key_name: next.name, changed: Object.keys(patch).filter((k) => (patch as Record<string, unknown>)[k] !== undefined).sort() },
    });
    return toInfo(next);
  }

  function deleteApiKey(id: string) {
    return serial(() => deleteApiKeyNow(id));
  }
  async function deleteApiKeyNow(id: string) {
    const current = await store.getApiKey(id);
    if (!current) throw new TroupeError('NOT_FOUND', `API key ${id} not found`);
    await gate();
    forget(current);
    await store.deleteApiKey(id);
    lastTouched.delete(id);
    audit?.record({ category: 'api_key', action: 'api_key_delete', result: 'succeeded', resource_type: 'api_key', resource_id: id, details: { key_id: id, key_name: current.name } });
  }

  async function createUser(input: CreateUserInput) {
    if (typeof input.username !== 'string' || !USERNAME.test(input.username)) invalid('username must be 1 to 64 characters of letters, digits, "_", ".", "@" and "-"', 'username');
    if (typeof input.password !== 'string' || input.password.length < 8 || input.password.length > 1024) invalid('password must be 8 to 1024 characters', 'password');
    const role = checkRole(input.role);
    const workspaceAccess = checkWorkspaceAccess(input.workspaceAccess, role);
    if (await store.findUserByName(input.username)) throw new TroupeError('CONFLICT', `user ${input.username} already exists`);
    await gate();
    const now = isoTime(clock.now());
    const record: UserRecord = { id: uuidv7(clock.now()), username: input.username, role, createdAt: now, updatedAt: now, passwordHash: await hashPassword(input.password) };
    if (workspaceAccess) record.workspaceAccess = workspaceAccess;
    await store.putUser(record);
    audit?.record({ category: 'user', action: 'user_create', result: 'succeeded', resource_type: 'user', resource_id: record.id, details: { username: record.username, role } });
    return toUserInfo(record);
  }

  async function deleteUser(id: string) {
    const current = await store.getUser(id);
    if (!current) throw new TroupeError('NOT_FOUND', `user ${id} not found`);
    await gate();
    await store.deleteUser(id);
    audit?.record({ category: 'user', action: 'user_delete', result: 'succeeded', resource_type: 'user', resource_id: id, details: { username: current.username } });
  }

  return {
    mode,
    authenticate,
    login,
    logout: (token) => store.deleteSession(hashToken(token)),
    createApiKey,
    listApiKeys: async () => (await store.listApiKeys()).map(toInfo),
    getApiKey: async (id) => {
      const record = await store.getApiKey(id);
      return record && toInfo(record);
    },
    updateApiKey,
    deleteApiKey,
    createUser,
    listUsers: async () => (await store.listUsers()).map(toUserInfo),
    getUser: async (id) => {
      const record = await store.getUser(id);
      return record && toUserInfo(record);
    },
    deleteUser,
  };
}
