// Arguments of the runtime's commands.

/** What to run: a stored DAG by name, or an inline YAML spec (optionally named). */
export type DagRef = { name: string } | { spec: string; name?: string };

export interface StartOptions {
  /** A JSON object string, `K=v K2=v2`, or an object. Overrides the DAG's params. */
  params?: string | Record<string, string>;
  dagRunId?: string;
  singleton?: boolean;
  /** Enqueue only: queue override. */
  queue?: string;
  /** Extra labels, `key=value` or `key`. */
  labels?: string[];
}

export interface RetryOptions {
  stepName?: string;
  includeDownstream?: boolean;
}

export interface RunRef {
  name: string;
  dagRunId: string;
}
