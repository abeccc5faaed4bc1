// Authentication: API keys with surfaces, builtin users, sessions, and the credential check.

// Service
export { createAuthService, checkWorkspaceAccess, DEFAULT_NONE_SUBJECT, LOCAL_CLI_SUBJECT } from './auth-service.ts';
export type { AuthServiceOptions } from './auth-service.ts';
// Building blocks
export { safeEqual } from './constant-time.ts';
export { hashPassword, verifyPassword } from './password-hash.ts';
export { API_KEY_PREFIX, SESSION_TOKEN_PREFIX, hashToken, isApiKeyToken, newApiKeySecret, newSessionToken } from './tokens.ts';
export { createLoginRateLimiter } from './login-rate-limiter.ts';
export type { LoginRateLimiter } from './login-rate-limiter.ts';
// Types
export { API_KEY_SURFACES } from './types.ts';
export type {
  ApiKeyInfo,
  ApiKeyRecord,
  ApiKeySurface,
  AttributionClass,
  AuthOutcome,
  AuthService,
  AuthStore,
  CreateApiKeyInput,
  CreateUserInput,
  DenialReason,
  SessionRecord,
  UpdateApiKeyInput,
  UserInfo,
  UserRecord,
} from './types.ts';
