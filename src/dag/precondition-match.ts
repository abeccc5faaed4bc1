/**
 * Value matching of preconditions (§15.3): the actual value passes when any of its lines equals
 * `expected` exactly, or, with `re:<pattern>`, when the pattern (Go RE2 syntax; a leading `(?i)`
 * and the other inline flags are honoured; not anchored) matches any line.
 */
export function compileExpected(expected: string): { test: (line: string) => boolean } | { error: string } {
  if (!expected.startsWith('re:')) return { test: (line) => line === expected };
  let source = expected.slice(3);
  if (source.trim() === '') return { error: 'the re: pattern must not be empty' };
  let flags = '';
  const inline = /^\(\?([imsU]+)\)/.exec(source);
  if (inline) {
    for (const f of inline[1]!) if (f !== 'U' && !flags.includes(f)) flags += f;
    source = source.slice(inline[0].length);
  }
  try {
    const re = new RegExp(source, flags);
    return { test: (line) => re.test(line) };
  } catch (error) {
    return { error: `the re: pattern does not compile: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}` };
  }
}

/** Whether `actual` (possibly several lines) matches `expected`. */
export function valueMatches(actual: string, expected: string): boolean {
  const compiled = compileExpected(expected);
  if ('error' in compiled) throw new Error(compiled.error);
  return actual.split(/\r?\n/).some((line) => compiled.test(line));
}
