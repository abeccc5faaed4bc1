import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { TroupeError } from '../core/errors.ts';
import { formatNotice, validateDag } from '../dag/index.ts';
import { EXIT_OK, EXIT_USAGE } from './exit-codes.ts';
import type { CliIo } from './io.ts';

/** Flags of `troupe validate`. */
export interface ValidateFlags {
  json?: boolean;
  /** Also print the runtime-only notices (references whose value depends on the run). */
  showUnresolved?: boolean;
}

/**
 * `troupe validate <file.yaml> [--show-unresolved] [--json]`: exit 0 when valid; else every
 * problem, one a line with its line:column, and exit 2 (an invalid DAG file is bad input, as it
 * is for `start`). Deprecations and references no run can resolve (defects) are printed as
 * warnings on stderr; `--show-unresolved` adds the runtime-only notices. Notices never change
 * the exit code. The same validator as REST and the MCP `dagu_change` preview.
 */
export async function validateCommand(file: string, io: CliIo, f: ValidateFlags = {}): Promise<number> {
  let yaml: string;
  try {
    yaml = readFileSync(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new TroupeError('INVALID_INPUT', `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (cause as Error).message}`, { cause });
  }
  const result = validateDag(yaml, basename(file, extname(file)));
  const notices = result.notices.filter((n) => f.showUnresolved === true || n.kind !== 'runtime');
  const schedule = result.spec?.schedule ?? [];
  if (f.json) {
    io.out(JSON.stringify({ valid: result.valid, errors: result.errors, warnings: notices.map(formatNotice), notices, ...(schedule.length > 0 ? { schedule, scheduleFired: false } : {}) }, null, 2));
    return result.valid ? EXIT_OK : EXIT_USAGE;
  }
  for (const n of notices) io.err(`${file}: ${n.kind === 'runtime' ? 'info' : 'warning'}: ${formatNotice(n)}`);
  if (result.valid) {
    io.out(`${file}: valid (${result.spec?.steps.length ?? 0} steps)`);
    if (schedule.length > 0) io.err(`note: schedule ${schedule.join(', ')} is valid, but Troupe does not fire schedules yet; start the DAG with \`troupe start\` or over MCP/REST`);
  } else for (const e of result.errors) io.out(`${file}: ${e}`);
  return result.valid ? EXIT_OK : EXIT_USAGE;
}
