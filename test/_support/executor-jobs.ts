import { firstValueFrom, toArray } from 'rxjs';
import type { JobEvent, JobHandle, StepExecutor, StepJob } from '../../src/actors/executors/port.ts';

let n = 0;

/** A step job with fresh ids; override what the test cares about. */
export function testJob(over: Partial<StepJob> & { command: string }): StepJob {
  n++;
  const tag = Math.random().toString(36).slice(2, 8);
  return { jobId: `job-${n}-${tag}`, runName: 'dag', runId: `run-${n}-${tag}`, attempt: 1, step: `s${n}`, shell: ['/bin/sh'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, captureOutput: false, ...over };
}

export interface Ran {
  events: JobEvent[];
  stdout: string;
  stderr: string;
}

export type Started = Extract<JobEvent, { type: 'started' }>;
export type Exited = Extract<JobEvent, { type: 'exited' }>;
export type Lost = Extract<JobEvent, { type: 'lost' }>;

/** Submits and collects events and log; `done` resolves after the terminal event. */
export function submitJob(ex: StepExecutor, job: StepJob): { handle: JobHandle; done: Promise<Ran> } {
  let stdout = '';
  let stderr = '';
  const handle = ex.submit(job, { log: { write: (stream, chunk) => (stream === 'stdout' ? (stdout += Buffer.from(chunk)) : (stderr += Buffer.from(chunk))) } });
  return { handle, done: collect(handle).then((events) => ({ events, stdout, stderr })) };
}

export const collect = (handle: JobHandle) => firstValueFrom(handle.events$.pipe(toArray()));
export const runJob = (ex: StepExecutor, job: StepJob) => submitJob(ex, job).done;
export const lastEvent = (r: Ran) => r.events[r.events.length - 1]!;
export const workerOf = (r: Ran) => (r.events.find((e) => e.type === 'started') as Started | undefined)?.where.workerId;
export const whenStarted = (h: JobHandle) => new Promise<Started>((resolve) => h.events$.subscribe((e) => e.type === 'started' && resolve(e)));
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
