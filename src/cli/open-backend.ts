import { resolveConfig, resolveDirs } from './args.ts';
import type { GlobalFlags } from './args.ts';
import type { CliBackend } from './backend.ts';
import type { CliIo } from './io.ts';
import { readServerFile } from './server-file.ts';
import { cliLogger } from './io.ts';

/**
 * The backend for a run command: the server's REST API when a server owns the data directory
 * (found through `<data>/server.json`), else the engine in this process, with its queues held
 * so nothing queued runs in (and dies with) this short-lived process. Modules load on demand:
 * talking to a server needs neither the engine nor the config schema.
 */
export async function openBackend(flags: GlobalFlags, io: CliIo): Promise<CliBackend> {
  const { dataDir } = await resolveDirs(flags, io.env);
  const server = readServerFile(dataDir);
  if (server) return (await import('./remote-backend.ts')).remoteBackend(server, dataDir);
  const config = await resolveConfig(flags, io.env);
  const [{ openEngine }, { localBackend }, { seedExamples }] = await Promise.all([import('../engine.ts'), import('./local-backend.ts'), import('../store/examples.ts')]);
  // As `npm start` does: a first run without a server has the examples to play with.
  const seeded = seedExamples(config.dagsDir);
  if (seeded.length > 0) io.err(`note: created ${config.dagsDir} with the examples (${seeded.map((f) => f.replace(/\.yaml$/, '')).join(', ')})`);
  const engine = await openEngine(config, { holdQueued: true, logger: cliLogger(io), launcher: 'direct' });
  return localBackend(engine);
}

/** Runs `fn` with a backend and always closes it. */
export async function withBackend(flags: GlobalFlags, io: CliIo, fn: (backend: CliBackend) => Promise<number>): Promise<number> {
  const backend = await openBackend(flags, io);
  try {
    return await fn(backend);
  } finally {
    await backend.close();
  }
}
