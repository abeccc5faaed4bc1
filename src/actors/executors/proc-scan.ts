import { openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { JOB_ID_ENV } from './port.ts';

/**
 * Finding a job's processes through `/proc` (Linux). Every process a local job starts carries
 * `TROUPE_JOB_ID=<jobId>` (and `TROUPE_JOB_SCOPE=<scope>`) in its initial environment, which
 * it inherits down the tree and keeps across `setsid`, double forks and reparenting to init,
 * so `/proc/<pid>/environ` finds what a process group cannot. A process that execs with a
 * cleared environment (`env -i`) drops the marker; the job's process group still catches it
 * while it stays in the group.
 */
export const JOB_SCOPE_ENV = 'TROUPE_JOB_SCOPE';

const ID_PREFIX = Buffer.from(`${JOB_ID_ENV}=`);
const SCOPE_PREFIX = Buffer.from(`${JOB_SCOPE_ENV}=`);

export interface MarkedProcess {
  pid: number;
  jobId: string;
  scope?: string;
}

/** The value of `prefix…` in a NUL-separated environment block. */
function valueOf(environ: Buffer, prefix: Buffer): string | undefined {
  let at = environ.indexOf(prefix);
  // Only at the start of an entry.
  while (at > 0 && environ[at - 1] !== 0) at = environ.indexOf(prefix, at + 1);
  if (at < 0) return undefined;
  const start = at + prefix.length;
  const end = environ.indexOf(0, start);
  return environ.toString('utf8', start, end < 0 ? environ.length : end);
}

/** True when `/proc/<pid>` is a live process (not a zombie, not gone). */
export function processLive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

/** True when this system has a readable `/proc` with environments. */
export const procAvailable: boolean = (() => {
  try {
    readFileSync(`/proc/${process.pid}/environ`);
    return true;
  } catch {
    return false;
  }
})();

/**
 * Where pid allocation stands: the newest pid (`/proc/loadavg`) and the number of forks
 * since boot (`/proc/stat`). Linux hands out pids cyclically, so every process created
 * between two cursors has a pid in the cyclic range between them, unless more than
 * `pid_max` processes were created in between (then `pidsSince` asks for a full scan).
 */
export interface PidCursor {
  lastPid: number;
  forks: number;
}

let pidMax: number | undefined;
const procFds = new Map<string, number>();
const procBuf = Buffer.alloc(16 * 1024);

/** Reads a small /proc file through a descriptor kept open (one pread instead of open, fstat, read, close). */
function readProc(path: string): string {
  let fd = procFds.get(path);
  if (fd === undefined) {
    fd = openSync(path, 'r');
    procFds.set(path, fd);
  }
  const n = readSync(fd, procBuf, 0, procBuf.length, 0);
  return procBuf.toString('latin1', 0, n);
}

export function pidCursor(): PidCursor | undefined {
  try {
    const loadavg = readProc('/proc/loadavg');
    const lastPid = Number(loadavg.slice(loadavg.lastIndexOf(' ') + 1));
    const stat = readProc('/proc/stat');
    const m = /\nprocesses (\d+)/.exec(stat);
    if (!m || !Number.isFinite(lastPid)) return undefined;
    pidMax ??= Number(readFileSync('/proc/sys/kernel/pid_max', 'latin1'));
    return { lastPid, forks: Number(m[1]) };
  } catch {
    return undefined;
  }
}

/** True when pids may have wrapped around since `from`: a pid seen then may name another process now. */
export function pidsWrapped(from: PidCursor | undefined, to: PidCursor | undefined = from && pidCursor()): boolean {
  return !from || !to || !pidMax || to.forks - from.forks >= pidMax / 2;
}

/** A filter admitting the pids created since `from` (a cursor taken before the job began), or everything. */
export function pidsSince(from: PidCursor | undefined, to: PidCursor | undefined = from && pidCursor()): (pid: number) => boolean {
  // Leave a margin: pid allocation skips pids in use, and threads take pids too.
  if (!from || !to || !pidMax || to.forks - from.forks >= pidMax / 2) return () => true;
  const lo = from.lastPid;
  const hi = to.lastPid;
  return lo <= hi ? (pid) => pid > lo && pid <= hi : (pid) => pid > lo || pid <= hi;
}

/**
 * Live processes carrying a job marker, optionally only those created since a cursor, and only
 * those whose job id is in `jobIds` or whose scope is `scope`. Never this process.
 */
export interface MarkFilter {
  jobIds?: ReadonlySet<string>;
  /** Also every process of this scope… */
  scope?: string;
  /** …whose job is not one of these. */
  keep?: ReadonlySet<string>;
  /** Only pids created after this cursor (a cursor taken before the jobs began): a cheap scan. */
  since?: PidCursor;
}

export function findMarked(filter: MarkFilter): MarkedProcess[] {
  const admit = filter.since ? pidsSince(filter.since) : undefined;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: MarkedProcess[] = [];
  for (const entry of entries) {
    const c = entry.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const pid = Number(entry);
    if (pid === process.pid || pid === process.ppid || (admit && !admit(pid))) continue;
    let environ: Buffer;
    try {
      environ = readFileSync(`/proc/${entry}/environ`);
    } catch {
      continue; // gone, or another user's
    }
    if (environ.indexOf(ID_PREFIX) < 0) continue;
    const jobId = valueOf(environ, ID_PREFIX);
    if (jobId === undefined) continue;
    const scope = valueOf(environ, SCOPE_PREFIX);
    const wanted = (filter.jobIds?.has(jobId) ?? false) || (filter.scope !== undefined && scope === filter.scope && !(filter.keep?.has(jobId) ?? false));
    if (!wanted || !processLive(pid)) continue;
    out.push(scope === undefined ? { pid, jobId } : { pid, jobId, scope });
  }
  return out;
}

/** Sends `signal` to a pid or (negative) a process group; false when it no longer exists. */
export function signal(target: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(target, sig);
    return true;
  } catch {
    return false;
  }
}

/** Waits (real time, polling) until none of `pids` is alive, at most `timeoutMs`. */
export async function waitGone(pids: number[], timeoutMs = 2000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let left = pids.filter(processLive);
  while (left.length > 0) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 5));
    left = left.filter(processLive);
  }
  return true;
}

/**
 * SIGKILLs every live process of the given jobs (and their process groups), rescanning until
 * none is left, for forks made while we looked. Returns how many processes were killed, per job.
 */
export async function killMarked(filter: MarkFilter, groups: number[] = []): Promise<Map<string, number>> {
  const killed = new Map<string, number>();
  const seen = new Set<number>();
  for (let round = 0; round < 10; round++) {
    const found = findMarked(filter);
    for (const g of groups) signal(-g, 'SIGKILL');
    if (found.length === 0) break;
    for (const p of found) {
      signal(p.pid, 'SIGKILL');
      if (!seen.has(p.pid)) {
        seen.add(p.pid);
        killed.set(p.jobId, (killed.get(p.jobId) ?? 0) + 1);
      }
    }
    await waitGone(found.map((p) => p.pid), 1000);
  }
  return killed;
}
