import type { TroupeConfig } from '../config.ts';
import { createTroupe } from '../app.ts';
import { parseCommand } from './args.ts';
import type { CliIo } from './io.ts';
import { cliLogger } from './io.ts';

/** `troupe server`: serves REST, /mcp and the health check until SIGINT or SIGTERM. */
export async function serverCommand(argv: string[], config: TroupeConfig, io: CliIo): Promise<number> {
  parseCommand(argv, { host: { type: 'string' }, port: { type: 'string' } });
  const troupe = await createTroupe(config, { seedExamples: true, logger: cliLogger(io) });
  const { url } = await troupe.listen();
  io.out(`troupe listening on ${url}  (data ${config.dataDir}, dags ${config.dagsDir}, auth ${config.auth.mode})`);
  io.out(`  REST ${url}/api/v1   MCP ${url}/mcp   health ${url}/api/v1/health`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      io.err(`${signal}: shutting down`);
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve();
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
  await troupe.close();
  return 0;
}
