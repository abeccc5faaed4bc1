import type { OutputDecl } from './types.ts';

/** Dagu's default cap on `DAGU_OUTPUT_FILE` and captured output (§11.1, §24.4). */
export const DEFAULT_MAX_OUTPUT_SIZE = 1024 * 1024;

/**
 * Parses a step's `$DAGU_OUTPUT_FILE` (§11.2) against its declared outputs. Records are
 * `name=value` (split at the first `=`) or `name<<DELIM` … `DELIM`; `\r\n`/`\r` become `\n`;
 * a final newline is allowed. Empty lines outside heredocs, undeclared or duplicate names,
 * missing declared outputs, invalid JSON for `json` outputs, invalid UTF-8 and a file above the
 * size limit are errors (they fail the attempt).
 */
export function parseOutputFile(content: Uint8Array, decls: readonly OutputDecl[], maxBytes = DEFAULT_MAX_OUTPUT_SIZE): { values: Record<string, string> } | { error: string } {
  if (content.byteLength > maxBytes) return { error: `DAGU_OUTPUT_FILE is ${content.byteLength} bytes, more than the limit of ${maxBytes}` };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch {
    return { error: 'DAGU_OUTPUT_FILE is not valid UTF-8' };
  }
  text = text.replace(/\r\n?/g, '\n');
  if (text.endsWith('\n')) text = text.slice(0, -1);
  const lines = text === '' ? [] : text.split('\n');
  const declared = new Map(decls.map((d) => [d.name, d]));
  const values: Record<string, string> = {};
  const set = (name: string, value: string, line: number): string | undefined => {
    if (!declared.has(name)) return `DAGU_OUTPUT_FILE line ${line}: ${JSON.stringify(name)} is not a declared output (declared: ${[...declared.keys()].join(', ')})`;
    if (Object.hasOwn(values, name)) return `DAGU_OUTPUT_FILE line ${line}: output ${JSON.stringify(name)} is written twice`;
    Object.defineProperty(values, name, { value, enumerable: true, writable: true, configurable: true });
    return undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const n = i + 1;
    if (line === '') return { error: `DAGU_OUTPUT_FILE line ${n}: empty line (only heredoc values may hold empty lines)` };
    const eq = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    if (heredoc >= 0 && (eq < 0 || heredoc < eq)) {
      const name = line.slice(0, heredoc);
      const delim = line.slice(heredoc + 2);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(delim)) return { error: `DAGU_OUTPUT_FILE line ${n}: invalid heredoc delimiter ${JSON.stringify(delim)}` };
      const end = lines.indexOf(delim, i + 1);
      if (end < 0) return { error: `DAGU_OUTPUT_FILE line ${n}: heredoc ${JSON.stringify(delim)} is not closed` };
      const problem = set(name, lines.slice(i + 1, end).join('\n'), n);
      if (problem) return { error: problem };
      i = end;
      continue;
    }
    if (eq < 0) return { error: `DAGU_OUTPUT_FILE line ${n}: expected name=value or name<<DELIMITER` };
    const problem = set(line.slice(0, eq), line.slice(eq + 1), n);
    if (problem) return { error: problem };
  }
  for (const d of decls) {
    if (!Object.hasOwn(values, d.name)) return { error: `declared output ${JSON.stringify(d.name)} was not written to DAGU_OUTPUT_FILE` };
    if (d.type === 'json') {
      try {
        // Stored as the emitted JSON text, which is what references insert.
        JSON.parse(values[d.name]!);
      } catch {
        return { error: `output ${JSON.stringify(d.name)} is declared json but is not valid JSON` };
      }
    }
  }
  return { values };
}
