/** `dagu://reference/read-tool`: the `dagu_read` contract. */
export const readToolTopic = `# dagu_read

Input is a JSON object with string fields only; unknown fields are errors, \`null\` means absent,
values are trimmed. Use either target mode or URI mode, not both.

| target | required | optional | output uri |
|---|---|---|---|
| references | – | – | – |
| reference | – | name (default authoring) | dagu://reference/{name} |
| dags | – | query | – |
| dag | name | – | – |
| dag_spec | name | – | dagu://dags/{name}/spec |
| runs | – | query | – |
| run | name, dagRunId (\`latest\` allowed) | – | dagu://runs/{name}/{dagRunId} |
| run_logs | name, dagRunId | query | dagu://runs/{name}/{dagRunId}/logs |
| step_log | name, dagRunId, stepName | – | dagu://runs/{name}/{dagRunId}/steps/{stepName}/logs |

URI mode: \`{ "uri": "dagu://..." }\` with any of the URIs above, plus \`dagu://reference\`, \`dagu://dags[?query]\`
and \`dagu://runs[?query]\`. Path segments are percent-encoded.

Queries (no leading \`?\`): dags \`page\` (≥1), \`perPage\` (1–1000), \`name\`, \`labels\` (comma list), \`active\`
(\`true\`/\`false\`), \`sort\` (\`name\`/\`nextRun\`), \`order\` (\`asc\`/\`desc\`); runs \`name\`, \`dagRunId\`, \`status\`
(0–8, repeatable), \`fromDate\`/\`toDate\` (unix seconds), \`limit\` (1–500), \`cursor\`, \`labels\`; run_logs
\`tail\` (≥1, clamped to 100–10000, default 500).

Output: \`{ target, data, references, uri? }\`. Status codes: 0 not_started, 1 running, 2 failed,
3 aborted, 4 succeeded, 5 queued, 6 partially_succeeded, 7 waiting, 8 rejected.

Error codes: invalid_tool_input, invalid_resource_uri, unsupported_read_target,
unsupported_resource, resource_not_found, resource_unavailable, internal_error. Resources outside
your workspaces read as not found.
`;
