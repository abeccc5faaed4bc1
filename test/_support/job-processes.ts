import { readdirSync, readFileSync } from 'node:fs';

/** Pids of live processes whose environment carries `TROUPE_JOB_ID=<jobId>` (Linux /proc). */
export function jobProcesses(jobId: string): number[] {
  const marker = `TROUPE_JOB_ID=${jobId}`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(marker)) pids.push(Number(entry));
    } catch {
      // gone, or not ours
    }
  }
  return pids;
}

/** SIGKILLs every process of the job (test cleanup). */
export function killJobProcesses(jobId: string): void {
  for (const pid of jobProcesses(jobId)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}
