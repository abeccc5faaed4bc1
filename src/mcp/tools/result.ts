import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { DEFAULT_REFERENCES } from '../reference/index.ts';
import type { ToolFailure } from '../tool-failure.ts';
import type { DaguUri } from '../uris.ts';

/** A `resource_link` content item. */
export interface ResourceLink {
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType: string;
}

/** What a tool implementation returns; `runTool` turns it into the MCP result. */
export interface ToolOutput {
  /** Dagu's fixed sentence (`Dagu read completed.`, `DAG change applied.`, ...). */
  text: string;
  structured: Record<string, unknown>;
  links: ResourceLink[];
}

/** The key of the correlation id in a tool result's `_meta`. */
export const CORRELATION_META_KEY = 'troupe/correlationId';

/** Adds Dagu's `references` list to an output object. */
export const withReferences = <T extends Record<string, unknown>>(out: T): T & { references: string[] } => ({ ...out, references: [...DEFAULT_REFERENCES] });

const LINKS: Record<DaguUri['kind'], readonly [string, string]> = {
  references: ['dagu_references', 'application/json'],
  reference: ['dagu_reference', 'text/markdown'],
  dags: ['dags', 'application/json'],
  dag_spec: ['dag_spec', 'application/yaml'],
  runs: ['dag_runs', 'application/json'],
  run: ['dag_run', 'application/json'],
  run_logs: ['dag_run_logs', 'application/json'],
  step_log: ['dag_run_step_log', 'application/json'],
} as const;

/**
 * The link Dagu attaches for a `dagu://` URI (names and MIME types of §3.2.3). The caller says
 * what kind of URI it formatted: every caller built the URI itself, and parsing it back on every
 * result was a visible share of the read call path.
 */
export function linkFor(uri: string, kind: DaguUri['kind'], description?: string): ResourceLink {
  const [name, mimeType] = LINKS[kind];
  const link: ResourceLink = { uri, name, mimeType };
  if (description) link.description = description;
  return link;
}

/**
 * A successful tool result in Dagu's order (§3.1, §3.2.3): the fixed sentence first, then the
 * resource links (`content[1]` is the link, as a Dagu client expects), and last the same
 * structured output as JSON text, for gateways that drop `structuredContent` and non-text items.
 */
export function successResult(out: ToolOutput, correlationId: string): CallToolResult {
  const content: CallToolResult['content'] = [{ type: 'text', text: out.text }];
  for (const l of out.links) content.push({ type: 'resource_link', ...l });
  content.push({ type: 'text', text: JSON.stringify(out.structured) });
  return {
    content,
    structuredContent: out.structured,
    _meta: { [CORRELATION_META_KEY]: correlationId },
  };
}

/**
 * A failed tool result: `isError`, the (cut) message first, the code and field as JSON text
 * (for gateways that drop `structuredContent`), and the error object, whose echoes of the
 * caller's input are cut, as structured content: each echo appears once.
 */
export function errorResult(failure: ToolFailure, correlationId: string): CallToolResult {
  const obj = failure.toObject();
  return {
    isError: true,
    content: [
      { type: 'text', text: obj.message },
      { type: 'text', text: JSON.stringify(obj.field === undefined ? { code: obj.code } : { code: obj.code, field: obj.field }) },
    ],
    structuredContent: obj,
    _meta: { [CORRELATION_META_KEY]: correlationId },
  };
}
