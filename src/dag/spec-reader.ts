import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { Document, LineCounter, Pair, YAMLMap } from 'yaml';
import type { SpecNotice, SpecProblem } from './types.ts';
import type { At, PathSegment } from './spec-path.ts';

/** A YAML mapping as produced by `toJS({ mapAsMap: true })`: keys keep their order and type. */
export type YamlMap = Map<unknown, unknown>;

/** What a value looks like, for type messages. */
export type ValueKind = 'map' | 'list' | 'string' | 'number' | 'boolean' | 'null';

export function kindOf(value: unknown): ValueKind {
  if (value === null || value === undefined) return 'null';
  if (value instanceof Map) return 'map';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'number' || typeof value === 'bigint') return 'number';
  if (typeof value === 'boolean') return 'boolean';
  return 'string';
}

const ARTICLE: Record<ValueKind, string> = {
  map: 'a map',
  list: 'a list',
  string: 'a string',
  number: 'a number',
  boolean: 'a boolean',
  null: 'empty',
};

/** Extra facts for a problem: the hint, and whether to point at the key rather than the value. */
export interface ProblemOptions {
  hint?: string;
  field?: string;
  on?: 'key' | 'value';
}

/**
 * Collects problems while a DAG document is read, and finds the line and column of each one in
 * the parsed YAML tree. Reading works on plain values (aliases and merge keys resolved); the tree
 * is only consulted for positions, so a value without a node (from a merge) just has none.
 */
export class SpecReader {
  readonly problems: SpecProblem[] = [];
  readonly notices: SpecNotice[] = [];

  constructor(
    private readonly doc: Document | undefined,
    private readonly lines: LineCounter,
  ) {}

  /** Records a problem at `at`. */
  add(at: At, message: string, options: ProblemOptions = {}): void {
    this.problems.push(this.locate(at, message, options));
  }

  /** Records a notice (deprecation, unresolved reference) at `at`; it never invalidates the file. */
  note(at: At, kind: SpecNotice['kind'], message: string, options: ProblemOptions & { token?: string; reason?: string } = {}): void {
    const n: SpecNotice = { ...this.locate(at, message, options), kind };
    if (options.token !== undefined) n.token = options.token;
    if (options.reason !== undefined) n.reason = options.reason;
    this.notices.push(n);
  }

  private locate(at: At, message: string, options: ProblemOptions): SpecProblem {
    const problem: SpecProblem = { message, path: at.path };
    if (at.step !== undefined) problem.step = at.step;
    const field = options.field ?? at.field;
    if (field !== undefined) problem.field = field;
    const offset = this.offsetOf(at.segments, options.on ?? 'value');
    if (offset !== undefined) {
      const pos = this.lines.linePos(offset);
      problem.line = pos.line;
      problem.column = pos.col;
    }
    if (options.hint !== undefined) problem.hint = options.hint;
    return problem;
  }

  /** Records a problem with an explicit position (YAML syntax errors). */
  addRaw(problem: SpecProblem): void {
    this.problems.push(problem);
  }

  /** Reports a type mismatch: "must be a map, got a list" (the field name is in the problem's path). */
  wrongType(at: At, value: unknown, expected: string, hint?: string): void {
    this.add(at, `must be ${expected}, got ${ARTICLE[kindOf(value)]}`, hint === undefined ? {} : { hint });
  }

  /** A string; numbers and booleans are taken as written (as Dagu's YAML decoder does). */
  string(at: At, value: unknown): string | undefined {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
    // Maps, lists and empty values are type problems.
    this.wrongType(at, value, 'a string');
    return undefined;
  }

  /** A whole number no smaller than `min` (quoted numbers are refused, as in Dagu). */
  integer(at: At, value: unknown, min = 0): number | undefined {
    if (typeof value !== 'number') {
      this.wrongType(at, value, `a whole number`, typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? 'write the number without quotes' : undefined);
      return undefined;
    }
    if (!Number.isInteger(value)) {
      this.add(at, `must be a whole number, got ${value}`);
      return undefined;
    }
    if (value < min) {
      this.add(at, `must be ${min === 0 ? 'zero or more' : `at least ${min}`}, got ${value}`);
      return undefined;
    }
    return value;
  }

  boolean(at: At, value: unknown): boolean | undefined {
    if (typeof value === 'boolean') return value;
    this.wrongType(at, value, 'true or false', typeof value === 'string' ? 'write true or false without quotes' : undefined);
    return undefined;
  }

  /** A map, or a type problem. */
  map(at: At, value: unknown, expected = 'a map'): YamlMap | undefined {
    if (value instanceof Map) return value;
    this.wrongType(at, value, expected);
    return undefined;
  }

  /** A list of strings; a single string counts as a list of one. */
  stringList(at: At, value: unknown): string[] {
    if (Array.isArray(value)) {
      const out: string[] = [];
      value.forEach((item, i) => {
        const s = this.string(at.to(i), item);
        if (s !== undefined) out.push(s);
      });
      return out;
    }
    if (value === null || value === undefined) return [];
    const s = this.string(at, value);
    return s === undefined ? [] : [s];
  }

  /** The line and column of the node at `segments`, or of the deepest node found on the way. */
  private offsetOf(segments: readonly PathSegment[], on: 'key' | 'value'): number | undefined {
    if (!this.doc) return undefined;
    let node: unknown = this.doc.contents;
    let best = rangeStart(node);
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i]!;
      node = this.deref(node);
      if (typeof seg === 'number' && isSeq(node)) {
        node = node.items[seg];
      } else if (isMap(node)) {
        const pair = this.findPair(node, String(seg), 0);
        if (!pair) return best;
        if (on === 'key' && i === segments.length - 1) return rangeStart(pair.key) ?? best;
        node = pair.value ?? pair.key;
      } else {
        return best;
      }
      best = rangeStart(node) ?? best;
    }
    return best;
  }

  private deref(node: unknown): unknown {
    return isAlias(node) && this.doc ? node.resolve(this.doc) : node;
  }

  private findPair(map: YAMLMap, key: string, depth: number): Pair | undefined {
    const merges: unknown[] = [];
    for (const pair of map.items) {
      const k = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (k === key) return pair;
      if (k === '<<') merges.push(pair.value);
    }
    if (depth > 8) return undefined;
    for (const source of merges) {
      const resolved = this.deref(source);
      const maps = isSeq(resolved) ? resolved.items.map((item) => this.deref(item)) : [resolved];
      for (const m of maps) {
        const found = isMap(m) ? this.findPair(m, key, depth + 1) : undefined;
        if (found) return found;
      }
    }
    return undefined;
  }
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
  return range ? range[0] : undefined;
}
