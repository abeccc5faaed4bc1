import { LineCounter, parseAllDocuments } from 'yaml';
import type { Document } from 'yaml';
import type { DagSpec, LoadResult, SpecNotice, SpecProblem } from './types.ts';
import { SpecReader } from './spec-reader.ts';
import { readDag } from './read-dag.ts';
import { collectNotices } from './collect-notices.ts';
import { foreachDocument, foreachDocumentName, foreachSuffix } from './foreach-scope.ts';

/** Options of `loadDag`. */
export interface LoadDagOptions {
  /** The name to use when the YAML has no `name` (normally the file name without extension). */
  defaultName?: string;
  /**
   * Return this local child document (§1.2, by its `name`) as the DAG instead of document 1;
   * the whole file is still validated. Its `localDags` are the file's other named documents.
   */
  document?: string;
}

const byPosition = (a: SpecProblem, b: SpecProblem): number => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0);

/**
 * Parses, validates and normalizes a Dagu DAG file. Reports every problem it finds (never only
 * the first), each with a path and, where the YAML has a node for it, a line and column. A spec is
 * returned only when there are no problems; `notices` (deprecations, unresolved references)
 * never invalidate a file.
 *
 * Multi-document files (§1): document 1 is the DAG; documents 2…n are Dagu's local child DAGs,
 * each validated as a DAG of its own (a non-empty unique `name`, a non-empty `steps` list). They
 * only run as sub-DAGs (`options.document` loads one of them as the DAG).
 *
 * @example
 * const { spec, problems } = loadDag('steps:\n  - run: echo hi\n', { defaultName: 'hello' });
 */
export function loadDag(yaml: string, options: LoadDagOptions = {}): LoadResult {
  const lines = new LineCounter();
  const docs = parseAllDocuments(yaml, { lineCounter: lines, merge: true, prettyErrors: true, uniqueKeys: true });
  const list: Document[] = Array.isArray(docs) ? docs : [];
  const reader = new SpecReader(list[0], lines);
  for (const doc of list) {
    for (const error of doc.errors) {
      // Dagu's own examples write ``eval: `date` `` unquoted; the Go parser takes it as a string, and so does ours.
      if (error.code === 'BAD_SCALAR_START' && error.message.includes('character `')) continue;
      reader.addRaw(syntaxProblem(error.message, error.linePos?.[0]));
    }
  }
  if (reader.problems.length > 0) return { problems: reader.problems, notices: [] };

  const roots: unknown[] = [];
  for (const doc of list) {
    try {
      roots.push(doc.toJS({ mapAsMap: true, maxAliasCount: 1000 }) ?? null);
    } catch (error) {
      reader.addRaw({ message: `cannot read the YAML: ${(error as Error).message}`, path: '' });
      return { problems: reader.problems, notices: [] };
    }
  }
  if (list.length === 0 || roots.every((r) => r === null)) {
    reader.addRaw({ message: 'the DAG file is empty', path: '', hint: 'minimal DAG: steps: [{name: hello, run: echo hello}]' });
    return { problems: reader.problems, notices: [] };
  }
  const notices: SpecNotice[] = [];
  const childNames = new Map<string, number>();
  const localDags: string[] = [];
  const localSpecs = new Map<string, DagSpec>();
  roots.forEach((root, i) => {
    if (i === 0) return;
    const doc = list[i]!;
    const child = new SpecReader(doc, lines);
    const label = `document ${i + 1} (local child DAG)`;
    if (!(root instanceof Map)) {
      child.addRaw(withPos({ message: root === null ? `${label} is empty` : `${label} must be a map of fields such as name and steps`, path: '' }, doc, lines));
    } else {
      const name = root.get('name');
      if (typeof name !== 'string' || name.trim() === '') {
        child.addRaw(withPos({ message: `${label} needs a non-empty name`, path: 'name', field: 'name', hint: 'later documents are sub-DAGs called by name' }, doc, lines));
      } else if (childNames.has(name.trim())) {
        child.addRaw(withPos({ message: `${label}: duplicate document name ${JSON.stringify(name)} (also document ${childNames.get(name.trim())! + 1})`, path: 'name', field: 'name' }, doc, lines));
      } else {
        childNames.set(name.trim(), i);
        localDags.push(name.trim());
      }
      const childSpec = readDag(child, root, typeof name === 'string' ? name.trim() : `document-${i + 1}`, { child: true });
      if (typeof name === 'string' && !localSpecs.has(name.trim())) localSpecs.set(name.trim(), childSpec);
    }
    for (const p of child.problems) reader.addRaw(p.message.startsWith('document ') ? p : { ...p, message: `${label}: ${p.message}` });
    for (const n of child.notices) notices.push({ ...n, message: `${label}: ${n.message}` });
  });
  const first = roots[0];
  if (!(first instanceof Map)) {
    const problem: SpecProblem = { message: first === null ? 'the first document (the DAG itself) is empty' : 'the DAG file must be a map of fields such as name and steps', path: '', hint: 'minimal DAG: steps: [{name: hello, run: echo hello}]' };
    reader.addRaw(withPos(problem, list[0]!, lines));
    return { problems: [...reader.problems].sort(byPosition), notices: [] };
  }
  const spec = readDag(reader, first, options.defaultName);
  spec.localDags = localDags;
  // foreach bodies (§14.3) run as synthesized local documents, one child run per item.
  const taken = new Set(localDags);
  for (const owner of [spec, ...localSpecs.values()]) {
    for (const step of owner.steps) {
      if (!step.foreach) continue;
      const visible = new Set(owner.steps.flatMap((s) => [s.name, ...(s.id !== undefined ? [s.id] : [])]));
      for (const b of step.foreach.steps) {
        const clash = [b.name, ...(b.id !== undefined ? [b.id] : [])].find((n) => visible.has(n));
        if (clash !== undefined) reader.addRaw({ message: `foreach step ${step.name}: body step ${JSON.stringify(clash)} has the name or id of a top-level step`, path: 'steps', hint: 'body step names and ids must differ from the top-level ones' });
      }
      const name = foreachDocumentName(owner.name, step.name, taken);
      taken.add(name);
      step.foreach.document = name;
      localSpecs.set(name, foreachDocument(owner, step, name));
    }
  }
  localDags.push(...[...taken].filter((n) => !localDags.includes(n)));
  if (reader.problems.length === 0) collectNotices(reader, first, spec);
  const allNotices = [...reader.notices, ...notices].sort(byPosition);
  if (reader.problems.length === 0 && options.document !== undefined) {
    let child = localSpecs.get(options.document);
    // A body document named after the DAG's file name, loaded without it: find it by its step.
    const owner = child ? undefined : spec.steps.find((s) => s.foreach && options.document!.endsWith(foreachSuffix(s.name)));
    if (owner) {
      owner.foreach!.document = options.document;
      child = foreachDocument(spec, owner, options.document);
    }
    if (!child) return { problems: [{ message: `the file has no local DAG named ${JSON.stringify(options.document)}`, path: '' }], notices: allNotices };
    return { spec: { ...child, localDags: localDags.filter((n) => n !== options.document), document: options.document }, problems: [], notices: allNotices };
  }
  if (reader.problems.length === 0) return { spec, problems: [], notices: allNotices };
  // In file order; problems without a position (missing fields) come last. The sort is stable.
  return { problems: [...reader.problems].sort(byPosition), notices: allNotices };
}

function withPos(problem: SpecProblem, doc: Document, lines: LineCounter): SpecProblem {
  const range = (doc.contents as { range?: number[] } | null | undefined)?.range ?? (doc as { range?: number[] }).range;
  if (range && range[0] !== undefined) {
    const pos = lines.linePos(range[0]);
    problem.line = pos.line;
    problem.column = pos.col;
  }
  return problem;
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
