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

/** How many stored DAGs carry a schedule (which Troupe validates but does not fire yet). */
async function scheduledDags(runtime: { listDags(): Promise<Array<{ name: string }>>; getDag(name: string): Promise<{ spec?: { schedule: string[] } } | undefined> }): Promise<string[]> {
  const names: string[] = [];
  for (const d of await runtime.listDags()) if (((await runtime.getDag(d.name))?.spec?.schedule.length ?? 0) > 0) names.push(d.name);
  return names;
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
  const troupe = await createTroupe(config, { seedExamples: true, logger: cliLogger(io) });
  let url: string;
  try {
    ({ url } = await troupe.listen());
  } catch (error) {
    await troupe.close().catch(() => {});
    throw listenError(error, config.host, config.port) ?? error;
  }
  io.out(`troupe listening on ${url}  (data ${config.dataDir}, dags ${config.dagsDir}, auth ${config.auth.mode})`);
  io.out(`  REST ${url}/api/v1   MCP ${url}/mcp   health ${url}/api/v1/health   visualizer ${url}/ui`);
  if (config.visualizer.inspectUrl) io.out(`  forwarding actor inspection events to ${config.visualizer.inspectUrl}`);
  const scheduled = await scheduledDags(troupe.engine.runtime).catch(() => []);
  if (scheduled.length > 0) io.err(`note: schedules are validated but not fired yet: ${scheduled.join(', ')} will not start on their own`);
  await signalled;
  await troupe.close();
  return 0;
}
