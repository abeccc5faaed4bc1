import type { CredentialType } from '../core/index.ts';
import type { AuditInput } from './types.ts';

/** What a refused REST or stream request is described by. */
export interface RequestDenial {
  /** The credential the request presented, if any was recognised. */
  credentialType: CredentialType | undefined;
  /** `rest_request` for REST routes, `stream` for the live streams. */
  resourceType: 'rest_request' | 'stream';
  /** The path, or the stream topic. */
  resourceId: string;
  /** `missing_credentials`, `insufficient_permissions`, `invalid_origin`, `connection_limit`, ... */
  reason: string;
  httpMethod: string;
}

/**
 * The audit input of a refused REST or stream request, in Dagu's shape: a request made with an
 * API key is `api_key_request_denied` (category `api_key`), anything else `auth_request_denied`
 * (category `system`), with the reason and the HTTP method in details. The REST stack, the
 * WebSocket upgrade and the stream service all record their denials through this one builder.
 * (MCP refusals are `mcp.request.denied`, built by the MCP layer.)
 */
export function requestDenial(d: RequestDenial): AuditInput {
  const byKey = d.credentialType === 'api_key';
  return {
    category: byKey ? 'api_key' : 'system',
    action: byKey ? 'api_key_request_denied' : 'auth_request_denied',
    result: 'denied',
    resource_type: d.resourceType,
    resource_id: d.resourceId,
    details: { denial_reason: d.reason, http_method: d.httpMethod },
  };
}
