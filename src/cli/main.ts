#!/usr/bin/env node
import { CommanderError } from 'commander';
import type { Command } from 'commander';
import { runWithContext } from '../core/context.ts';
import { newId } from '../core/ids.ts';
import type { OperationContext } from '../core/context.ts';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, failureLines } from './exit-codes.ts';
import { processIo } from './io.ts';
import type { CliIo } from './io.ts';
import { buildProgram } from './program.ts';
import type { ProgramResult } from './program.ts';

/** The command path named in error lines: `start`, `audit verify`. */
function commandPath(program: Command, argv: string[]): string {
  const path: string[] = [];
  let at: Command = program;
  for (const word of argv) {
    if (word.startsWith('-')) continue;
    const next = at.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!next) break;
    path.push(word);
    at = next;
  }
  return path.join(' ');
}

/**
 * Runs one `troupe` command line and resolves with its exit code (0 success, 1 failed, 2 bad
 * input or usage). Every failure is printed as one line per problem, prefixed with the command,
 * never a stack trace unless TROUPE_DEBUG=1.
 */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const result: ProgramResult = {};
  const program = buildProgram(io, result);
  if (argv.length === 0) {
    program.outputHelp();
    return EXIT_OK;
  }
  const path = commandPath(program, argv);
  const debug = io.env.TROUPE_DEBUG === '1' || io.env.TROUPE_DEBUG === 'true';
  // Every command runs inside a CLI operation context, so what it causes is audited as source=cli.
  const user = io.env.USER ?? 'local';
  const ctx: OperationContext = {
    source: 'cli',
    surface: 'cli',
    requestId: newId(),
    correlationId: newId(),
    subject: { userId: user, username: user, role: 'admin' },
    credential: { type: 'local' },
  };
  try {
    await runWithContext(ctx, () => program.parseAsync(argv, { from: 'user' }));
    return result.code ?? EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help, --version and `help` exit 0; every parse error is a usage error.
      if (error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT_OK;
      if (error.code === 'commander.help') return EXIT_OK;
      const message = error.message.replace(/^error: /, '');
      io.err(`troupe${path ? ` ${path}` : ''}: ${message}`);
      io.err(`  see: troupe ${path ? `${path} ` : ''}--help`);
      return EXIT_USAGE;
    }
    if ((error as { commanderUsage?: boolean })?.commanderUsage) {
      io.err(`troupe ${path}: ${(error as Error).message}`);
      io.err(`  see: troupe ${path} --help`);
      return EXIT_USAGE;
    }
    const { lines, code } = failureLines(path, error, debug);
    for (const line of lines) io.err(line);
    return code === EXIT_OK ? EXIT_FAILED : code;
  }
}

// Run when executed directly (`node src/cli/main.ts` through tsx, or dist/cli/main.js), not
// when imported by bin/troupe.js or by tests.
const entry = process.argv[1] ?? '';
if (/[/\\]cli[/\\]main\.[jt]s$/.test(entry)) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
