/** `dagu://reference/change-tool`: the `dagu_change` contract. */
export const changeToolTopic = `# dagu_change

Fields (strings): \`mode\` (\`preview\` default, \`apply\`), \`type\` (\`upsert_dag\` default, \`rename_dag\`,
\`delete_dag\`), \`name\`, \`spec\` (upsert; kept byte for byte), \`newName\` (rename). Unknown fields are errors.

- upsert_dag preview: validates the YAML. \`valid=true\` → "DAG spec is valid. Re-run with mode=apply to
  write it."; \`valid=false\` → "DAG spec is not valid; no changes were applied." with \`errors\`.
  An invalid spec is a normal result, not a tool error.
- upsert_dag apply: validates again, then creates or replaces the file: \`applied=true\`, \`created\`,
  \`updated\`. Applying never starts a run.
- rename_dag: the source must exist and the target must not (\`conflict\`). The YAML is not rewritten.
- delete_dag: the DAG must exist (\`resource_not_found\`).

\`applied\` is true only when a file was written, renamed or deleted. Output: \`{ mode, type, dagName,
valid, errors, applied, dagUri?, dag?, created?, updated?, newDagName?, newDagUri?, references }\`.

Roles: preview needs no role; apply needs developer or higher in the DAG's workspace.
Error codes: invalid_tool_input, unsupported_change_mode, unsupported_change_type,
resource_not_found, conflict, unauthenticated, unauthorized, resource_unavailable, internal_error.
`;
