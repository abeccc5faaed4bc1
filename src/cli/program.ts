import { Command, Option } from 'commander';
import type { GlobalFlags, ServerFlags } from './args.ts';
import type { CliIo } from './io.ts';

/**
 * Every `troupe` command, declared with commander: its arguments, options, one-line summary and
 * one example, from which `troupe <command> --help` is generated. Actions load their modules on
 * demand, so `troupe --help` and `troupe validate` never load the engine, and commands that talk
 * to a running server never load the config schema unless a config file is in play.
 *
 * Adding a command is one `cmd(...)` block here plus its module under src/cli.
 */

/**
 * A command's parsed options merged with the global ones (commander's camelCase names). Untyped
 * on purpose: commander builds it from the declarations above, and each command module states
 * the flags it reads in its own signature.
 */
type Flags = any; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface ProgramResult {
  /** Set by the action that ran; undefined when commander only printed help. */
  code?: number;
}

const EXIT_CODES = `
Exit codes: 0 success (a run that succeeded or partially succeeded), 1 the operation failed (a failed or
aborted run, not found, the store or server unavailable), 2 bad input or usage.`;

export function buildProgram(io: CliIo, result: ProgramResult): Command {
  const program = new Command('troupe');
  program
    .description('An actor-model workflow runtime: Dagu-compatible DAGs, an MCP server with push notifications, a tamper-evident audit trail.')
    .usage('<command> [options]')
    .option('--data <dir>', 'data directory (env TROUPE_DATA_DIR)', undefined)
    .option('--dags <dir>', 'DAG directory (env TROUPE_DAGS_DIR)')
    .option('--config <file>', 'YAML config file (env TROUPE_CONFIG)')
    .configureHelp({ showGlobalOptions: true, helpWidth: Math.min(110, io.tty?.columns ?? 100) })
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, '')), writeErr: (s) => io.err(s.replace(/\n$/, '')), outputError: () => {} })
    .exitOverride()
    .addHelpText('after', `\nRun \`troupe <command> --help\` for a command's options and an example.\n${EXIT_CODES}`);

  /** Declares a command; `example` is shown by its --help. */
  const cmd = (parent: Command, name: string, summary: string, example: string) =>
    parent
      .command(name)
      .description(summary)
      .addHelpText('after', `\nExample:\n  ${example.split('\n').join('\n  ')}`);

  /** Runs an action with the global flags merged in and records its exit code. */
  const run =
    <A extends unknown[]>(fn: (flags: Flags, ...args: A) => Promise<number>) =>
    async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      const positional = args.slice(0, -2) as A;
      result.code = await fn(command.optsWithGlobals(), ...positional);
    };

  const backendAction = <A extends unknown[]>(fn: (backend: import('./backend.ts').CliBackend, flags: Flags, ...args: A) => Promise<number>) =>
    run<A>(async (flags, ...args) => {
      const { withBackend } = await import('./open-backend.ts');
      return withBackend(flags, io, (backend) => fn(backend, flags, ...args));
    });

  const paramsOption = () => new Option('--params <params>', "parameters: 'K=v K2=v2' or a JSON object '{\"K\":\"v\"}'");
  const noWait = () => new Option('--no-wait', 'return once the run is accepted, without following it');

  // ---- runs -------------------------------------------------------------------------------
  cmd(program, 'start', 'run a DAG and follow it to its end (a live display on a terminal, one line per step change otherwise)', 'troupe start hello --params NAME=Ada')
    .argument('<dag>', 'a DAG name from the DAG directory, or a .yaml file')
    .addOption(paramsOption())
    .option('--run-id <id>', 'use this dag-run ID instead of a generated one')
    .option('--singleton', 'refuse when the DAG is already running')
    .option('--json', 'print the final run details as JSON (no progress lines)')
    .addOption(noWait())
    .action(backendAction(async (b, f, dag: string) => (await import('./run-commands.ts')).startCommand(b, io, dag, f)));

  cmd(program, 'enqueue', 'put a run of a DAG in its queue; without a server it waits there until `troupe server` starts', 'troupe enqueue hello --params NAME=Ada')
    .argument('<dag>', 'a DAG name, or a .yaml file')
    .addOption(paramsOption())
    .option('--run-id <id>', 'use this dag-run ID')
    .option('--queue <name>', 'queue to wait in (default: the DAG\'s queue)')
    .option('--singleton', 'refuse when the DAG is already running or queued')
    .option('--json', 'print {"name","dagRunId"}')
    .action(backendAction(async (b, f, dag: string) => (await import('./run-commands.ts')).enqueueCommand(b, io, dag, f)));

  cmd(program, 'stop', 'stop a running run and wait until it has stopped', 'troupe stop diamond latest')
    .argument('<name>', 'DAG name')
    .argument('<runId>', 'dag-run ID, or latest')
    .addOption(new Option('--no-wait', 'return once the stop is requested'))
    .action(backendAction(async (b, f, name: string, id: string) => (await import('./run-commands.ts')).stopCommand(b, io, name, id, f)));

  cmd(program, 'restart', 'stop a run (if it runs), then start a new run of the DAG with the same params', 'troupe restart hello latest')
    .argument('<name>', 'DAG name')
    .argument('<runId>', 'dag-run ID, or latest')
    .option('--json', 'print the new run\'s final details as JSON')
    .addOption(noWait())
    .action(backendAction(async (b, f, name: string, id: string) => (await import('./run-commands.ts')).restartCommand(b, io, name, id, f)));

  cmd(program, 'retry', 'retry a run as a new attempt: the steps that did not succeed, or --step and (with --include-downstream) what depends on it', 'troupe retry hello latest --step compose --include-downstream')
    .argument('<name>', 'DAG name')
    .argument('<runId>', 'dag-run ID, or latest')
    .option('--step <step>', 're-run this step')
    .option('--include-downstream', 'with --step: also re-run every step that depends on it')
    .option('--json', 'print the final run details as JSON')
    .addOption(noWait())
    .action(backendAction(async (b, f, name: string, id: string) => (await import('./run-commands.ts')).retryCommand(b, io, name, id, f)));

  cmd(program, 'dequeue', 'remove a queued run from its queue', 'troupe dequeue hello latest')
    .argument('<name>', 'DAG name')
    .argument('<runId>', 'dag-run ID, or latest')
    .action(backendAction(async (b, _f, name: string, id: string) => (await import('./run-commands.ts')).dequeueCommand(b, io, name, id)));

  // ---- reading ----------------------------------------------------------------------------
  cmd(program, 'status', 'show a run\'s status and steps (the latest run by default)', 'troupe status hello latest --json')
    .argument('<name>', 'DAG name')
    .argument('[runId]', 'dag-run ID, or latest', 'latest')
    .option('--json', 'print the run details as JSON (the shape REST and dagu://runs/... return)')
    .option('--follow', 'if the run is active, follow it to its end like `start`')
    .action(backendAction(async (b, f, name: string, id: string) => (await import('./query-commands.ts')).statusCommand(b, io, name, id, f)));

  cmd(program, 'logs', 'print a run\'s log, or a step\'s stdout (--step) or stderr (--stderr)', 'troupe logs hello latest --step compose')
    .argument('<name>', 'DAG name')
    .argument('<runId>', 'dag-run ID, or latest')
    .option('--step <step>', 'a step\'s output instead of the run log')
    .option('--stderr', 'with --step: its stderr instead of its stdout')
    .option('--tail <n>', 'only the last N lines')
    .option('--follow', 'keep printing new lines until the run ends')
    .action(backendAction(async (b, f, name: string, id: string) => (await import('./query-commands.ts')).logsCommand(b, io, name, id, f)));

  cmd(program, 'runs', 'list recent runs, newest first', 'troupe runs hello --status failed')
    .argument('[name]', 'only runs of this DAG')
    .option('--status <status>', 'only runs with this status (queued, running, succeeded, partially_succeeded, failed, aborted)')
    .option('--limit <n>', 'at most N runs (1-500)', '50')
    .option('--json', 'print {"items": [...]} as JSON')
    .action(backendAction(async (b, f, name?: string) => (await import('./query-commands.ts')).runsCommand(b, io, name, f)));

  cmd(program, 'dags', 'list the DAGs with their last run and next scheduled time', 'troupe dags')
    .option('--json', 'print {"dags": [...]} as JSON')
    .action(backendAction(async (b, f) => (await import('./query-commands.ts')).dagsCommand(b, io, f)));

  cmd(program, 'validate', 'check a DAG file: every problem, one a line, with line:column', 'troupe validate examples/hello.yaml')
    .argument('<file>', 'a DAG .yaml file')
    .option('--json', 'print {"valid", "errors", "warnings", "notices"} as JSON')
    .option('--show-unresolved', 'also print references whose value is only known when the DAG runs')
    .action(run(async (f, file: string) => (await import('./validate-command.ts')).validateCommand(file, io, f)));

  cmd(program, 'dry', 'validate a DAG, resolve its params and env, and print the steps in order with their commands; runs nothing', 'troupe dry hello --params NAME=Ada')
    .argument('<dag>', 'a DAG name, or a .yaml file')
    .addOption(paramsOption())
    .option('--json', 'print the plan as JSON')
    .action(
      run(async (f, dag: string) => {
        const { resolveDirs } = await import('./args.ts');
        const { dagsDir } = await resolveDirs(f, io.env);
        return (await import('./dry-command.ts')).dryCommand(dag, dagsDir, io, f);
      }),
    );

  // ---- the server -------------------------------------------------------------------------
  cmd(program, 'server', 'serve REST, /mcp, the health check and the visualizer (/ui) on 127.0.0.1:8080 until SIGINT or SIGTERM', 'troupe server --port 8081\ntroupe server --inspect ws://127.0.0.1:8082   # also feed a Stately inspector relay')
    .option('--host <host>', 'address to bind (env TROUPE_HOST)')
    .option('--port <port>', 'port, 0 for any free one (env TROUPE_PORT)')
    .option('--inspect <url>', 'also forward actor transitions (sanitized) to a Stately inspector relay at this ws:// URL (config visualizer.inspect_url)')
    .action(
      run(async (f) => {
        const { resolveConfig } = await import('./args.ts');
        const config = await resolveConfig(f as ServerFlags, io.env);
        return (await import('./server-command.ts')).serverCommand(config, io);
      }),
    );

  // ---- workers (BullMQ on Redis) ---------------------------------------------------------
  cmd(program, 'worker', 'take step jobs from Redis (BullMQ) and run them here until SIGTERM or SIGINT (then running steps get --grace-sec)', 'troupe worker --redis redis://:$REDIS_PASSWORD@redis.internal:6379 --id gpu-1 --labels gpu=true --concurrency 8')
    .option('--redis <url>', 'redis:// or rediss:// URL (env TROUPE_REDIS_URL, or executor.redis_url in the config)')
    .option('--prefix <prefix>', 'Redis key prefix, the server\'s executor.prefix (default troupe)')
    .option('--id <id>', 'worker id, stable across restarts (default <host>-<pid>)')
    .option('--labels <list>', 'labels DAGs select with worker_selector: k=v,k2=v2')
    .option('--concurrency <n>', 'steps run at once (default 4)')
    .option('--work-dir <dir>', 'where runs without working_dir run (default <data>/worker)')
    .option('--grace-sec <n>', 'on SIGTERM, time running steps get to finish (default 30)')
    .addOption(new Option('--heartbeat-ms <n>', 'heartbeat period (default 1000)').hideHelp())
    .addOption(new Option('--ttl-ms <n>', 'registration TTL (default 10000)').hideHelp())
    .action(
      run(async (f) => {
        const { resolveConfig } = await import('./args.ts');
        const config = await resolveConfig(f as ServerFlags, io.env);
        return (await import('./worker-command.ts')).workerCommand(f, config, io);
      }),
    );

  cmd(program, 'workers', 'list live workers: labels, running steps, last heartbeat (asks the running server, or Redis with --redis)', 'troupe workers --json')
    .option('--redis <url>', 'ask Redis directly instead of the running server')
    .option('--prefix <prefix>', 'with --redis: the Redis key prefix (default troupe)')
    .option('--json', 'print {"workers": [...]} as JSON')
    .action(
      run(async (f) => {
        const { resolveConfig } = await import('./args.ts');
        const config = await resolveConfig(f as ServerFlags, io.env);
        return (await import('./worker-command.ts')).workersCommand(f, config, io);
      }),
    );

  // ---- admin (never opens the runtime) -----------------------------------------------------
  const audit = parentCommand(cmd(program, 'audit', 'query or verify the audit trail (stop the server first)', 'troupe audit verify'));
  cmd(audit, 'query', 'audit entries matching every given filter, newest first', 'troupe audit query --correlation-id 0193f1c2-… --json')
    .option('--category <c>', 'dag, dag_run, mcp, auth, system, ...')
    .option('--action <a>', 'e.g. dag_execute')
    .option('--source <s>', 'cli, rest_api, mcp, system')
    .option('--surface <s>', 'cli, rest_api, mcp')
    .option('--result <r>', 'succeeded, failed, denied')
    .option('--correlation-id <id>', 'everything one request caused')
    .option('--resource-id <r>', 'e.g. hello/0193f1c2-…')
    .option('--mcp-tool <t>', 'e.g. dagu_execute')
    .option('--workspace <w>', 'workspace name')
    .option('--since <iso>', 'entries at or after this time')
    .option('--until <iso>', 'entries before this time')
    .option('--limit <n>', 'page size')
    .option('--offset <n>', 'skip N entries')
    .option('--cursor <c>', 'continue after a previous page')
    .option('--json', 'print {"entries", "total"} as JSON')
    .action(
      run(async (f) => {
        const store = await (await import('./admin-store.ts')).openAdminStore('audit', f, io.env, { mustExist: true });
        try {
          return await (await import('./audit-command.ts')).auditQueryCommand(await store.trail(), io, f);
        } finally {
          await store.close();
        }
      }),
    );
  cmd(audit, 'verify', 'check the audit hash chain; read-only, names the first edited or missing entry', 'troupe audit verify --data ./data')
    .option('--json', 'print {"ok", "checked", "firstBadSeq"} as JSON')
    .action(
      run(async (f) => {
        const store = await (await import('./admin-store.ts')).openAdminStore('audit', f, io.env, { mustExist: true });
        try {
          const { createLevelAuditStore } = await import('../store/level-audit-store.ts');
          return await (await import('./audit-command.ts')).auditVerifyCommand(createLevelAuditStore(await store.auditDb()), io, f);
        } finally {
          await store.close();
        }
      }),
    );

  const withAuth = <A extends unknown[]>(fn: (auth: import('../auth/index.ts').AuthService, flags: Flags, ...args: A) => Promise<number>) =>
    run<A>(async (f, ...args) => {
      const store = await (await import('./admin-store.ts')).openAdminStore('auth', f, io.env);
      try {
        return await fn(await store.auth(), f, ...args);
      } finally {
        await store.close();
      }
    });

  const apikey = parentCommand(cmd(program, 'apikey', 'create, list or delete API keys (stop the server first)', 'troupe apikey list'));
  cmd(apikey, 'create', 'create an API key; prints the secret once', 'troupe apikey create --name agent --role operator --surfaces mcp --json')
    .requiredOption('--name <name>', 'a name for people')
    .requiredOption('--role <role>', 'viewer, operator, developer, manager or admin')
    .requiredOption('--surfaces <list>', 'where the key may be used: rest_api, mcp (comma-separated)')
    .addOption(new Option('--attribution <class>', 'who its actions are attributed to').choices(['service_account', 'user_owned']))
    .option('--owner <userId>', 'the owning user (user_owned keys)')
    .option('--description <text>', 'free text')
    .option('--json', 'print {"id","key"}')
    .action(withAuth(async (auth, f) => (await import('./apikey-command.ts')).apiKeyCreateCommand(auth, io, f as never)));
  cmd(apikey, 'list', 'list API keys (prefixes only, never secrets)', 'troupe apikey list --json')
    .option('--json', 'print as JSON')
    .action(withAuth(async (auth, f) => (await import('./apikey-command.ts')).apiKeyListCommand(auth, io, f)));
  cmd(apikey, 'delete', 'delete an API key', 'troupe apikey delete 0193f1c2-…')
    .argument('<id>', 'the key\'s id (from apikey list)')
    .action(withAuth(async (auth, _f, id: string) => (await import('./apikey-command.ts')).apiKeyDeleteCommand(auth, io, id)));

  const user = parentCommand(cmd(program, 'user', 'create or list builtin users (stop the server first)', 'troupe user list'));
  cmd(user, 'create', 'create a builtin user; the password is read from stdin (first line), never from argv', "echo 's3cret-pass' | troupe user create --username ops --role manager")
    .requiredOption('--username <name>', 'login name')
    .requiredOption('--role <role>', 'viewer, operator, developer, manager or admin')
    .action(withAuth(async (auth, f) => (await import('./user-command.ts')).userCreateCommand(auth, io, f as never)));
  cmd(user, 'list', 'list builtin users', 'troupe user list --json')
    .option('--json', 'print as JSON')
    .action(withAuth(async (auth, f) => (await import('./user-command.ts')).userListCommand(auth, io, f)));

  return program;

  /** A command that only groups subcommands: bare, it prints its help (exit 0). */
  function parentCommand(c: Command): Command {
    return c
      .usage('<command> [options]')
      .argument('[command]')
      .action((sub: string | undefined) => {
        if (sub !== undefined) {
          const names = c.commands.map((x) => x.name());
          throw Object.assign(new Error(`unknown command '${sub}' (commands: ${names.join(', ')})`), { commanderUsage: true });
        }
        c.outputHelp();
        result.code = 0;
      });
  }
}
