import type { RunRecord } from './types.ts';

/**
 * Where DAG YAML files live. Names are validated by the caller and can never address a path
 * outside the store. Missing files read as `undefined`.
 */
export interface DagStore {
  /** Names of all stored DAGs, sorted. */
  list(): Promise<string[]>;
  read(name: string): Promise<string | undefined>;
  /** Writes the YAML as given; `created` is true when no file existed. */
  write(name: string, yaml: string, options?: { mustNotExist?: boolean }): Promise<{ created: boolean }>;
  /** Throws `DAG_NOT_FOUND` or `DAG_EXISTS`. */
  rename(name: string, newName: string): Promise<void>;
  /** Throws `DAG_NOT_FOUND`. */
  remove(name: string): Promise<void>;
}

/** Persistence of run records and of the queue order. */
export interface RunStore {
  /** Writes the records atomically. */
  putMany(records: RunRecord[]): Promise<void>;
  get(name: string, dagRunId: string): Promise<RunRecord | undefined>;
  /** The run with the newest start (or queue) time for a DAG. */
  latest(name: string): Promise<RunRecord | undefined>;
  /** Newest first. */
  list(options: { name?: string; limit: number; before?: string }): Promise<RunRecord[]>;
  /** Records in a non-terminal status (queued, running, waiting), for recovery at boot. */
  active(): Promise<RunRecord[]>;
  /** The DAG spec a run executes, kept so retries and inline runs replay the same YAML. */
  putSpec(name: string, dagRunId: string, yaml: string): Promise<void>;
  getSpec(name: string, dagRunId: string): Promise<string | undefined>;
  /** A persisted actor snapshot, by key. */
  putSnapshot(key: string, snapshot: unknown): Promise<void>;
  getSnapshot(key: string): Promise<unknown | undefined>;
  deleteSnapshot(key: string): Promise<void>;
}
