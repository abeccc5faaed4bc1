import { LineCounter, parseAllDocuments } from 'yaml';
import type { Document } from 'yaml';
import type { LoadResult, SpecProblem } from './types.ts';
import { SpecReader } from './spec-reader.ts';
import { readDag } from './read-dag.ts';

/** Options of `loadDag`. */
export interface LoadDagOptions {
  /** The name to use when the YAML has no `name` (normally the file name without extension). */
  defaultName?: string;
}

/**
 * Parses, validates and normalizes a Dagu DAG file. Reports every problem it finds (never only
 * the first), each with a path and, where the YAML has a node for it, a line and column. A spec is
 * returned only when there are no problems.
 *
 * Multi-document files: the first document is the DAG. Later documents are Dagu's local
 * sub-DAGs, which only sub-DAG calls (unsupported) can reach, so they are syntax-checked and
 * otherwise ignored.
 *
 * @example
 * const { spec, problems } = loadDag('steps:\n  - run: echo hi\n', { defaultName: 'hello' });
 */
export function loadDag(yaml: string, options: LoadDagOptions = {}): LoadResult {
  const lines = new LineCounter();
  const docs = parseAllDocuments(yaml, { lineCounter: lines, merge: true, prettyErrors: true, uniqueKeys: true });
  const list: Document[] = Array.isArray(docs) ? docs : [];
  const first = list[0];
  const reader = new SpecReader(first, lines);
  for (const doc of list) for (const error of doc.errors) reader.addRaw(syntaxProblem(error.message, error.linePos?.[0]));
  if (reader.problems.length > 0) return { problems: reader.problems };

  let root: unknown;
  try {
    root = first?.toJS({ mapAsMap: true, maxAliasCount: 1000 }) ?? null;
  } catch (error) {
    reader.addRaw({ message: `cannot read the YAML: ${(error as Error).message}`, path: '' });
    return { problems: reader.problems };
  }
  if (!(root instanceof Map)) {
    const problem: SpecProblem = { message: root === null ? 'the DAG file is empty' : 'the DAG file must be a map of fields such as name and steps', path: '', hint: 'minimal DAG: steps: [{name: hello, run: echo hello}]' };
    const range = (first?.contents as { range?: number[] } | null | undefined)?.range;
    if (range && range[0] !== undefined) {
      const pos = lines.linePos(range[0]);
      problem.line = pos.line;
      problem.column = pos.col;
    }
    reader.addRaw(problem);
    return { problems: reader.problems };
  }
  const spec = readDag(reader, root, options.defaultName);
  if (reader.problems.length === 0) return { spec, problems: [] };
  // In file order; problems without a position (missing fields) come last. The sort is stable.
  const problems = [...reader.problems].sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0));
  return { problems };
}

function syntaxProblem(message: string, pos: { line: number; col: number } | undefined): SpecProblem {
  // The parser's message repeats the position and quotes the source; keep the first sentence.
  const text = message.replace(/ at line \d+, column \d+:[\s\S]*$/, '').trim();
  const problem: SpecProblem = { message: `YAML syntax error: ${text}`, path: '' };
  if (pos) {
    problem.line = pos.line;
    problem.column = pos.col;
  }
  return problem;
}
