import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { TroupeError } from '../core/index.ts';
import { formatProblem, loadDag } from '../dag/index.ts';
import { parseCommand } from './args.ts';
import type { CliIo } from './io.ts';

/** `troupe validate <file.yaml>`: exit 0 when valid, else 1 and every problem, one a line. */
export async function validateCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(argv, { json: { type: 'boolean' } });
  const file = positionals[0];
  if (!file) throw new TroupeError('INVALID_INPUT', 'usage: troupe validate <file.yaml>');
  let yaml: string;
  try {
    yaml = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new TroupeError('INVALID_INPUT', `cannot read ${file}: ${(cause as Error).message}`, { cause });
  }
  const result = loadDag(yaml, { defaultName: basename(file, extname(file)) });
  const errors = result.problems.map(formatProblem);
  if (values.json) io.out(JSON.stringify({ valid: errors.length === 0, errors }, null, 2));
  else if (errors.length === 0) io.out(`${file}: valid (${result.spec?.steps.length ?? 0} steps)`);
  else for (const e of errors) io.out(`${file}: ${e}`);
  return errors.length === 0 ? 0 : 1;
}
