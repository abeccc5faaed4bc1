import { logsUriFor, runUriFor, specUriFor } from './prompt-uris.ts';

/** One prompt argument. */
export interface PromptArgument {
  name: string;
  description: string;
  required: boolean;
}

/** A prompt definition: one user message built from its arguments. */
export interface PromptDefinition {
  name: string;
  title: string;
  description: string;
  arguments: PromptArgument[];
  render(args: Record<string, string | undefined>): string;
}

const DEFAULT_GOAL = 'a small DAG that prints hello';

/** The three Dagu prompts. */
export const PROMPTS: readonly PromptDefinition[] = [
  {
    name: 'dagu_create_dag',
    title: 'Create a Dagu DAG',
    description: 'Draft a new DAG for a goal, validate it with a preview, and apply it only when asked.',
    arguments: [{ name: 'goal', description: 'What the DAG should do.', required: true }],
    render: ({ goal }) =>
      `Use dagu://reference/authoring. Draft a Dagu DAG YAML spec for this goal: ${goal?.trim() || DEFAULT_GOAL}\n` +
      'Call dagu_change with mode=preview first and fix every reported error until valid=true. ' +
      'Call dagu_change with mode=apply only when the user wants the file written.',
  },
  {
    name: 'dagu_edit_dag',
    title: 'Edit a Dagu DAG',
    description: 'Change an existing DAG: read its spec, make one change, preview, apply when asked.',
    arguments: [
      { name: 'name', description: 'The DAG to edit.', required: true },
      { name: 'change', description: 'The change to make.', required: true },
    ],
    render: ({ name, change }) =>
      `Read ${specUriFor(name)} with dagu_read. Make only this change: ${change?.trim() || '(describe the change)'}\n` +
      'Keep schedules, labels, params and handlers unless the change is about them. ' +
      'Validate with dagu_change mode=preview; apply with mode=apply only when the user wants the file written.',
  },
  {
    name: 'dagu_debug_failed_run',
    title: 'Debug a failed Dagu run',
    description: 'Find the failing step of a run from its details and logs and propose the smallest fix.',
    arguments: [
      { name: 'name', description: 'The DAG name.', required: true },
      { name: 'dagRunId', description: 'The DAG-run id (or latest).', required: true },
    ],
    render: ({ name, dagRunId }) =>
      `Read ${runUriFor(name, dagRunId)} and ${logsUriFor(name, dagRunId)} with dagu_read. ` +
      'Identify the failing step, read its step log (target=step_log), summarise the cause, and propose the smallest next action. ' +
      'Use dagu_execute retry or stop only when the user asks for it.',
  },
];

/** The prompt named `name`, or `undefined`. */
export function findPrompt(name: string): PromptDefinition | undefined {
  return PROMPTS.find((p) => p.name === name);
}
