import type { DagSpec } from '../dag/types.ts';
import type { RunActor } from './run-actor.ts';
import type { RunRecord } from './types.ts';

/** A run the runtime holds in memory: its record, its actor while it is live. */
export interface RunHandle {
  key: string;
  record: RunRecord;
  actor?: RunActor;
  spec: DagSpec;
  /** Step name → index in `record.steps`, for in-place updates. */
  stepIndex: Map<string, number>;
  /** Restored from a persisted snapshot; its first snapshot is a restore, not a transition. */
  restoring?: boolean;
}

/** The registry key of a run. */
export const keyOf = (name: string, id: string) => `${name}/${id}`;
/** The store key of a run's persisted actor snapshot. */
export const snapshotKey = (key: string) => `run:${key}`;

/** A new handle for a record. */
export function newHandle(record: RunRecord, spec: DagSpec, restoring = false): RunHandle {
  const h: RunHandle = { key: keyOf(record.name, record.dagRunId), record, spec, stepIndex: new Map() };
  if (restoring) h.restoring = true;
  return h;
}
