import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createAuthService } from './auth/index.ts';
import type { TroupeConfig } from './config.ts';
import { createLogger } from './core/index.ts';
import { openEngine } from './engine.ts';
import type { Engine, EngineOptions } from './engine.ts';
import { createHttpApp, createStreamUpgrade, startHttpServer } from './http/index.ts';
import { auditTopic, createStreamService, runtimeTopics } from './streams/index.ts';
import type { StreamService } from './streams/index.ts';
import type { AuthService } from './auth/index.ts';
import { createMcpHandler } from './mcp/index.ts';
import { removeServerFile, writeServerFile } from './cli/server-file.ts';
import { createLevelAuthStore } from './store/level-auth-store.ts';
import { openConfiguredExecutor } from './workers/open-executor.ts';
import type { startStatelyRelay } from './visualizer/stately-relay.ts';
import { seedExamples } from './store/examples.ts';
import { createLevelSchedulerStore } from './store/level-scheduler-store.ts';
import { createLevelTaskStore } from './store/level-task-store.ts';
import { createScheduler } from './scheduler/scheduler.ts';
import type { Scheduler } from './scheduler/scheduler.ts';
import { scheduleTimezone } from './engine.ts';

export { seedExamples };

/** A running Troupe: the engine plus one HTTP server for REST and /mcp. */
export interface Troupe {
  engine: Engine;
  auth: AuthService;
  /** The live streams (SSE and WebSocket). */
  streams: StreamService;
  /** Fires schedules while the server listens (absent when `scheduler.enabled` is false). */
  scheduler?: Scheduler;
  /** Starts listening; resolves with the base URL (including the base path). */
  listen(): Promise<{ url: string; port: number }>;
  /** Graceful stop: stop accepting, close MCP sessions and streams, flush audit, close the store. */
  close(): Promise<void>;
}

/**
 * Composes Troupe from a config: engine (store, audit, runtime), auth, the MCP handler and the
 * HTTP app. Nothing listens until `listen()`.
 *
 * @example
 * const troupe = await createTroupe(defaultConfig());
 * const { url } = await troupe.listen();
 */
export async function createTroupe(config: TroupeConfig, options: EngineOptions & { seedExamples?: boolean } = {}): Promise<Troupe> {
  if (options.seedExamples) seedExamples(config.dagsDir);
  else mkdirSync(config.dagsDir, { recursive: true });
  const { seedExamples: _seed, ...engineOptions } = options;
  const logger = options.logger ?? createLogger();
  // Before the store: a server whose executor cannot reach Redis refuses to start. The engine
  // does not close an executor it was given: this function does, after the engine.
  const executor = engineOptions.executor ?? (await openConfiguredExecutor(config, logger.child({ component: 'bullmq-executor' })));
  const ownExecutor = engineOptions.executor === undefined ? (executor as Awaited<ReturnType<typeof openConfiguredExecutor>>) : undefined;
  let engine: Engine;
  try {
    engine = await openEngine(config, { ...engineOptions, ...(executor ? { executor } : {}) });
  } catch (error) {
    await ownExecutor?.close();
    throw error;
  }
  // The CLI's credential for a running server: random per start, in a 0600 file.
  const localToken = randomBytes(32).toString('base64url');
  let server: Awaited<ReturnType<typeof startHttpServer>> | undefined;
  let mcp: ReturnType<typeof createMcpHandler> | undefined;
  let relay: ReturnType<typeof startStatelyRelay> | undefined;
  try {
    const auth = await createAuthService({ store: createLevelAuthStore(engine.db), config, localToken });
    mcp = createMcpHandler({ runtime: engine.runtime, audit: engine.audit, config, logger: logger.child({ component: 'mcp' }), taskStore: createLevelTaskStore(engine.db), ...(options.clock ? { clock: options.clock } : {}) });
    const handler = mcp;
    // `--inspect ws://…`: the visualizer's transitions also go to a Stately inspector relay.
    // Loaded only when asked for: @statelyai/inspect and its WebSocket client stay out of every other start.
    if (config.visualizer.inspectUrl) relay = (await import('./visualizer/stately-relay.ts')).startStatelyRelay({ runtime: engine.runtime, url: config.visualizer.inspectUrl });
    const live = runtimeTopics(engine.runtime, { capacity: config.streams.replayCapacity });
    const s = config.streams;
    const streams = createStreamService({
      topics: [auditTopic(engine.audit), live.runs, live.actors],
      audit: engine.audit,
      limits: {
        maxBufferBytes: s.maxBufferBytes,
        maxBufferMessages: s.maxBufferMessages,
        maxSubscriptionsPerConnection: s.maxSubscriptionsPerConnection,
        maxConnectionsPerCredential: s.maxConnectionsPerCredential,
        heartbeatMs: s.heartbeatSec * 1000,
      },
    });
    const deps = { config, runtime: engine.runtime, audit: engine.audit, auth, streams };
    const app = createHttpApp({ ...deps, mcp: (req) => handler.handle(req), ...(ownExecutor ? { workers: ownExecutor } : {}) });
    const onUpgrade = createStreamUpgrade(deps);
    let closing: Promise<void> | undefined;
    const tz = scheduleTimezone(config);
    const scheduler = config.scheduler.enabled
      ? createScheduler({ runtime: engine.runtime, state: createLevelSchedulerStore(engine.db), logger, ...(options.clock ? { clock: options.clock } : {}), ...(tz ? { timezone: tz } : {}) })
      : undefined;
    return {
      engine,
      auth,
      streams,
      ...(scheduler ? { scheduler } : {}),
      async listen() {
        server = await startHttpServer(app, { host: config.host, port: config.port, onUpgrade });
        const url = `${server.url.replace(/\/$/, '')}${config.basePath}`;
        writeServerFile(config.dataDir, { pid: process.pid, url, token: localToken });
        // Schedules fire while the server serves.
        await scheduler?.start();
        return { url, port: server.port };
      },
      close() {
        closing ??= (async () => {
          removeServerFile(config.dataDir);
          await scheduler?.close().catch((error: unknown) => logger.warn('close: the scheduler did not close cleanly', { error }));
          relay?.stop();
          await handler.close().catch((error: unknown) => logger.warn('close: the MCP handler did not close cleanly', { error }));
          streams.close();
          live.close();
          await server?.close().catch((error: unknown) => logger.warn('close: the HTTP server did not close cleanly', { error }));
          await engine.close();
          await ownExecutor?.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    relay?.stop();
    await mcp?.close().catch((e: unknown) => logger.warn('start-up failed; the MCP handler did not close cleanly', { error: e }));
    await engine.close().catch((e: unknown) => logger.warn('start-up failed; the engine did not close cleanly', { error: e }));
    await ownExecutor?.close().catch((e: unknown) => logger.warn('start-up failed; the executor did not close cleanly', { error: e }));
    throw error;
  }
}
