import { randomBytes, randomUUID } from 'node:crypto';

/** Dagu's run-id rule: letters, digits, `-` and `_`, at most 64 characters. */
export const RUN_ID_PATTERN = /^[-a-zA-Z0-9_]+$/;
export const RUN_ID_MAX = 64;

/** Dagu's DAG-name rule: letters, digits, `_`, `.` and `-`, at most 40 characters. */
export const DAG_NAME_PATTERN = /^[a-zA-Z0-9_.-]+$/;
export const DAG_NAME_MAX = 40;

/** Returns a reason when `id` is not a valid run id, otherwise `undefined`. */
export function runIdProblem(id: string): string | undefined {
  if (id.length === 0) return 'dag-run ID must not be empty';
  if (id.length > RUN_ID_MAX) return `dag-run ID length must be at most ${RUN_ID_MAX} characters`;
  if (!RUN_ID_PATTERN.test(id)) return 'dag-run ID must only contain alphanumeric characters, dashes, and underscores';
  return undefined;
}

/** Returns a reason when `name` is not a valid DAG name, otherwise `undefined`. */
export function dagNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'DAG name must not be empty';
  if (name.length > DAG_NAME_MAX) return `DAG name must be at most ${DAG_NAME_MAX} characters`;
  if (name === '.' || name === '..') return 'DAG name must not be "." or ".."';
  if (!DAG_NAME_PATTERN.test(name)) return 'DAG name must only contain alphanumeric characters, "_", "." and "-"';
  return undefined;
}

let lastMs = 0;
let seqInMs = 0;

/**
 * A UUIDv7 (RFC 9562): 48-bit millisecond timestamp first, so ids sort by creation time,
 * then a 12-bit counter that keeps ids from one process ordered within a millisecond.
 */
export function uuidv7(nowMs: number = Date.now()): string {
  let ms = nowMs;
  if (ms <= lastMs) {
    ms = lastMs;
    seqInMs = (seqInMs + 1) & 0xfff;
    if (seqInMs === 0) ms = ++lastMs;
  } else {
    seqInMs = 0;
  }
  lastMs = ms;
  const bytes = randomBytes(16);
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = 0x70 | (seqInMs >> 8);
  bytes[7] = seqInMs & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A random id for requests, correlations and entries. */
export function newId(): string {
  return randomUUID();
}
