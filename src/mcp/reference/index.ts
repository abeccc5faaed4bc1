import { authoringTopic } from './authoring.ts';
import { changeToolTopic } from './change-tool.ts';
import { executeToolTopic } from './execute-tool.ts';
import { notificationsTopic } from './notifications.ts';
import { readToolTopic } from './read-tool.ts';
import { toolsTopic } from './tools.ts';

/** A static reference resource (`dagu://reference/{topic}`). */
export interface ReferenceTopic {
  topic: string;
  /** Resource name, as Dagu names it. */
  name: string;
  title: string;
  text: string;
}

/** The six reference topics, in Dagu's order. */
export const REFERENCE_TOPICS: readonly ReferenceTopic[] = [
  { topic: 'authoring', name: 'dagu_authoring_reference', title: 'Authoring DAGs through MCP', text: authoringTopic },
  { topic: 'tools', name: 'dagu_mcp_tools_reference', title: 'Dagu MCP tools', text: toolsTopic },
  { topic: 'notifications', name: 'dagu_notifications_reference', title: 'Run notifications', text: notificationsTopic },
  { topic: 'read-tool', name: 'dagu_mcp_read_tool_reference', title: 'dagu_read contract', text: readToolTopic },
  { topic: 'change-tool', name: 'dagu_mcp_change_tool_reference', title: 'dagu_change contract', text: changeToolTopic },
  { topic: 'execute-tool', name: 'dagu_mcp_execute_tool_reference', title: 'dagu_execute contract', text: executeToolTopic },
];

/** The topic named `topic`, or `undefined`. */
export function findTopic(topic: string): ReferenceTopic | undefined {
  return REFERENCE_TOPICS.find((t) => t.topic === topic);
}

/** The `references` array of every successful tool output. */
export const DEFAULT_REFERENCES = ['dagu://reference/authoring', 'dagu://reference/tools', 'dagu://reference/notifications'];

/** Server instructions sent in the initialize result. */
export const INSTRUCTIONS =
  'Troupe serves a compact Dagu-compatible MCP surface. Use dagu_read for state and the dagu://reference resources. ' +
  'Use dagu_change with mode=preview before mode=apply. Use dagu_execute for start, enqueue, retry and stop. ' +
  'After start or enqueue, read the returned dagu://runs/... resource or subscribe to it for a terminal-state update.';
