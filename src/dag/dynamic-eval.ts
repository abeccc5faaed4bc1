/** Runs one command-substitution body and resolves to its stdout; rejects on non-zero exit or timeout. */
export type SubstitutionRunner = (body: string) => Promise<string>;

/**
 * Executes the command substitutions of a dynamically evaluated text (§9.2): `` `…` `` up to
 * the next unescaped backtick and `$(…)` up to the next unescaped `)`; no nesting; unclosed
 * forms and escaped delimiters stay literal. Each body runs independently; its stdout is
 * inserted with trailing whitespace trimmed (leading too, as Dagu trims).
 */
export async function substituteCommands(text: string, run: SubstitutionRunner): Promise<string> {
  let out = '';
  for (let i = 0; i < text.length; ) {
    const c = text[i]!;
    if (c === '\\' && (text[i + 1] === '`' || text[i + 1] === '$')) {
      out += text.slice(i, i + 2);
      i += 2;
      continue;
    }
    let body: string | undefined;
    let end = -1;
    if (c === '`') {
      end = closing(text, i + 1, '`');
      if (end >= 0) body = text.slice(i + 1, end);
    } else if (c === '$' && text[i + 1] === '(') {
      end = closing(text, i + 2, ')');
      if (end >= 0) body = text.slice(i + 2, end);
    }
    if (body === undefined) {
      out += c;
      i++;
      continue;
    }
    out += (await run(body)).trim();
    i = end + 1;
  }
  return out;
}

function closing(text: string, from: number, delim: string): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === '\\') {
      i++;
      continue;
    }
    if (text[i] === delim) return i;
  }
  return -1;
}
