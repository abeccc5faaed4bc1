import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { JobLogSink, LogStream } from './executors/port.ts';

/**
 * The log sink of one step job: the step's two log files. An executor on this host appends
 * to `files` itself; one elsewhere (or the in-memory one) ships chunks to `write`, which
 * appends them to the same files, so `stepLog` reads one place whatever ran the job.
 */
export function fileLogSink(files: { stdout: string; stderr: string }): JobLogSink {
  let ready = false;
  return {
    files,
    write(stream: LogStream, chunk: Uint8Array) {
      if (!ready) {
        mkdirSync(dirname(files.stdout), { recursive: true });
        ready = true;
      }
      appendFileSync(files[stream], chunk);
    },
  };
}
