/**
 * The platform in one object: database (migrated), API key, connectors, HTTP server (events,
 * instances, tRPC, designer) and an in-process worker. `cli.ts start` is a thin shell around it;
 * e2e tests and benchmarks create one directly.
 * @module
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fastifyTRPCPlugin, type FastifyTRPCPluginOptions } from '@trpc/server/adapters/fastify';
import {
  ConnectorRegistry,
  ediX12Connector,
  erpSandboxConnector,
  tmsSandboxConnector,
  wmsSandboxConnector,
} from '@waybill/connectors-sdk';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { ensureApiKey } from './api/api-keys.ts';
import { createHttpApp, type TrustProxy } from './api/app.ts';
import type { AppRouter } from './api/routers/_app.ts';
import { appRouter } from './api/routers/_app.ts';
import type { RateLimitConfig } from './api/rate-limit.ts';
import type { TrpcContext } from './api/trpc.ts';
import { createConnectorService, type ConnectorService } from './connectors/connector-service.ts';
import { connect, defaultDataDir, type Connection } from './db/connect.ts';
import { migrateToLatest } from './db/migrate.ts';
import { serverWarnings } from './db/server-check.ts';
import type { Database } from './db/schema.ts';
import { deployFlow } from './engine/flows.ts';
import { ensureAdmin, type AdminBootstrap } from './identity/bootstrap.ts';
import { requestAuth } from './identity/http.ts';
import { MachineCache } from './engine/machines.ts';
import { Worker } from './engine/worker.ts';
import type { NotificationChannel } from './notifications/channel.ts';
import { channelsFromEnv } from './notifications/config.ts';
import { Notifier } from './notifications/notifier.ts';
import { createLogger, type Logger } from './log.ts';

const here = dirname(fileURLToPath(import.meta.url));

/** The runtime package's version (from its package.json). */
export const RUNTIME_VERSION: string = readVersion();

function readVersion(): string {
  try {
    const parsed: unknown = JSON.parse(readFileSync(join(here, '..', 'package.json'), 'utf8'));
    if (
      parsed &&
      typeof parsed === 'object' &&
      'version' in parsed &&
      typeof parsed.version === 'string'
    ) {
      return parsed.version;
    }
  } catch {
    // fall through
  }
  return '0.0.0';
}

/** Where the designer's production build is, relative to this package. */
/** The designer's production build: `WAYBILL_DESIGNER_DIR`, else `packages/designer/dist`. */
export const DEFAULT_DESIGNER_DIR =
  process.env.WAYBILL_DESIGNER_DIR ?? resolve(here, '..', '..', 'designer', 'dist');

export interface PlatformOptions {
  /** Use this connection (tests); otherwise one is opened from `databaseUrl` / `dataDir`. */
  connection?: Connection;
  databaseUrl?: string | undefined;
  /** Waybill's data directory (default `WAYBILL_DATA_DIR` or `./.waybill`). */
  dataDir?: string | undefined;
  /** Connectors the flows may call (default: the ERP, WMS, TMS sandboxes and EDI X12). */
  registry?: ConnectorRegistry;
  /** Config per connector id (base URLs, credentials): stored, secrets encrypted, at start. */
  connectorConfigs?: Record<string, Record<string, unknown>>;
  /** Inbound triggers to enable per connector id, stored with `connectorConfigs`. */
  connectorTriggers?: Record<string, readonly string[]>;
  logger?: Logger;
  /** Start the in-process worker (default true). */
  worker?: boolean;
  pollIntervalMs?: number;
  /** Bootstrap API key (default `WAYBILL_API_KEY`, else saved in / created under the data dir). */
  apiKey?: string | undefined;
  /** The designer's build directory (default `packages/designer/dist`); null serves no UI. */
  designerDir?: string | null;
  maxEventBytes?: number;
  /** Largest body of other requests (default `WAYBILL_MAX_BODY_BYTES` or 4 MiB). */
  maxBodyBytes?: number;
  /** Per-key rate limit of the external API (default from `WAYBILL_RATE_LIMIT`, `WAYBILL_RATE_LIMIT_BURST`). */
  rateLimit?: RateLimitConfig;
  /** Failed sign-ins per client address (default from `WAYBILL_SIGN_IN_FAILURES`, `WAYBILL_SIGN_IN_FAILURE_INTERVAL`). */
  signInThrottle?: RateLimitConfig;
  /** Proxies whose `X-Forwarded-For` names the client (default from `WAYBILL_TRUST_PROXY`). */
  trustProxy?: TrustProxy;
  /** Password of the first administrator (default `WAYBILL_ADMIN_PASSWORD`, else saved in / created under the data dir). */
  adminPassword?: string | undefined;
  /** Where task notifications go (default: from `WAYBILL_SMTP_URL` and `WAYBILL_WEBHOOK_URL`). */
  notificationChannels?: readonly NotificationChannel[];
}

export interface Platform {
  connection: Connection;
  db: Kysely<Database>;
  app: FastifyInstance;
  worker: Worker;
  /** SLA reminders and task notifications (runs with the worker). */
  notifier: Notifier;
  registry: ConnectorRegistry;
  /** Decrypted config per connector id, as the worker uses it. */
  connectorConfigs: Record<string, Record<string, unknown>>;
  /** Stored connector configs (secrets encrypted) and the inbound triggers that run. */
  connectors: ConnectorService;
  /** The bootstrap API key and where it came from. */
  apiKey: { key: string; source: 'env' | 'file' | 'created'; file: string | null };
  /** The first administrator (created on the first start) and how its password is known. */
  admin: AdminBootstrap;
  version: string;
  logger: Logger;
  /** Publishes a flow definition (template deployment); unchanged content publishes nothing. */
  deploy(
    definition: unknown,
    options?: { note?: string; publishedBy?: string },
  ): Promise<{ key: string; version: number; unchanged: boolean }>;
  /** Starts the HTTP server; resolves to its base URL. */
  listen(options?: { port?: number; host?: string }): Promise<string>;
  /** Stops the worker (finishing its round), the server and the database, in that order. */
  close(): Promise<void>;
}

/**
 * Creates the platform: connects, migrates, ensures the API key, builds the HTTP app and
 * starts the worker.
 *
 * ```ts
 * const platform = await createPlatform({ dataDir: 'memory://', connectorConfigs: { 'waybill.erp-sandbox': { baseUrl, apiKey } } });
 * const url = await platform.listen({ port: 0 });
 * // POST `${url}/api/v1/events` with `Authorization: Bearer ${platform.apiKey.key}`
 * await platform.close();
 * ```
 */
export async function createPlatform(options: PlatformOptions = {}): Promise<Platform> {
  const logger = options.logger ?? createLogger();
  const ownsConnection = !options.connection;
  const dataDir = options.dataDir ?? defaultDataDir();
  const connection =
    options.connection ??
    (await connect({ databaseUrl: options.databaseUrl ?? process.env.DATABASE_URL, dataDir }));
  await migrateToLatest(connection.db);
  if (connection.kind === 'postgres')
    for (const w of await serverWarnings(connection.db))
      logger.warn(w.message, { setting: w.setting, value: w.value });
  const keyDir = connection.kind === 'pglite' && dataDir.startsWith('memory://') ? null : dataDir;
  const apiKey = await ensureApiKey(connection.db, { dataDir: keyDir, envKey: options.apiKey });
  const admin = await ensureAdmin(connection.db, {
    dataDir: keyDir,
    envPassword: options.adminPassword,
  });
  const registry =
    options.registry ??
    new ConnectorRegistry([
      erpSandboxConnector,
      wmsSandboxConnector,
      tmsSandboxConnector,
      ediX12Connector,
    ]);
  const connectors = await createConnectorService({
    db: connection.db,
    registry,
    logger,
    // A connection handed in without a data dir (tests, benchmarks) gets a key for this process.
    keyDir: options.connection && options.dataDir === undefined ? null : keyDir,
    seed: options.connectorConfigs ?? {},
    ...(options.connectorTriggers ? { seedTriggers: options.connectorTriggers } : {}),
  });
  const connectorConfigs = connectors.configs;
  const machines = new MachineCache();
  const worker = new Worker({
    connection,
    connectors: { registry, configs: connectorConfigs },
    logger,
    machines,
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
  });
  const context: TrpcContext = {
    db: connection.db,
    databaseKind: connection.kind,
    version: RUNTIME_VERSION,
    registry,
    connectors,
    actor: 'anonymous',
    principal: null,
    csrfOk: false,
  };
  const app = await createHttpApp({
    connection,
    logger,
    version: RUNTIME_VERSION,
    maxEventBytes: options.maxEventBytes,
    maxBodyBytes: options.maxBodyBytes,
    rateLimit: options.rateLimit,
    signInThrottle: options.signInThrottle,
    trustProxy: options.trustProxy,
    designerDir: options.designerDir === undefined ? DEFAULT_DESIGNER_DIR : options.designerDir,
    plugins: [
      (fastify) => connectors.triggers.mountRoutes(fastify),
      async (fastify) => {
        await fastify.register(fastifyTRPCPlugin, {
          prefix: '/trpc',
          trpcOptions: {
            router: appRouter,
            // Each request acts as its session's user (or as nobody: procedures then refuse).
            createContext: async ({ req }): Promise<TrpcContext> => {
              const { session, csrfOk } = await requestAuth(connection.db, req);
              if (!session) return context;
              const principal = session.principal;
              return { ...context, principal, csrfOk, actor: principal.username };
            },
            // Queries whose input is a whole definition (flows.validate) come as POST: in a URL
            // a large flow exceeds the header limit.
            allowMethodOverride: true,
            onError: ({ error, path }) => {
              if (error.code === 'INTERNAL_SERVER_ERROR')
                logger.error('tRPC error', { path, err: error });
            },
          } satisfies FastifyTRPCPluginOptions<AppRouter>['trpcOptions'],
        });
      },
    ],
  });
  const notifier = new Notifier({
    db: connection.db,
    channels: options.notificationChannels ?? channelsFromEnv(),
    logger,
  });
  if (options.worker ?? true) {
    worker.start();
    notifier.start();
  }
  let closed = false;
  return {
    connection,
    db: connection.db,
    app,
    worker,
    notifier,
    registry,
    connectorConfigs,
    connectors,
    apiKey,
    admin,
    version: RUNTIME_VERSION,
    logger,
    deploy: (definition, deployOptions = {}) =>
      deployFlow(connection.db, definition, {
        note: deployOptions.note ?? null,
        publishedBy: deployOptions.publishedBy ?? 'system',
        catalogue: registry.catalogue(),
      }),
    async listen(listenOptions = {}) {
      const url = await app.listen({
        port: listenOptions.port ?? 3000,
        host: listenOptions.host ?? '0.0.0.0',
      });
      // Webhook triggers subscribe with this URL, so they start once the server listens.
      await connectors.startTriggers(
        process.env.WAYBILL_PUBLIC_URL ?? `http://127.0.0.1:${new URL(url).port}`,
      );
      return url;
    },
    async close() {
      if (closed) return;
      closed = true;
      await connectors.stop();
      await notifier.stop();
      await worker.stop();
      await app.close();
      if (ownsConnection) await connection.close();
    },
  };
}
