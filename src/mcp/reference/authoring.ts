/** `dagu://reference/authoring`: how to write DAG YAML for Troupe through MCP. */
export const authoringTopic = `# Authoring Troupe DAGs through MCP

Troupe runs Dagu-compatible DAG files (YAML, snake_case keys). Work in this order:

1. Read what exists: \`dagu_read\` with \`target=dags\`, then \`target=dag_spec\` for a DAG you change.
2. Draft or edit the YAML. Keep DAGs small; change only what the user asked for.
3. Validate with \`dagu_change\` and \`mode=preview\` (the default). Nothing is written.
4. If the result has \`valid=false\`, fix every entry of \`errors\` (each names its location) and preview again.
5. Apply with \`mode=apply\` only when the user wants the file written. Applying never starts a run.

## A minimal DAG

\`\`\`yaml
description: Say hello
steps:
  - name: hello
    run: echo hello
\`\`\`

## Fields Troupe understands

- Root: \`name\`, \`description\`, \`params\`, \`env\`, \`type\` (\`graph\` default, or \`chain\`), \`steps\`,
  \`handler_on\` (\`success\`, \`failure\`, \`abort\`, \`exit\`), \`timeout_sec\`, \`preconditions\`, \`labels\`,
  \`queue\`, \`max_active_steps\`, \`working_dir\`, \`shell\`, \`schedule\`, \`retry_policy\`, \`max_clean_up_time_sec\`.
- Steps: \`name\`, \`id\`, \`description\`, \`run\` (one line = command, several lines = script; \`command\`/\`script\`
  are accepted for compatibility), \`depends\`, \`output\`, \`env\`, \`working_dir\`, \`retry_policy\`
  (\`limit\`, \`interval_sec\`, \`backoff\`, \`max_interval_sec\`, \`exit_code\`), \`continue_on\`, \`preconditions\`,
  \`timeout_sec\`, \`signal_on_stop\`.
- camelCase keys (\`retryPolicy\`, \`timeoutSec\`) are rejected with a hint naming the snake_case key.
- Keys Troupe cannot honour (\`container\`, \`ssh\`, \`action\`, \`call\`, \`parallel\`, \`repeat_policy\`, ...) are
  reported as errors with a hint; logging, mail and history keys are accepted and ignored.
- \`labels: [workspace=<name>]\` puts the DAG (and its runs) into a workspace; without it the DAG is in \`default\`.

## Preserve when editing

Keep existing schedules, labels (especially \`workspace=\`), params, handlers and queue settings unless
the user asks to change them. Never put secrets into a spec; pass them as run params instead.
`;
