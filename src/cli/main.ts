#!/usr/bin/env node
import { runWithContext, newId, isTroupeError } from '../core/index.ts';
import type { OperationContext } from '../core/index.ts';
import { openEngine } from '../engine.ts';
import { resolveConfig } from './args.ts';
import type { CliBackend } from './backend.ts';
import { cliLogger, processIo } from './io.ts';
import type { CliIo } from './io.ts';
import { localBackend } from './local-backend.ts';
import { remoteBackend } from './remote-backend.ts';
import { readServerFile } from './server-file.ts';
import { dequeueCommand, enqueueCommand, logsCommand, retryCommand, runsCommand, startCommand, statusCommand, stopCommand } from './run-commands.ts';
import { validateCommand } from './validate-command.ts';
import { createLevelAuthStore } from '../store/level-auth-store.ts';

const USAGE = `troupe — an actor-model workflow runtime (Dagu-compatible DAGs, MCP, audit)

Usage: troupe <command> [options]

  server                                   run the HTTP server (REST, /mcp) on 127.0.0.1:8080
  start <name|file.yaml> [--params P] [--run-id ID] [--json] [--no-wait]
  enqueue <name|file.yaml> [--params P] [--run-id ID] [--queue Q] [--json]
  stop <name> <runId>          retry <name> <runId> [--step S] [--include-downstream]
  dequeue <name> <runId>       status <name> [runId|latest] [--json]
  logs <name> <runId> [--step S] [--stderr] [--tail N]
  runs [<name>] [--status LABEL] [--json]
  validate <file.yaml>
  worker --redis URL [--id ID] [--labels k=v,k2=v2] [--concurrency N] [--work-dir DIR]
  workers [--redis URL] [--json]           live workers: labels, running steps, last heartbeat
  audit query [--category C] [--action A] [--correlation-id ID] ... [--json]
  audit verify
  apikey create --name N --role R --surfaces rest_api,mcp [--json]
  user create --username U --role R        (password on stdin)

Global options: --data DIR (TROUPE_DATA_DIR), --dags DIR (TROUPE_DAGS_DIR), --config FILE (TROUPE_CONFIG)
server options: --host (TROUPE_HOST), --port (TROUPE_PORT)
--params takes a JSON object ('{"K":"v"}') or 'K=v K2=v2'.
When a server owns the data directory, commands that change state are sent to it.`;

type Handler = (argv: string[], backend: CliBackend, io: CliIo) => Promise<number>;
const RUN_COMMANDS: Record<string, Handler> = {
  start: startCommand,
  enqueue: enqueueCommand,
  stop: stopCommand,
  retry: retryCommand,
  dequeue: dequeueCommand,
  status: statusCommand,
  logs: logsCommand,
  runs: runsCommand,
};

/** Exit codes: 0 success, 1 the operation failed (run failed, not found), 2 bad input. */
function exitCodeFor(code: string): number {
  return code === 'INVALID_INPUT' || code === 'INVALID_SPEC' ? 2 : 1;
}


export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    io.out(USAGE);
    return command ? 0 : 2;
  }
  // Every command runs inside a CLI operation context, so what it causes is audited as source=cli.
  const ctx: OperationContext = {
    source: 'cli',
    surface: 'cli',
    requestId: newId(),
    correlationId: newId(),
    subject: { userId: process.env.USER ?? 'local', username: process.env.USER ?? 'local', role: 'admin' },
    credential: { type: 'local' },
  };
  try {
    return await runWithContext(ctx, () => dispatch(command, rest, io));
  } catch (error) {
    if (isTroupeError(error)) {
      io.err(`troupe ${command}: ${error.message}`);
      return exitCodeFor(error.code);
    }
    io.err(`troupe ${command}: unexpected error: ${(error as Error)?.stack ?? String(error)}`);
    return 1;
  }
}

/** The global options a command line carries, without validating the command's own flags. */
function globalValues(argv: string[]): { data?: string; dags?: string; config?: string; host?: string; port?: string } {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const m = /^--(data|dags|config|host|port)(?:=(.*))?$/.exec(a);
    if (!m) continue;
    const value = m[2] ?? argv[i + 1];
    if (value !== undefined) out[m[1]!] = value;
  }
  return out;
}

async function dispatch(command: string, argv: string[], io: CliIo): Promise<number> {
  if (command === 'validate') return validateCommand(argv, io);
  const config = resolveConfig(globalValues(argv));
  // The server and admin commands load their modules on demand, which keeps the run commands quick to start.
  if (command === 'server') return (await import('./server-command.ts')).serverCommand(argv, config, io);
  if (command === 'worker') return (await import('./worker-command.ts')).workerCommand(argv, config, io);
  if (command === 'workers') return (await import('./worker-command.ts')).workersCommand(argv, config, io);
  const handler = RUN_COMMANDS[command];
  if (handler) {
    const server = readServerFile(config.dataDir);
    // A CLI process is small: forking from it directly is as cheap as from a helper, minus the helper's start.
    const backend = server ? remoteBackend(server) : localBackend(await openEngine(config, { logger: cliLogger(io), launcher: 'direct' }));
    try {
      return await handler(argv, backend, io);
    } finally {
      await backend.close();
    }
  }
  if (command === 'audit' || command === 'apikey' || command === 'user') {
    if (readServerFile(config.dataDir)) {
      io.err(`troupe ${command}: a server owns ${config.dataDir}; stop it first, or use the REST API`);
      return 1;
    }
    const engine = await openEngine(config, { logger: cliLogger(io) });
    try {
      if (command === 'audit') return await (await import('./audit-command.ts')).runAuditCommand(argv, { trail: engine.audit, out: io.out, err: io.err });
      const { createAuthService } = await import('../auth/index.ts');
      const auth = await createAuthService({ store: createLevelAuthStore(engine.db), config, audit: engine.audit });
      if (command === 'apikey') return await (await import('./apikey-command.ts')).runApiKeyCommand(argv, { auth, out: io.out, err: io.err });
      return await (await import('./user-command.ts')).runUserCommand(argv, { auth, out: io.out, err: io.err, readStdin: io.readStdin });
    } finally {
      await engine.close();
    }
  }
  io.err(`troupe: unknown command ${command}\n\n${USAGE}`);
  return 2;
}

// Run when executed directly (bin/troupe.js, npm start), not when imported by tests.
const entry = process.argv[1] ?? '';
if (entry.endsWith('/cli/main.ts')) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
