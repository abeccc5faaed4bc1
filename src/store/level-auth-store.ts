import type { ApiKeyRecord, AuthStore, SessionRecord, UserRecord } from '../auth/types.ts';
import type { Database } from './database.ts';

/**
 * The LevelDB adapter of `AuthStore`. Sublevels (all named `auth-*`): keys by id, a hash → id
 * index for key lookup, users by id, a username → id index, and sessions by token hash.
 */
export function createLevelAuthStore(db: Database): AuthStore {
  const keys = db.sublevel<string, ApiKeyRecord>('auth-api-keys', { valueEncoding: 'json' });
  const keyHashes = db.sublevel<string, string>('auth-api-key-hashes', { valueEncoding: 'json' });
  const users = db.sublevel<string, UserRecord>('auth-users', { valueEncoding: 'json' });
  const usernames = db.sublevel<string, string>('auth-usernames', { valueEncoding: 'json' });
  const sessions = db.sublevel<string, SessionRecord>('auth-sessions', { valueEncoding: 'json' });

  return {
    getApiKey: (id) => keys.get(id),
    async findApiKeyByHash(keyHash) {
      const id = await keyHashes.get(keyHash);
      return id === undefined ? undefined : keys.get(id);
    },
    listApiKeys: () => keys.values().all(),
    async putApiKey(record) {
      const previous = await keys.get(record.id);
      const batch = db.batch();
      if (previous && previous.keyHash !== record.keyHash) batch.del(previous.keyHash, { sublevel: keyHashes });
      batch.put(record.id, record, { sublevel: keys }).put(record.keyHash, record.id, { sublevel: keyHashes });
      await batch.write();
    },
    async deleteApiKey(id) {
      const previous = await keys.get(id);
      if (!previous) return false;
      await db.batch().del(id, { sublevel: keys }).del(previous.keyHash, { sublevel: keyHashes }).write();
      return true;
    },
    getUser: (id) => users.get(id),
    async findUserByName(username) {
      const id = await usernames.get(username.toLowerCase());
      return id === undefined ? undefined : users.get(id);
    },
    listUsers: () => users.values().all(),
    async putUser(record) {
      const previous = await users.get(record.id);
      const batch = db.batch();
      if (previous && previous.username.toLowerCase() !== record.username.toLowerCase()) batch.del(previous.username.toLowerCase(), { sublevel: usernames });
      batch.put(record.id, record, { sublevel: users }).put(record.username.toLowerCase(), record.id, { sublevel: usernames });
      await batch.write();
    },
    async deleteUser(id) {
      const previous = await users.get(id);
      if (!previous) return false;
      await db.batch().del(id, { sublevel: users }).del(previous.username.toLowerCase(), { sublevel: usernames }).write();
      return true;
    },
    putSession: (record) => sessions.put(record.tokenHash, record),
    getSession: (tokenHash) => sessions.get(tokenHash),
    deleteSession: (tokenHash) => sessions.del(tokenHash),
  };
}
