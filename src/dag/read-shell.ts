import type { At } from './spec-path.ts';
import type { SpecReader, YamlMap } from './spec-reader.ts';

/** Splits a shell setting such as `bash -o pipefail` into words (double and single quotes group). */
export function shellWords(text: string): string[] {
  const out: string[] = [];
  const re = /"((?:\\.|[^"\\])*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? m[3]!));
  return out;
}

/**
 * A shell value (§10.4): a string (split into words) or a list of words, plus `shell_args`.
 * `direct` is refused for `run` steps. `undefined` when no shell is set.
 */
export function readShellValue(reader: SpecReader, at: At, shell: unknown, args: unknown, argsAt: At): string[] | undefined {
  let words: string[] | undefined;
  if (shell !== null && shell !== undefined) {
    if (Array.isArray(shell)) words = reader.stringList(at, shell);
    else {
      const s = reader.string(at, shell);
      if (s !== undefined) words = shellWords(s);
    }
    if (words && words.length === 0) {
      reader.add(at, 'must not be empty');
      words = undefined;
    }
    if (words?.[0] === 'direct') {
      reader.add(at, 'shell "direct" cannot run a run: step', { hint: 'use a shell such as bash, or remove shell' });
      words = undefined;
    }
  }
  const extra = args === null || args === undefined ? [] : reader.stringList(argsAt, args);
  if (extra.length > 0) {
    if (shell === null || shell === undefined) {
      reader.add(argsAt, 'shell_args needs shell', { on: 'key', hint: 'set shell as well, e.g. shell: bash' });
      return undefined;
    }
    if (words) words = [...words, ...extra];
  }
  return words;
}

/** A step's explicit shell: `with: {shell, shell_args}`, or the deprecated step `shell` / `shell_args`. */
export function readShell(reader: SpecReader, at: At, map: YamlMap): string[] | undefined {
  const withValue = map.get('with');
  if (withValue !== null && withValue !== undefined) {
    const w = reader.map(at.to('with'), withValue);
    if (!w) return undefined;
    for (const k of w.keys()) {
      const key = String(k);
      if (key === 'shell_packages') reader.add(at.to('with', key), 'shell_packages (nix-shell) is not supported by Troupe yet', { on: 'key' });
      else if (key !== 'shell' && key !== 'shell_args') reader.add(at.to('with', key), `with key "${key}" is not allowed on a run step`, { on: 'key', hint: 'a run step takes with: {shell, shell_args}' });
    }
    if (map.has('shell') || map.has('shell_args')) reader.add(at.to('shell'), 'use either with.shell or the deprecated step shell, not both', { on: 'key' });
    return readShellValue(reader, at.to('with', 'shell'), w.get('shell'), w.get('shell_args'), at.to('with', 'shell_args'));
  }
  return readShellValue(reader, at.to('shell'), map.get('shell'), map.get('shell_args'), at.to('shell_args'));
}
