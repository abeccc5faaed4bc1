import { createMemoryLogger } from '../../src/core/index.ts';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine } from '../../src/engine.ts';
import type { Engine } from '../../src/engine.ts';
import { createAuthService } from '../../src/auth/index.ts';
import type { AuthService } from '../../src/auth/index.ts';
import { createHttpApp, startHttpServer } from '../../src/http/index.ts';
import { defaultConfig } from '../../src/config.ts';
import type { TroupeConfig } from '../../src/config.ts';
import type { AuditTrail } from '../../src/audit/types.ts';
import type { H3 } from 'h3';
import { createLevelAuthStore } from '../../src/store/level-auth-store.ts';

export interface TestServer {
  /** Server origin, e.g. http://127.0.0.1:40123 */
  origin: string;
  /** `{origin}{basePath}/api/v1` */
  api: string;
  config: TroupeConfig;
  engine: Engine;
  audit: AuditTrail;
  auth: AuthService;
  app: H3;
  /** When true, `assertWritable` rejects as a fail_closed trail with a broken store would. */
  breakAudit(broken: boolean): void;
  writeDag(name: string, yaml: string): void;
  /** fetch relative to `api`, JSON body when given. */
  call(method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<Response>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  mode?: TroupeConfig['auth']['mode'];
  basePath?: string;
  configure?: (config: TroupeConfig) => void;
  localToken?: string;
  mcp?: (req: Request) => Promise<Response>;
  /** Reuse this directory (data and DAGs), and leave it on close: a restart on the same data. */
  dir?: string;
}

/**
 * The whole stack on a real port: engine (LevelDB, real audit trail, runtime) in a temp dir,
 * the auth service, the h3 app and node:http on 127.0.0.1:0.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'troupe-http-'));
  const config = defaultConfig(dir);
  config.dataDir = join(dir, 'data');
  config.dagsDir = join(dir, 'dags');
  config.port = 0;
  config.auth.mode = options.mode ?? 'builtin';
  config.auth.basic = { username: 'ops', password: 'basic-pass-123' };
  config.basePath = options.basePath ?? '';
  config.engine.killGraceMs = 500;
  options.configure?.(config);
  mkdirSync(config.dagsDir, { recursive: true });
  const engine = await openEngine(config, { logger: createMemoryLogger(), launcher: 'direct' });
  let broken = false;
  const real = engine.audit;
  const audit: AuditTrail = Object.create(real, {
    assertWritable: { value: () => (broken ? Promise.reject(Object.assign(new Error('audit store is not writable'), { name: 'TroupeError', code: 'AUDIT_UNAVAILABLE', details: {} })) : real.assertWritable()) },
  });
  const auth = await createAuthService({ store: createLevelAuthStore(engine.db), config, audit, ...(options.localToken ? { localToken: options.localToken } : {}) });
  const app = createHttpApp({ config, runtime: engine.runtime, audit, auth, ...(options.mcp ? { mcp: options.mcp } : {}) });
  const server = await startHttpServer(app, { host: '127.0.0.1', port: 0 });
  const api = `${server.url}${config.basePath}/api/v1`;
  return {
    origin: server.url,
    api,
    config,
    engine,
    audit,
    auth,
    app,
    breakAudit: (b) => void (broken = b),
    writeDag: (name, yaml) => writeFileSync(join(config.dagsDir, `${name}.yaml`), yaml),
    call(method, path, o = {}) {
      const headers: Record<string, string> = { ...o.headers };
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      let body: string | undefined;
      if (o.body !== undefined) {
        headers['content-type'] ??= 'application/json';
        body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
      }
      return fetch(`${api}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    },
    async close() {
      await server.close();
      await engine.close();
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A DAG that finishes at once. */
export const QUICK_DAG = (label = '') => `${label ? `labels: [${label}]\n` : ''}steps:\n  - name: hello\n    run: echo hello\n`;
/** A DAG that runs until stopped. */
export const SLOW_DAG = `steps:\n  - name: wait\n    run: sleep 30\n`;
