import type { Credential, CredentialType, Role, Subject, WorkspaceAccess } from '../core/index.ts';

/** A public interface on which an API key may be accepted. */
export type ApiKeySurface = 'rest_api' | 'mcp';
export const API_KEY_SURFACES: readonly ApiKeySurface[] = ['rest_api', 'mcp'];
/** Whom the actions of an API key are attributed to. */
export type AttributionClass = 'user_owned' | 'service_account';

/** An API key as shown to administrators: never the secret, never its hash. */
export interface ApiKeyInfo {
  id: string;
  name: string;
  description?: string;
  role: Role;
  workspaceAccess?: WorkspaceAccess;
  allowedSurfaces: string[];
  attributionClass: AttributionClass;
  ownerUserId?: string;
  ownerUsername?: string;
  serviceAccountId?: string;
  serviceAccountName?: string;
  /** The first characters of the secret after `troupe_`, to recognise a key in a list. */
  keyPrefix: string;
  createdAt: string;
  updatedAt: string;
  createdBy?: string;
  lastUsedAt?: string;
}

/** What the store keeps about an API key: the info plus the SHA-256 of the secret. */
export interface ApiKeyRecord extends ApiKeyInfo {
  keyHash: string;
}

/** A builtin user as shown to administrators. */
export interface UserInfo {
  id: string;
  username: string;
  role: Role;
  workspaceAccess?: WorkspaceAccess;
  createdAt: string;
  updatedAt: string;
}

/** What the store keeps about a user: the info plus an scrypt password hash. */
export interface UserRecord extends UserInfo {
  passwordHash: string;
}

/** A login session; the token itself is never stored, only its SHA-256. */
export interface SessionRecord {
  tokenHash: string;
  userId: string;
  /** Epoch ms. */
  createdAt: number;
  expiresAt: number;
}

/**
 * Persistence of users, API keys and sessions (implemented by `store/level-auth-store.ts`).
 * Missing records read as `undefined`.
 */
export interface AuthStore {
  getApiKey(id: string): Promise<ApiKeyRecord | undefined>;
  findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  listApiKeys(): Promise<ApiKeyRecord[]>;
  /** Creates or replaces a key and its hash index atomically. */
  putApiKey(record: ApiKeyRecord): Promise<void>;
  deleteApiKey(id: string): Promise<boolean>;
  getUser(id: string): Promise<UserRecord | undefined>;
  findUserByName(username: string): Promise<UserRecord | undefined>;
  listUsers(): Promise<UserRecord[]>;
  /** Creates or replaces a user and its username index atomically. */
  putUser(record: UserRecord): Promise<void>;
  deleteUser(id: string): Promise<boolean>;
  putSession(record: SessionRecord): Promise<void>;
  getSession(tokenHash: string): Promise<SessionRecord | undefined>;
  deleteSession(tokenHash: string): Promise<void>;
}

/** Why a request was refused at the authentication layer (Dagu's `denial_reason`). */
export type DenialReason = 'missing_credentials' | 'auth_failed' | 'api_key_surface_denied';

/** The result of checking one request's credentials against a surface. */
export type AuthOutcome =
  | { ok: true; subject: Subject; credential: Credential; /** The local CLI token was used. */ local: boolean }
  | {
      ok: false;
      status: 401 | 403;
      reason: DenialReason;
      /** The credential class the request presented (from the header when nothing resolved). */
      credentialType: CredentialType;
      /** Set when a valid key was presented on the wrong surface. */
      credential?: Credential;
      subject?: Subject;
    };

export interface CreateApiKeyInput {
  name: string;
  role: Role;
  allowedSurfaces: string[];
  attributionClass?: AttributionClass;
  description?: string;
  workspaceAccess?: WorkspaceAccess;
  ownerUserId?: string;
  serviceAccountName?: string;
  createdBy?: string;
}

export interface UpdateApiKeyInput {
  name?: string;
  description?: string;
  role?: Role;
  allowedSurfaces?: string[];
  workspaceAccess?: WorkspaceAccess | null;
}

export interface CreateUserInput {
  username: string;
  password: string;
  role: Role;
  workspaceAccess?: WorkspaceAccess;
}

/** Authentication and credential management, shared by the HTTP server, /mcp and the CLI. */
export interface AuthService {
  readonly mode: 'none' | 'basic' | 'builtin';
  /**
   * Checks the `Authorization` header of a request that arrived on `surface`. Never throws
   * for bad credentials: a denial is an outcome, so the caller can audit it.
   */
  authenticate(authorization: string | null | undefined, surface: ApiKeySurface): Promise<AuthOutcome>;
  /** Verifies a builtin user's password and opens a session. Throws `UNAUTHENTICATED`. */
  login(username: string, password: string, meta?: { ipAddress?: string }): Promise<{ token: string; expiresAt: string; user: UserInfo }>;
  logout(token: string): Promise<void>;

  createApiKey(input: CreateApiKeyInput): Promise<{ apiKey: ApiKeyInfo; key: string }>;
  listApiKeys(): Promise<ApiKeyInfo[]>;
  getApiKey(id: string): Promise<ApiKeyInfo | undefined>;
  updateApiKey(id: string, patch: UpdateApiKeyInput): Promise<ApiKeyInfo>;
  deleteApiKey(id: string): Promise<void>;

  createUser(input: CreateUserInput): Promise<UserInfo>;
  listUsers(): Promise<UserInfo[]>;
  getUser(id: string): Promise<UserInfo | undefined>;
  deleteUser(id: string): Promise<void>;
}
