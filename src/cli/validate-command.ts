import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { TroupeError } from '../core/index.ts';
import { formatNotice, validateDag } from '../dag/index.ts';
import { parseCommand } from './args.ts';
import type { CliIo } from './io.ts';

/**
 * `troupe validate <file.yaml> [--show-unresolved] [--json]`: exit 0 when valid, else 1 and
 * every problem, one a line. Deprecations and references no run can resolve (defects) are
 * printed as warnings on stderr; `--show-unresolved` adds the runtime-only notices (references
 * whose value depends on the run). Notices never change the exit code. The same validator as
 * REST and the MCP `dagu_change` preview.
 */
export async function validateCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(argv, { json: { type: 'boolean' }, 'show-unresolved': { type: 'boolean' } });
  const file = positionals[0];
  if (!file) throw new TroupeError('INVALID_INPUT', 'usage: troupe validate <file.yaml> [--show-unresolved] [--json]');
  let yaml: string;
  try {
    yaml = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new TroupeError('INVALID_INPUT', `cannot read ${file}: ${(cause as Error).message}`, { cause });
  }
  const result = validateDag(yaml, basename(file, extname(file)));
  const showAll = values['show-unresolved'] === true;
  const notices = result.notices.filter((n) => showAll || n.kind !== 'runtime');
  if (values.json) {
    io.out(JSON.stringify({ valid: result.valid, errors: result.errors, warnings: notices.map(formatNotice), notices }, null, 2));
    return result.valid ? 0 : 1;
  }
  for (const n of notices) io.err(`${file}: ${n.kind === 'runtime' ? 'info' : 'warning'}: ${formatNotice(n)}`);
  if (result.valid) io.out(`${file}: valid (${result.spec?.steps.length ?? 0} steps)`);
  else for (const e of result.errors) io.out(`${file}: ${e}`);
  return result.valid ? 0 : 1;
}
