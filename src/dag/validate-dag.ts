import { dagNameProblem } from '../core/index.ts';
import type { DagSpec, SpecNotice, SpecProblem } from './types.ts';
import { loadDag } from './load-dag.ts';
import { formatProblem } from './format-problem.ts';

/** The answer every surface gives about a DAG file (`troupe validate`, REST, `dagu_change` preview). */
export interface DagValidation {
  valid: boolean;
  problems: SpecProblem[];
  /** One line per problem, with its location. */
  errors: string[];
  /** Every notice: deprecations and unresolved references (defect and runtime-only). */
  notices: SpecNotice[];
  /** What validate prints by default (§1.8, §8.8): deprecations and defect notices, one a line. */
  warnings: string[];
  spec?: DagSpec;
}

/** One line for a notice: `line 3:10: steps[0] "a" run: unresolved reference ${steps.x.outputs.y}: ... [unknown_step_id]`. */
export function formatNotice(n: SpecNotice): string {
  return `${formatProblem(n)}${n.reason !== undefined ? ` [${n.reason}]` : ''}`;
}

/**
 * The one DAG validator. `name` is the stored DAG's name (the file name), which wins over a
 * `name:` inside the YAML and must itself be a valid DAG name.
 */
export function validateDag(yaml: string, name?: string): DagValidation {
  const result = loadDag(yaml, name !== undefined ? { defaultName: name } : {});
  const problems = [...result.problems];
  if (name !== undefined) {
    const p = dagNameProblem(name);
    if (p) problems.unshift({ message: p, path: 'name', field: 'name' });
  }
  const notices = result.notices;
  const report: DagValidation = {
    valid: problems.length === 0,
    problems,
    errors: problems.map(formatProblem),
    notices,
    warnings: notices.filter((n) => n.kind !== 'runtime').map(formatNotice),
  };
  if (result.spec && problems.length === 0) report.spec = name !== undefined ? { ...result.spec, name } : result.spec;
  return report;
}
