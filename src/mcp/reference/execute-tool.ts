/** `dagu://reference/execute-tool`: the `dagu_execute` contract. */
export const executeToolTopic = `# dagu_execute

Fields: \`action\` (required: start, enqueue, retry, stop), \`targetType\` (dag, inline_spec, run; default
run for retry/stop, inline_spec when \`spec\` is given, else dag), \`name\`, \`spec\`, \`dagRunId\`,
\`params\` (JSON object string or \`KEY=value\` pairs), \`queue\` (enqueue), \`singleton\`, \`labels\`
(array of \`key=value\` or \`key\`), \`stepName\` and \`includeDownstream\` (retry), \`noReuse\` (accepted for
compatibility; Troupe has no build steps), \`wait\` and \`timeoutSec\` (1–3600, default 60).

- start runs now; enqueue waits for its queue; retry starts a new attempt of the same run (from
  \`stepName\` when given; \`includeDownstream\` requires \`stepName\`); stop ends a running run.
- Output: \`{ action, targetType, dagName, dagRunId, runUri, logsUri, subscribe, references }\`, the text
  "Dagu execute action completed." and links to the run and its logs. Subscribe to \`runUri\` for a
  terminal-state notification.
- With \`wait=true\` the result also carries \`status\`, \`statusLabel\` and \`timedOut\`: the terminal status
  when the run ended within \`timeoutSec\`, else its status at the timeout.

Roles: operator or higher in the DAG's workspace; inline specs need developer or higher.
Errors: invalid_tool_input, unsupported_execute_action, unsupported_target_type, resource_not_found,
conflict (singleton, duplicate run id, active run on retry, not running on stop), unauthorized,
resource_unavailable, internal_error.
`;
