import type { TransitionRecord } from './events.ts';
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

/** What one `RunStore.putMany` batch writes besides records. */
export interface RunStoreBatchExtras {
  /** Transitions to append (keys are unique by run and seq; rewriting one is harmless). */
  transitions?: TransitionRecord[];
  /** The new upper bound of leased event sequence numbers. */
  seqLease?: number;
}

/** Persistence of run records, their transitions, and the queue order. */
export interface RunStore {
  /** Writes the records, transitions and lease in one atomic batch. */
  putMany(records: RunRecord[], extras?: RunStoreBatchExtras): Promise<void>;
  /** A run's transitions in seq order, with `seq > afterSeq`, at most `limit`. */
  transitions(name: string, dagRunId: string, options: { afterSeq?: number; limit: number }): Promise<TransitionRecord[]>;
  /** The highest event sequence number leased so far (0 for a new data directory). */
  seqLease(): Promise<number>;
  get(name: string, dagRunId: string): Promise<RunRecord | undefined>;
  /** The run with the newest start (or queue) time for a DAG. */
  latest(name: string): Promise<RunRecord | undefined>;
  /**
   * Newest first, at most `limit`, continuing after the opaque cursor `before`. `cursors[i]`
   * continues after `records[i]`; `next` is set when more records may follow the page.
   */
  list(options: { name?: string; limit: number; before?: string }): Promise<{ records: RunRecord[]; cursors: string[]; next?: string }>;
  /** Records in a non-terminal status (queued, running, waiting), for recovery at boot. */
  active(): Promise<RunRecord[]>;
  /** The DAG spec a run executes, kept so retries and inline runs replay the same YAML. */
  putSpec(name: string, dagRunId: string, yaml: string): Promise<void>;
  getSpec(name: string, dagRunId: string): Promise<string | undefined>;
  /** Specs of many runs in one read, in the order asked. */
  getSpecs(runs: Array<{ name: string; dagRunId: string }>): Promise<Array<string | undefined>>;
  /** A persisted actor snapshot, by key. */
  putSnapshot(key: string, snapshot: unknown): Promise<void>;
  getSnapshot(key: string): Promise<unknown | undefined>;
  getSnapshots(keys: string[]): Promise<Array<unknown | undefined>>;
  deleteSnapshot(key: string): Promise<void>;
}
