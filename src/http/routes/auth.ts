import type { H3 } from 'h3';
import { TroupeError } from '../../core/index.ts';
import { apiRoute } from '../api-route.ts';
import type { ApiDeps } from '../api-route.ts';
import { jsonResponse } from '../error-response.ts';
import { field, readJsonBody } from '../read-json-body.ts';

/** Login (builtin mode), logout and whoami. */
export function registerAuthRoutes(app: H3, prefix: string, deps: ApiDeps): void {
  const { auth, config } = deps;

  app.post(
    `${prefix}/auth/login`,
    apiRoute(
      deps,
      async ({ event, op }) => {
        const body = await readJsonBody(event.req, config.maxBodyBytes);
        const username = field.string(body, 'username', { required: true, max: 64 })!;
        const password = field.string(body, 'password', { required: true, max: 1024 })!;
        const result = await auth.login(username, password, op.ipAddress ? { ipAddress: op.ipAddress } : {});
        return { token: result.token, expiresAt: result.expiresAt, user: result.user };
      },
      { public: true },
    ),
  );

  app.post(
    `${prefix}/auth/logout`,
    apiRoute(deps, async ({ event, op }) => {
      if (op.credential?.type !== 'session') throw new TroupeError('INVALID_INPUT', 'logout applies to session tokens only');
      const token = (event.req.headers.get('authorization') ?? '').replace(/^bearer\s+/i, '').trim();
      await auth.logout(token);
      return jsonResponse(204, null);
    }),
  );

  const whoami = apiRoute(deps, ({ op, subject }) => {
    const credential = op.credential ?? { type: 'none' };
    return {
      user: { id: subject.userId, username: subject.username, role: subject.role, ...(subject.workspaceAccess ? { workspaceAccess: subject.workspaceAccess } : {}) },
      credential: { type: credential.type, ...(credential.id ? { id: credential.id } : {}), ...(credential.name ? { name: credential.name } : {}) },
    };
  });
  app.get(`${prefix}/auth/me`, whoami);
  app.get(`${prefix}/auth/whoami`, whoami);
}
