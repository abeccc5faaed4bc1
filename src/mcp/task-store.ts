/** A task's status, as both protocol eras name it. */
export type TaskStatus = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';

/**
 * One MCP task as it is kept across restarts: who owns it, which run it follows, and its last
 * known status. The run's terminal result is not stored: it is derived from the run's own
 * record, so a run that ended while the server was down still gives its result.
 */
export interface TaskRecord {
  taskId: string;
  /** The subject key (user + credential, `subjectKeyOf`) of the credential that created it. */
  ownerKey: string;
  /** The run the task follows. */
  name: string;
  dagRunId: string;
  /** The creating call's correlation id (`troupe/correlationId`). */
  correlationId: string;
  /** ISO-8601 UTC. */
  createdAt: string;
  lastUpdatedAt: string;
  /** Retention after the task ends (ms), or null for none (never pruned). */
  ttlMs: number | null;
  pollIntervalMs: number;
  status: TaskStatus;
  statusMessage?: string;
  /** Clock ms at which the task reached a terminal status (its ttl runs from here). */
  endedAt?: number;
}

/**
 * Where MCP tasks are kept: the port the task ledger (`tasks.ts`) owns. The ledger keeps its
 * own working copy in memory and writes through; the store only has to keep records by id
 * and give them all back at start.
 */
export interface McpTaskStore {
  /** Creates or replaces a record; resolves once it is durable. */
  put(record: TaskRecord): Promise<void>;
  get(taskId: string): Promise<TaskRecord | undefined>;
  /** Removes a record; removing an unknown id is not an error. */
  delete(taskId: string): Promise<void>;
  /** Every record, in no particular order (read once, at start). */
  list(): Promise<TaskRecord[]>;
}

/** The in-memory adapter (a handler without a data directory, and tests). */
export function createMemoryTaskStore(): McpTaskStore {
  const records = new Map<string, TaskRecord>();
  const copy = (r: TaskRecord): TaskRecord => structuredClone(r);
  return {
    async put(record) {
      records.set(record.taskId, copy(record));
    },
    async get(taskId) {
      const r = records.get(taskId);
      return r ? copy(r) : undefined;
    },
    async delete(taskId) {
      records.delete(taskId);
    },
    async list() {
      return [...records.values()].map(copy);
    },
  };
}
