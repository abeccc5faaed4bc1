import type { DagSpec, SpecNotice, SpecProblem } from '../dag/types.ts';

// DAG definitions as the runtime's DAG service returns them.

export interface DagSummary {
  name: string;
  description?: string;
  labels: Record<string, string>;
  workspace: string;
  /** Problems when the stored file does not load; the DAG is still listed. */
  errors: string[];
}

export interface DagDefinition extends DagSummary {
  /** The stored YAML, byte for byte. */
  yaml: string;
  spec?: DagSpec;
  problems: SpecProblem[];
}

export interface ValidationReport {
  valid: boolean;
  problems: SpecProblem[];
  /** One line per problem, with its location. */
  errors: string[];
  /** Deprecations and unresolved-reference notices (never make a file invalid). */
  notices?: SpecNotice[];
  /** Deprecations and defect notices, one a line: what `troupe validate` prints by default. */
  warnings?: string[];
  spec?: DagSpec;
}
