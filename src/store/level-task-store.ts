import type { McpTaskStore, TaskRecord } from '../mcp/task-store.ts';
import type { Database } from './database.ts';

/** MCP tasks in the data directory's LevelDB (sublevel `mcp-tasks`, JSON records by task id). */
export function createLevelTaskStore(db: Database): McpTaskStore {
  const sub = db.sublevel<string, TaskRecord>('mcp-tasks', { valueEncoding: 'json' });
  return {
    put: (record) => sub.put(record.taskId, record),
    get: (taskId) => sub.get(taskId),
    delete: (taskId) => sub.del(taskId),
    list: () => sub.values().all(),
  };
}
