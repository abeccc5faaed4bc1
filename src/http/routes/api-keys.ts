import type { H3 } from 'h3';
import type { Role, WorkspaceAccess } from '../../core/index.ts';
import type { AttributionClass, UpdateApiKeyInput } from '../../auth/index.ts';
import { assertAdmin } from '../access.ts';
import { apiRoute } from '../api-route.ts';
import type { ApiDeps } from '../api-route.ts';
import { badRequest } from '../api-error.ts';
import { jsonResponse } from '../error-response.ts';
import { field, readJsonBody } from '../read-json-body.ts';

const KEY_ID = /^[A-Za-z0-9-]{1,64}$/;

function keyId(value: string): string {
  if (!KEY_ID.test(value)) throw badRequest('id must be an API key id');
  return value;
}

function workspaceAccessField(body: Record<string, unknown>): WorkspaceAccess | null | undefined {
  const v = body.workspaceAccess;
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) throw badRequest('workspaceAccess must be an object {all, grants}');
  return v as WorkspaceAccess;
}

/** API key management (admin only): create shows the secret once. */
export function registerApiKeyRoutes(app: H3, prefix: string, deps: ApiDeps): void {
  const { auth, config } = deps;
  const route = (h: Parameters<typeof apiRoute>[1]) => apiRoute(deps, h);

  app.get(
    `${prefix}/api-keys`,
    route(async ({ subject }) => {
      assertAdmin(subject);
      return { apiKeys: await auth.listApiKeys() };
    }),
  );

  app.post(
    `${prefix}/api-keys`,
    route(async ({ subject, event }) => {
      assertAdmin(subject);
      const body = await readJsonBody(event.req, config.maxBodyBytes);
      const surfaces = body.allowedSurfaces;
      if (!Array.isArray(surfaces)) throw badRequest('allowedSurfaces must be an array of rest_api, mcp');
      const input: Parameters<typeof auth.createApiKey>[0] = {
        name: field.string(body, 'name', { required: true, max: 100 })!,
        role: field.string(body, 'role', { required: true }) as Role,
        allowedSurfaces: surfaces as string[],
        createdBy: subject.username,
      };
      const attribution = field.string(body, 'attributionClass');
      if (attribution !== undefined) input.attributionClass = attribution as AttributionClass;
      const description = field.string(body, 'description', { max: 500 });
      if (description !== undefined) input.description = description;
      const access = workspaceAccessField(body);
      if (access) input.workspaceAccess = access;
      const owner = field.string(body, 'ownerUserId');
      if (owner !== undefined) input.ownerUserId = owner;
      const sa = field.string(body, 'serviceAccountName', { max: 100 });
      if (sa !== undefined) input.serviceAccountName = sa;
      const created = await auth.createApiKey(input);
      return jsonResponse(201, created);
    }),
  );

  app.get(
    `${prefix}/api-keys/:id`,
    route(async ({ subject, param }) => {
      assertAdmin(subject);
      const id = keyId(param('id'));
      const key = await auth.getApiKey(id);
      if (!key) return jsonResponse(404, { code: 'not_found', message: `API key ${id} not found` });
      return { apiKey: key };
    }),
  );

  app.patch(
    `${prefix}/api-keys/:id`,
    route(async ({ subject, param, event }) => {
      assertAdmin(subject);
      const id = keyId(param('id'));
      const body = await readJsonBody(event.req, config.maxBodyBytes);
      const patch: UpdateApiKeyInput = {};
      const name = field.string(body, 'name', { max: 100 });
      if (name !== undefined) patch.name = name;
      const description = field.string(body, 'description', { max: 500 });
      if (description !== undefined) patch.description = description;
      const role = field.string(body, 'role');
      if (role !== undefined) patch.role = role as Role;
      if (body.allowedSurfaces !== undefined) {
        if (!Array.isArray(body.allowedSurfaces)) throw badRequest('allowedSurfaces must be an array of rest_api, mcp');
        patch.allowedSurfaces = body.allowedSurfaces as string[];
      }
      const access = workspaceAccessField(body);
      if (access !== undefined) patch.workspaceAccess = access;
      return { apiKey: await auth.updateApiKey(id, patch) };
    }),
  );

  app.delete(
    `${prefix}/api-keys/:id`,
    route(async ({ subject, param }) => {
      assertAdmin(subject);
      await auth.deleteApiKey(keyId(param('id')));
      return jsonResponse(204, null);
    }),
  );
}
