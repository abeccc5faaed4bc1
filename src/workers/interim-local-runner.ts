import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ReplaySubject } from 'rxjs';
import { createLocalProcessExecutor } from '../actors/executors/local-process.ts';
import type { StepProcess } from '../actors/ports.ts';
import type { CancelOptions, JobEvent, JobFate, JobHandle, JobIO, JobRef, StepExecutor, StepJob } from '../actors/executors/port.ts';
import { JOB_ID_ENV } from '../actors/executors/port.ts';

/**
 * INTERIM, until the job-shaped local executor (issue 8) lands: the port on top of today's
 * launch-shaped local process executor. Logs go to files under `logDir` and are sent to the
 * sink when the process exits. Replaced by the real local executor; nothing else depends on it.
 */
export function createInterimLocalRunner(logDir: string): StepExecutor {
  const local = createLocalProcessExecutor({ killGraceMs: 2000 });
  const procs = new Map<string, StepProcess>();
  return {
    kind: 'local',
    submit(job: StepJob, io: JobIO): JobHandle {
      const subject = new ReplaySubject<JobEvent>();
      const dir = join(logDir, job.jobId);
      mkdirSync(dir, { recursive: true });
      const stdoutPath = join(dir, 'stdout');
      const stderrPath = join(dir, 'stderr');
      let proc: StepProcess;
      try {
        proc = local.launch({
          dagName: job.runName, dagRunId: job.runId, attempt: job.attempt, stepName: job.step, command: job.command, shell: job.shell,
          env: { ...job.env, [JOB_ID_ENV]: job.jobId }, ...(job.cwd !== undefined ? { cwd: job.cwd } : {}), stdoutPath, stderrPath, captureOutput: job.captureOutput,
        });
      } catch (error) {
        subject.next({ type: 'exited', jobId: job.jobId, at: Date.now(), exitCode: null, signal: null, error: (error as Error).message, log: { bytes: 0, truncated: false, droppedBytes: 0 } });
        subject.complete();
        return { jobId: job.jobId, events$: subject.asObservable() };
      }
      procs.set(job.jobId, proc);
      subject.next({ type: 'started', jobId: job.jobId, at: Date.now(), where: { executor: 'local', host: hostname(), workerId: 'local' } });
      void proc.exited.then((exit) => {
        procs.delete(job.jobId);
        const out = readFileSync(stdoutPath);
        const err = readFileSync(stderrPath);
        if (out.length) io.log.write('stdout', out);
        if (err.length) io.log.write('stderr', err);
        rmSync(dir, { recursive: true, force: true });
        subject.next({
          type: 'exited', jobId: job.jobId, at: Date.now(), exitCode: exit.exitCode, signal: exit.signal,
          ...(exit.error !== undefined ? { error: exit.error } : {}), ...(exit.output !== undefined ? { output: exit.output } : {}),
          log: { bytes: out.length + err.length, truncated: false, droppedBytes: 0 },
        });
        subject.complete();
      });
      return { jobId: job.jobId, events$: subject.asObservable() };
    },
    async cancel(jobId: string, options: CancelOptions = {}) {
      procs.get(jobId)?.kill(options.signal ?? 'SIGTERM');
    },
    async reconcile(jobs: JobRef[]): Promise<JobFate[]> {
      return jobs.map((j) => ({ jobId: j.jobId, fate: 'absent' }));
    },
    async close() {
      for (const p of procs.values()) p.kill('SIGKILL');
    },
  };
}
