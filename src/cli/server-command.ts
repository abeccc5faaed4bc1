import { createServer } from 'node:net';
import { TroupeError } from '../core/errors.ts';
import type { TroupeConfig } from '../config.ts';
import type { CliIo } from './io.ts';
import { cliLogger } from './io.ts';

/** A listen error as one clear line: EADDRINUSE and friends, with what to do about it. */
export function listenError(error: unknown, host: string, port: number): TroupeError | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const where = `${host}:${port}`;
  if (code === 'EADDRINUSE') return new TroupeError('CONFLICT', `port ${port} on ${host} is already in use`, { details: { hint: 'another server listens there: stop it, or pick another port with --port N (or TROUPE_PORT)' } });
  if (code === 'EACCES') return new TroupeError('FORBIDDEN', `not allowed to listen on ${where}`, { details: { hint: 'ports below 1024 need privileges; pick another with --port N' } });
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new TroupeError('INVALID_INPUT', `cannot listen on ${where}: the host is not an address of this machine`, { details: { hint: 'use --host 127.0.0.1 (the default)' } });
  return undefined;
}

/** Fails early, before the store is opened and runs are recovered, when the port is taken. */
function probePort(host: string, port: number): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (e) => reject(listenError(e, host, port) ?? e));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** One line about the scheduler: which DAGs it fires and when next, or that it is off. */
function schedulerLine(next: Record<string, string | null> | undefined): string | undefined {
  if (!next) return 'note: scheduler.enabled is false in the config: schedules and retry_policy do not fire';
  const names = Object.keys(next);
  if (names.length === 0) return undefined;
  const soonest = names.filter((n) => next[n]).sort((a, b) => next[a]!.localeCompare(next[b]!))[0];
  return `  scheduler: ${names.length} scheduled DAG${names.length > 1 ? 's' : ''}${soonest ? `, next ${soonest} at ${next[soonest]!.replace(/\.\d+Z$/, 'Z')}` : ''}`;
}

/**
 * Resolves on the first SIGINT or SIGTERM; a second one exits at once. Installed before the
 * server starts, so a signal during startup (a process manager stopping it early) still ends in
 * a clean shutdown instead of the default abrupt exit that would leave server.json behind.
 */
function shutdownSignal(io: CliIo): Promise<string> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        io.err(`${signal} again: exiting without waiting`);
        process.exit(1);
      }
      stopping = true;
      io.err(`${signal}: shutting down (send it again to exit at once)`);
      resolve(signal);
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
}

/** `troupe server`: serves REST, /mcp and the health check until SIGINT or SIGTERM. */
export async function serverCommand(config: TroupeConfig, io: CliIo): Promise<number> {
  const signalled = shutdownSignal(io);
  await probePort(config.host, config.port);
  const { createTroupe } = await import('../app.ts');
  const logger = cliLogger(io);
  const troupe = await createTroupe(config, { seedExamples: true, logger });
  let url: string;
  try {
    ({ url } = await troupe.listen());
  } catch (error) {
    // The listen error is what the user must see; a failed clean-up is logged beside it.
    await troupe.close().catch((e: unknown) => logger.warn('could not close after the failed start', { error: e }));
    throw listenError(error, config.host, config.port) ?? error;
  }
  io.out(`troupe listening on ${url}  (data ${config.dataDir}, dags ${config.dagsDir}, auth ${config.auth.mode})`);
  io.out(`  REST ${url}/api/v1   MCP ${url}/mcp   health ${url}/api/v1/health   visualizer ${url}/ui`);
  if (config.visualizer.inspectUrl) io.out(`  forwarding actor inspection events to ${config.visualizer.inspectUrl}`);
  const line = schedulerLine(troupe.scheduler?.nextStarts());
  if (line && troupe.scheduler) io.out(line);
  else if (line) io.err(line);
  await signalled;
  await troupe.close();
  return 0;
}
