import type { SpecProblem } from './types.ts';
import { parsePath, renderPath } from './spec-path.ts';

/**
 * One line for a problem, e.g. `line 7:5: steps[1] "build" depends: unknown step "compile"
 * (hint: ...)`. The CLI prints these one per line; REST and MCP return them as `errors`.
 */
export function formatProblem(p: SpecProblem): string {
  let out = p.line !== undefined ? `line ${p.line}${p.column !== undefined ? `:${p.column}` : ''}: ` : '';
  const where = location(p);
  if (where !== '') out += `${where}: `;
  out += p.message;
  if (p.hint !== undefined && p.hint !== '') out += ` (hint: ${p.hint})`;
  return out;
}

/** `steps[1] "build" depends` when the path is inside a step, the plain path otherwise. */
function location(p: SpecProblem): string {
  if (p.step === undefined) return p.path;
  const segs = parsePath(p.path);
  if (!segs || segs.length < 2 || (segs[0] !== 'steps' && segs[0] !== 'handler_on')) return `${p.path} ${JSON.stringify(p.step)}`.trim();
  const rest = renderPath(segs.slice(2));
  return `${renderPath(segs.slice(0, 2))} ${JSON.stringify(p.step)}${rest === '' ? '' : ` ${rest}`}`;
}
