import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { TroupeError } from '../core/errors.ts';
import { formatProblem, loadDag } from '../dag/index.ts';
import { EXIT_OK, EXIT_USAGE } from './exit-codes.ts';
import type { CliIo } from './io.ts';

/** Flags of `troupe validate`. */
export interface ValidateFlags {
  json?: boolean;
}

/**
 * `troupe validate <file.yaml>`: exit 0 when valid; else every problem, one a line with its
 * line:column, and exit 2 (an invalid DAG file is bad input, as it is for `start`).
 */
export async function validateCommand(file: string, io: CliIo, f: ValidateFlags = {}): Promise<number> {
  let yaml: string;
  try {
    yaml = readFileSync(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new TroupeError('INVALID_INPUT', `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (cause as Error).message}`, { cause });
  }
  const result = loadDag(yaml, { defaultName: basename(file, extname(file)) });
  const errors = result.problems.map(formatProblem);
  const schedule = result.spec?.schedule ?? [];
  if (f.json) io.out(JSON.stringify({ valid: errors.length === 0, errors, ...(schedule.length > 0 ? { schedule, scheduleFired: false } : {}) }, null, 2));
  else if (errors.length === 0) {
    io.out(`${file}: valid (${result.spec?.steps.length ?? 0} steps)`);
    if (schedule.length > 0) io.err(`note: schedule ${schedule.join(', ')} is valid, but Troupe does not fire schedules yet; start the DAG with \`troupe start\` or over MCP/REST`);
  } else for (const e of errors) io.out(`${file}: ${e}`);
  return errors.length === 0 ? EXIT_OK : EXIT_USAGE;
}
