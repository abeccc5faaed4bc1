import { fork, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { hostname } from 'node:os';
import { ReplaySubject } from 'rxjs';
import type { Clock } from '../../core/clock.ts';
import { systemClock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import { createLogger } from '../../core/logger.ts';
import { createLauncher } from './launcher.ts';
import type { FromLauncher, ToLauncher } from './launcher-protocol.ts';
import type { CancelOptions, JobEvent, JobFate, JobHandle, JobIO, JobRef, JobWhere, StepExecutor, StepJob } from './port.ts';
import { DEFAULT_GRACE_MS, DEFAULT_LOG_BYTES, DEFAULT_OUTPUT_BYTES, JOB_ID_ENV } from './port.ts';
import { JOB_SCOPE_ENV, killMarked } from './proc-scan.ts';

export interface LocalProcessExecutorOptions {
  /**
   * Where step processes are forked from: `helper`, a small helper process started once
   * (cheap forks, and the server's event loop never blocks on a spawn), or `direct`, this
   * process. @defaultValue 'helper'
   */
  launcher?: 'helper' | 'direct';
  /** Times the cancel grace and stamps events. @defaultValue systemClock */
  clock?: Clock;
  /** Default time between a cancel signal and SIGKILL. @defaultValue DEFAULT_GRACE_MS */
  graceMs?: number;
  /**
   * Names the owner of the jobs (e.g. the data directory). Every process carries it as
   * `TROUPE_JOB_SCOPE`, and `reconcile` ends every process of this scope that no live job
   * owns. Without a scope, `reconcile` ends only the jobs it is given.
   */
  scope?: string;
  /** @defaultValue a stderr JSON logger */
  logger?: Logger;
}

/** The link to a launcher: in a helper process, or in this process. */
interface Link {
  readonly name: string;
  send(message: ToLauncher): void;
  /** Kills every job; resolves once the launcher is gone. */
  shutdown(): Promise<void>;
  /** Keep this process alive while jobs run (a helper is unref'ed when idle). */
  hold(busy: boolean): void;
}

interface Job {
  job: StepJob;
  io: JobIO;
  events: ReplaySubject<JobEvent>;
  link: Link;
  ended: boolean;
  grace?: unknown;
}

// Compiled to dist/ this module is `.js` and so is the helper beside it; from the sources both are `.ts`.
const COMPILED = import.meta.url.endsWith('.js');
const HELPER = new URL(COMPILED ? './launcher-helper.js' : './launcher-helper.ts', import.meta.url);

let helperCode: Promise<string | undefined> | undefined;

/**
 * The helper as one plain JavaScript module, bundled (once per process) from its TypeScript
 * sources with esbuild, so that it runs in a bare `node`: it starts in a fraction of the time
 * and memory a TypeScript loader takes (about 40 MB against 85 MB), and every fork it makes
 * copies less. `undefined` when bundling fails: the helper then runs through tsx.
 */
function bundledHelper(logger: Logger): Promise<string | undefined> {
  helperCode ??= import('esbuild')
    .then(({ build }) => build({ entryPoints: [fileURLToPath(HELPER)], bundle: true, platform: 'node', format: 'esm', target: 'node20', write: false, logLevel: 'silent' }))
    .then((result) => `// troupe launcher-helper\n${result.outputFiles[0]!.text}`)
    .catch((error: unknown) => {
      logger.warn('cannot bundle the launcher helper; running it through tsx', { error });
      return undefined;
    });
  return helperCode;
}

function directLink(onMessage: (m: FromLauncher) => void): Link {
  const launcher = createLauncher(onMessage);
  return {
    name: 'direct',
    // Never inside the caller's stack: the caller subscribes before anything happens.
    send: (m) => queueMicrotask(() => launcher.handle(m)),
    shutdown: () => launcher.shutdown(),
    hold: () => {},
  };
}

function helperLink(logger: Logger, onMessage: (m: FromLauncher) => void, onDeath: (link: Link, how: string) => void): Link {
  let child: ChildProcess | undefined;
  let wantRef = false;
  let ready = false;
  let gone = false;
  const queue: ToLauncher[] = [];
  let onDown: (() => void) | undefined;
  const link: Link = {
    name: 'helper',
    send(m) {
      if (gone) return;
      if (!ready || !child) queue.push(m);
      // A helper that just died: its exit handler reports the jobs lost.
      else if (child.connected) child.send(m);
    },
    shutdown() {
      if (gone) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => child?.kill('SIGKILL'), 10_000);
        onDown = () => {
          clearTimeout(timer);
          resolve();
        };
        link.send({ t: 'shutdown' });
      });
    },
    hold(busy) {
      wantRef = busy;
      if (gone || !child) return;
      if (busy) {
        child.ref();
        child.channel?.ref();
      } else {
        child.unref();
        child.channel?.unref();
      }
    },
  };
  const died = (how: string) => {
    if (gone) return;
    gone = true;
    if (onDown) onDown();
    else onDeath(link, how);
  };
  void bundledHelper(logger).then((code) => {
    if (gone) return;
    const c = code
      ? spawn(process.execPath, ['--input-type=module', '-e', code], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
      : fork(HELPER, [], { execArgv: COMPILED ? [] : ['--import', import.meta.resolve('tsx')], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child = c;
    c.on('message', (m: FromLauncher) => {
      if (m.t === 'ready') {
        ready = true;
        for (const q of queue.splice(0)) c.send(q);
        return;
      }
      if (m.t === 'down') {
        // Done: close the channel; the helper exits on disconnect.
        if (c.connected) c.disconnect();
        return;
      }
      onMessage(m);
    });
    // Persistent: a ChildProcess 'error' without a listener would crash the server.
    c.on('error', (e) => {
      if (c.pid === undefined) died(`cannot run: ${e.message}`);
      else logger.warn('launcher helper channel error', { error: e });
    });
    c.once('exit', (code, signal) => died(signal ? `killed by ${signal}` : `exit code ${code}`));
    link.hold(wantRef);
  });
  return link;
}

/**
 * The local step executor: runs each job as `<shell> -c <command>` on this machine, behind
 * the job-shaped port. Processes start from a launcher (`launcher.ts`), by default in a small
 * helper process. Every process of a job carries `TROUPE_JOB_ID` (and `TROUPE_JOB_SCOPE`),
 * so the job's end, `cancel` (after the grace, SIGKILL) and `reconcile` kill everything it
 * started, `setsid` escapes included, found through `/proc`. Logs go straight from the pipes
 * to the sink's files (or to `write`) within the job's log limit; `output:` capture has its
 * own limit. A helper that dies is noticed at once: its jobs are killed and reported `lost`,
 * and the next job starts a new helper.
 */
export function createLocalProcessExecutor(options: LocalProcessExecutorOptions = {}): StepExecutor {
  const clock = options.clock ?? systemClock;
  const defaultGrace = options.graceMs ?? DEFAULT_GRACE_MS;
  const logger = options.logger ?? createLogger().child({ component: 'local-executor' });
  const scope = options.scope;
  const where: JobWhere = { executor: 'local', host: hostname(), workerId: `local-${process.pid}` };
  const jobs = new Map<string, Job>();
  /** Ids submitted before (bounded): an id names one job, forever. */
  const seen = new Set<string>();
  let link: Link | undefined;
  let closed = false;
  let closing = false;

  function end(j: Job, event: JobEvent): void {
    if (j.ended) return;
    j.ended = true;
    if (j.grace !== undefined) clock.clearTimeout(j.grace);
    jobs.delete(j.job.jobId);
    if (jobs.size === 0) link?.hold(false);
    j.events.next(event);
    j.events.complete();
  }

  function onMessage(m: FromLauncher): void {
    if (m.t === 'ready' || m.t === 'down' || closing) return;
    const j = jobs.get(m.id);
    if (!j || j.ended) return;
    switch (m.t) {
      case 'started':
        j.events.next({ type: 'started', jobId: m.id, at: clock.now(), where });
        return;
      case 'log':
        try {
          j.io.log.write(m.stream, m.chunk);
        } catch (error) {
          logger.error('log sink failed', { jobId: m.id, error });
        }
        return;
      case 'exited': {
        const { t: _t, id: _id, killedLeftovers, ...rest } = m;
        end(j, { type: 'exited', jobId: m.id, at: clock.now(), ...rest, ...(killedLeftovers > 0 ? { killedLeftovers } : {}) });
      }
    }
  }

  async function onDeath(dead: Link, how: string): Promise<void> {
    if (link === dead) link = undefined;
    const orphans = [...jobs.values()].filter((j) => j.link === dead && !j.ended);
    logger.error('launcher helper died', { how, jobs: orphans.length });
    if (orphans.length === 0) return;
    const killed = await killMarked({ jobIds: new Set(orphans.map((j) => j.job.jobId)) }).catch((error) => {
      logger.error('cannot kill the processes of a dead launcher', { error });
      return new Map<string, number>();
    });
    for (const j of orphans) {
      const n = killed.get(j.job.jobId) ?? 0;
      end(j, { type: 'lost', jobId: j.job.jobId, at: clock.now(), reason: `launcher died (${how}); ${n} process${n === 1 ? '' : 'es'} of the job killed` });
    }
  }

  function currentLink(): Link {
    link ??= options.launcher === 'direct' ? directLink(onMessage) : helperLink(logger, onMessage, (l, how) => void onDeath(l, how));
    return link;
  }

  function validate(job: StepJob): void {
    if (typeof job?.jobId !== 'string' || job.jobId === '' || /[\0=\n]/.test(job.jobId)) throw new TypeError('job.jobId must be a non-empty string without NUL, "=" or newline');
    if (typeof job.command !== 'string') throw new TypeError('job.command must be a string');
    if (!Array.isArray(job.shell)) throw new TypeError('job.shell must be an array');
    if (typeof job.env !== 'object' || job.env === null) throw new TypeError('job.env must be an object');
  }

  return {
    kind: 'local',
    submit(job: StepJob, io: JobIO): JobHandle {
      if (closed) throw new TypeError('executor is closed');
      validate(job);
      if (seen.has(job.jobId)) throw new TypeError(`job ${job.jobId} was already submitted`);
      seen.add(job.jobId);
      if (seen.size > 100_000) seen.delete(seen.values().next().value!);
      const [shell, ...shellArgs] = job.shell.length > 0 ? job.shell : ['/bin/sh'];
      const env = { ...job.env, [JOB_ID_ENV]: job.jobId, ...(scope !== undefined ? { [JOB_SCOPE_ENV]: scope } : {}) };
      const l = currentLink();
      const j: Job = { job, io, events: new ReplaySubject<JobEvent>(), link: l, ended: false };
      jobs.set(job.jobId, j);
      l.hold(true);
      l.send({
        t: 'spawn',
        id: job.jobId,
        shell: shell!,
        args: [...shellArgs, '-c', job.command],
        env,
        ...(job.cwd !== undefined ? { cwd: job.cwd } : {}),
        ...(io.log.files ? { files: { stdout: io.log.files.stdout, stderr: io.log.files.stderr } } : {}),
        logBytes: job.limits?.logBytes ?? DEFAULT_LOG_BYTES,
        outputBytes: job.limits?.outputBytes ?? DEFAULT_OUTPUT_BYTES,
        capture: job.captureOutput,
      });
      return { jobId: job.jobId, events$: j.events.asObservable() };
    },
    async cancel(jobId: string, cancel: CancelOptions = {}) {
      const signal = cancel.signal ?? 'SIGTERM';
      if (!(signal in constants.signals)) throw new TypeError(`unknown signal: ${signal}`);
      const j = jobs.get(jobId);
      if (!j || j.ended) return;
      j.link.send({ t: 'signal', id: jobId, signal });
      if (signal === 'SIGKILL' || j.grace !== undefined) return;
      j.grace = clock.setTimeout(() => {
        j.grace = undefined;
        if (!j.ended) j.link.send({ t: 'signal', id: jobId, signal: 'SIGKILL' });
      }, cancel.graceMs ?? defaultGrace);
    },
    async reconcile(refs: JobRef[]): Promise<JobFate[]> {
      const live = new Set(jobs.keys());
      const listed = new Set(refs.map((r) => r.jobId).filter((id) => !live.has(id)));
      const killed = await killMarked({ jobIds: listed, ...(scope !== undefined ? { scope, keep: live } : {}) });
      const others = [...killed.entries()].filter(([id]) => !listed.has(id));
      if (others.length > 0) logger.warn('killed leftover processes of earlier jobs', { jobs: others.length, processes: others.reduce((n, [, c]) => n + c, 0) });
      return refs.map((r): JobFate => {
        const n = killed.get(r.jobId) ?? 0;
        return n > 0 ? { jobId: r.jobId, fate: 'killed', processes: n } : { jobId: r.jobId, fate: 'absent' };
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      closing = true;
      await link?.shutdown();
      link = undefined;
      for (const j of [...jobs.values()]) end(j, { type: 'lost', jobId: j.job.jobId, at: clock.now(), reason: 'executor closed' });
    },
  };
}
