import { createHash, randomBytes } from 'node:crypto';

/** Every API key secret starts with this, so scanners and people can recognise a leaked one. */
export const API_KEY_PREFIX = 'troupe_';
/** Login session tokens; distinct from API keys so the two never get confused. */
export const SESSION_TOKEN_PREFIX = 'tsess_';
/** How many characters after `troupe_` are kept in clear, to recognise a key in a list. */
export const KEY_PREFIX_CHARS = 8;

/** A new API key secret: `troupe_` + 32 random bytes, base64url (43 characters). */
export function newApiKeySecret(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}

/** A new session token: `tsess_` + 32 random bytes, base64url. */
export function newSessionToken(): string {
  return SESSION_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * SHA-256 hex of a token. API keys and session tokens carry 256 bits of randomness, so a fast
 * hash is enough: nobody can brute-force the preimage, unlike a password (which gets scrypt).
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function isApiKeyToken(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX);
}
