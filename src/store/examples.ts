import { cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const EXAMPLES_DIR = fileURLToPath(new URL('../../examples/', import.meta.url));

/**
 * Copies the example DAGs into the DAG directory the first time it is created, so a fresh
 * checkout has something to run (`npm start`, or `troupe start hello` without a server). An
 * existing directory (even an empty one) is left alone. Returns the files copied.
 */
export function seedExamples(dagsDir: string): string[] {
  if (existsSync(dagsDir)) return [];
  mkdirSync(dagsDir, { recursive: true });
  if (!existsSync(EXAMPLES_DIR)) return [];
  const files = readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.yaml'));
  for (const f of files) cpSync(join(EXAMPLES_DIR, f), join(dagsDir, f));
  return files;
}
