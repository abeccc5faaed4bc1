import type { JobExited, LogStream } from './port.ts';

/**
 * Messages between the local executor and its launcher. The launcher starts step processes,
 * pumps their output into bounded logs and kills what a job leaves behind; it runs either in
 * a small helper process (over Node IPC, `serialization: 'advanced'`, so log chunks travel as
 * bytes) or in the executor's own process (the same objects, passed by call).
 */
export type ToLauncher =
  | {
      t: 'spawn';
      id: string;
      shell: string;
      args: string[];
      /** Complete environment, markers included. */
      env: Record<string, string>;
      cwd?: string;
      /** Append the log to these files; without them, log chunks come back as `log` messages. */
      files?: { stdout: string; stderr: string };
      logBytes: number;
      outputBytes: number;
      capture: boolean;
    }
  /** Signals the job's process group and every process carrying its marker. */
  | { t: 'signal'; id: string; signal: string }
  /** Kills every job, then answers `down`. */
  | { t: 'shutdown' };

export type FromLauncher =
  | { t: 'ready' }
  | { t: 'started'; id: string; pid: number }
  | { t: 'log'; id: string; stream: LogStream; chunk: Uint8Array }
  /** The job's `exited` event without what the executor adds (type, job id, time). */
  | ({ t: 'exited'; id: string; killedLeftovers: number } & Omit<JobExited, 'type' | 'jobId' | 'at' | 'killedLeftovers'>)
  | { t: 'down' };
