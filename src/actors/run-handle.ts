import type { WriteStream } from 'node:fs';
import type { DagSpec } from '../dag/types.ts';
import type { RunActor } from './run-actor.ts';
import type { RunRecord } from './types.ts';

/** A run the runtime holds in memory: its record, its actor while it is live. */
export interface RunHandle {
  key: string;
  record: RunRecord;
  actor?: RunActor;
  spec: DagSpec;
  log?: WriteStream;
  /** Run-log lines of the current tick, written together. */
  logBuffer?: string;
  /** Last seen state value per inspected actor session, for from → to. */
  lastValues: Map<string, string>;
  /** Restored from a persisted snapshot; its first snapshot is a restore, not a transition. */
  restoring?: boolean;
}

/** The registry key of a run. */
export const keyOf = (name: string, id: string) => `${name}/${id}`;
/** The store key of a run's persisted actor snapshot. */
export const snapshotKey = (key: string) => `run:${key}`;

