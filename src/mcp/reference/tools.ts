/** `dagu://reference/tools`: the three tools at a glance. */
export const toolsTopic = `# Dagu MCP tools

Troupe serves Dagu's compact MCP surface: three tools, reference resources, run resources you can
subscribe to, and three prompts.

- \`dagu_read\` reads state: DAG lists and specs, run details, run logs and step logs, and these
  reference topics. Use \`target\` mode (\`target\` + \`name\`/\`dagRunId\`/\`stepName\`/\`query\`) or URI mode
  (\`uri\` alone, any \`dagu://\` URI). It never changes anything.
- \`dagu_change\` previews or applies DAG changes: \`type=upsert_dag\` (default), \`rename_dag\`, \`delete_dag\`.
  \`mode=preview\` (default) validates only; \`mode=apply\` writes.
- \`dagu_execute\` controls runs: \`action=start\` or \`enqueue\` (a stored DAG by \`name\`, or an inline
  \`spec\`), \`action=retry\` (\`name\` + \`dagRunId\`, optionally \`stepName\`), \`action=stop\`
  (\`name\` + \`dagRunId\`). \`wait=true\` with \`timeoutSec\` returns the terminal status when the run
  ends in time.

Every successful result repeats its structured output as JSON text and links the resources it
touched. Errors are results with \`isError=true\` and a structured object \`{ code, message, field? }\`;
branch on \`code\`, never on \`message\`.

More detail: \`dagu://reference/read-tool\`, \`dagu://reference/change-tool\`,
\`dagu://reference/execute-tool\`, \`dagu://reference/notifications\`, \`dagu://reference/authoring\`.
`;
