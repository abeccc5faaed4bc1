/** One step of a location inside a DAG document: a map key or a list index. */
export type PathSegment = string | number;

const IDENT = /^[A-Za-z0-9_-]+$/;

/** Renders segments as `steps[2].retry_policy.limit`; odd keys become `steps["my step"]`. */
export function renderPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const seg of segments) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (IDENT.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

const TOKEN = /\.?([A-Za-z0-9_-]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/gy;

/** The inverse of `renderPath`; `undefined` when the text is not a rendered path. */
export function parsePath(path: string): PathSegment[] | undefined {
  const out: PathSegment[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < path.length) {
    const m = TOKEN.exec(path);
    if (!m) return undefined;
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(JSON.parse(m[3]!) as string);
  }
  return out;
}

/** A location plus the step it belongs to, handed down while reading a document. */
export class At {
  constructor(
    readonly segments: readonly PathSegment[] = [],
    readonly step?: string,
  ) {}

  /** The location one level deeper. */
  to(...segs: PathSegment[]): At {
    return new At([...this.segments, ...segs], this.step);
  }

  /** The same location, attributed to a step. */
  inStep(name: string | undefined): At {
    return new At(this.segments, name);
  }

  get path(): string {
    return renderPath(this.segments);
  }

  /** The last key on the path, when the path ends in one. */
  get field(): string | undefined {
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const seg = this.segments[i];
      if (typeof seg === 'string') return seg;
    }
    return undefined;
  }
}
