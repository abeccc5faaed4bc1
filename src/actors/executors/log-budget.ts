import type { JobExited, JobLogSummary, LogStream } from './port.ts';
import { logTruncatedMarker, outputTooLargeError } from './port.ts';

/** Bounds a job's log: both streams together keep at most `limit` bytes, then the marker once. */
export interface LogBudget {
  /** Passes the part of `chunk` that fits on to the writer; drops (and counts) the rest. */
  write(stream: LogStream, chunk: Uint8Array): void;
  summary(): JobLogSummary;
}

export function createLogBudget(limit: number, out: (stream: LogStream, chunk: Uint8Array) => void): LogBudget {
  let bytes = 0;
  let dropped = 0;
  let truncated = false;
  return {
    write(stream, chunk) {
      if (chunk.byteLength === 0) return;
      if (truncated) {
        dropped += chunk.byteLength;
        return;
      }
      const room = limit - bytes;
      if (chunk.byteLength <= room) {
        bytes += chunk.byteLength;
        out(stream, chunk);
        return;
      }
      if (room > 0) out(stream, chunk.subarray(0, room));
      bytes += Math.max(0, room);
      dropped += chunk.byteLength - Math.max(0, room);
      truncated = true;
      out(stream, Buffer.from(logTruncatedMarker(limit)));
    },
    summary: () => ({ bytes, truncated, droppedBytes: dropped }),
  };
}

/** Collects stdout for `output:` up to `limit` bytes; past it, the capture fails with a clear error. */
export interface OutputCapture {
  add(chunk: Uint8Array): void;
  result(): Pick<JobExited, 'output' | 'outputError'>;
}

export function createOutputCapture(limit: number): OutputCapture {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let over = false;
  return {
    add(chunk) {
      if (over) return;
      size += chunk.byteLength;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    },
    result() {
      if (over) return { outputError: outputTooLargeError(limit) };
      return { output: Buffer.concat(chunks).toString('utf8').replace(/\s+$/, '') };
    },
  };
}
