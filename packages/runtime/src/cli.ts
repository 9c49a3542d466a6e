#!/usr/bin/env node
/**
 * `waybill <command>`: start the platform, run a worker, migrate, validate or compile a flow.
 * Run from the repo root as `pnpm waybill <command>` (or `node packages/runtime/src/cli.ts`).
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  ERP_SIMULATOR_API_KEY,
  startErpSimulator,
  type ErpSimulator,
} from '@waybill/connectors-sdk/simulators';
import { ediParseCommand } from '@waybill/connectors-sdk/edi';
import {
  compileToConfig,
  importBpmn,
  flowDefinitionSchema,
  hasErrors,
  validate,
} from '@waybill/shared';
import {
  ApiKeyError,
  ApiScopes,
  isApiScope,
  createApiKey,
  listApiKeys,
  revokeApiKeyById,
} from './api/api-keys.ts';
import { startWorkerHealthServer } from './api/worker-health.ts';
import {
  createConnectorService,
  defaultConnectorRegistry,
} from './connectors/connector-service.ts';
import {
  backupDataDir,
  backupPostgres,
  isBackupError,
  restoreDataDir,
  restorePostgres,
} from './db/backup.ts';
import { connect, defaultDataDir, type Connection } from './db/connect.ts';
import { migrateToLatest } from './db/migrate.ts';
import { serverWarnings } from './db/server-check.ts';
import { startDemoSystems, startDemoTraffic } from './demo-traffic.ts';
import { Worker } from './engine/worker.ts';
import { createLogger, type Logger } from './log.ts';
import { createPlatform, RUNTIME_VERSION } from './platform.ts';
import { DEMO_PASSWORD, DEMO_USERS, seedDemoUsers } from './identity/bootstrap.ts';
import { isRuntimeError } from './engine/runtime.error.ts';
import { listTemplates, loadTemplate, withParameters } from './templates.ts';
import { DemoUsageError, demoUsage, runDemoCommand } from './demo/demo.command.ts';
import { runTriageCommand, triageUsage } from './triage/index.ts';
import { isTriageError } from './triage/triage.error.ts';

const here = dirname(fileURLToPath(import.meta.url));

const usage = `Usage: waybill <command>

  start [--demo] [--port N]   start the platform (HTTP API, designer, worker)
  worker [--health-port N]    run a worker against DATABASE_URL (health: GET /healthz, /metrics)
  migrate                     bring the database schema up to date
  backup <file>               back up the database (embedded: stop the platform first;
                              Postgres: pg_dump -Fc of DATABASE_URL, workers may run)
  restore <file>              restore a backup into an empty WAYBILL_DATA_DIR or DATABASE_URL
  validate <flow.json>        print the problems of a flow definition (exit 1 on errors)
  compile <flow.json>         print the XState machine config of a flow as JSON
  keys create --name N [--scope S]…
                              create an API key (scopes: events:write, instances:read,
                              incidents:write, admin; default events:write + instances:read)
  keys list [--all]           list API keys (id, prefix, name, scopes; --all: revoked too)
  keys revoke <id>            revoke an API key (requests with it get 401)
  import bpmn <file.bpmn>     print a flow definition made from a BPMN 2.0 diagram (report on stderr)
  edi parse <file>            print an X12 interchange as JSON (errors name the segment position)
  templates list              list the shipped templates and their parameters
  templates deploy <name> [--unit U] [--param k=v]…
                              publish a template (for a business unit: flow key <name>-<unit>)
  triage train|evaluate|generate|models
                              train and evaluate the exception classifier (see waybill triage help)
  demo month [--invoices N] [--no-process]
                              run a distributor's month of events through ingestion and a worker

Environment: PORT, DATABASE_URL, WAYBILL_DATA_DIR, WAYBILL_MIN_FREE_DISK_MB, WAYBILL_API_KEY,
WAYBILL_ERP_URL, WAYBILL_ERP_API_KEY, WAYBILL_MAX_EVENT_BYTES, WAYBILL_MAX_BODY_BYTES,
WAYBILL_RATE_LIMIT, WAYBILL_RATE_LIMIT_BURST, WAYBILL_HEALTH_PORT, WAYBILL_SHUTDOWN_TIMEOUT_MS,
WAYBILL_LOG_LEVEL, WAYBILL_POOL_SIZE, WAYBILL_POLL_MS, WAYBILL_EFFECT_LEASE_MS,
WAYBILL_EFFECT_LEASE_GRACE_MS, WAYBILL_SECRET_KEY, WAYBILL_SECRET_KEY_PREVIOUS, WAYBILL_PUBLIC_URL
(see docs/operations.md; connector secrets and triggers: docs/connectors.md)`;

function out(text: string): void {
  process.stdout.write(text + '\n');
}
function fail(text: string): never {
  process.stderr.write(text + '\n');
  process.exit(1);
}

function readJson(file: string | undefined): unknown {
  if (!file) fail('Give the path of a flow.json.');
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    fail(`Cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

const catalogue = () => defaultConnectorRegistry().catalogue();

function validateCommand(file: string | undefined): void {
  const problems = validate(readJson(file), { connectors: catalogue() });
  for (const p of problems) {
    const where = [
      p.nodeId ? `node ${p.nodeId}` : 'flow',
      p.edgeId ? `edge ${p.edgeId}` : null,
      p.field || null,
    ]
      .filter(Boolean)
      .join(' › ');
    out(`${p.severity.padEnd(7)} ${p.code.padEnd(28)} ${where}: ${p.message}`);
  }
  const errors = problems.filter((p) => p.severity === 'error').length;
  out(
    problems.length === 0
      ? `${file}: no problems`
      : `${file}: ${errors} error(s), ${problems.length - errors} warning(s)`,
  );
  if (hasErrors(problems)) process.exit(1);
}

function compileCommand(file: string | undefined): void {
  const json = readJson(file);
  const parsed = flowDefinitionSchema.safeParse(json);
  if (!parsed.success) {
    validateCommand(file);
    process.exit(1);
  }
  out(JSON.stringify(compileToConfig(parsed.data), null, 2));
}

async function migrateCommand(): Promise<void> {
  const connection = await connect({ databaseUrl: process.env.DATABASE_URL });
  try {
    const applied = await migrateToLatest(connection.db);
    out(applied.length === 0 ? 'Database is up to date.' : `Applied: ${applied.join(', ')}`);
  } finally {
    await connection.close();
  }
}

function erpConfigFromEnv(): Record<string, unknown> | null {
  const baseUrl = process.env.WAYBILL_ERP_URL;
  return baseUrl
    ? { baseUrl, apiKey: process.env.WAYBILL_ERP_API_KEY ?? ERP_SIMULATOR_API_KEY }
    : null;
}

/** How long a graceful shutdown may take before the process gives up (`WAYBILL_SHUTDOWN_TIMEOUT_MS`). */
function shutdownGraceMs(): number {
  const value = Number(process.env.WAYBILL_SHUTDOWN_TIMEOUT_MS);
  return Number.isInteger(value) && value > 0 ? value : 30_000;
}

/**
 * On SIGTERM or SIGINT: run `stop` (which finishes in-flight work) and exit 0. A second signal,
 * or a stop that outlives the grace period, exits 1 at once; work still in flight then is safe
 * to abandon (connector calls hold a lease and are retried elsewhere with the same idempotency
 * key; uncommitted transitions roll back).
 */
function onShutdown(stop: () => Promise<void>, logger: Logger): void {
  let stopping = false;
  const handler = (signal: string): void => {
    if (stopping) {
      logger.warn('second signal: exiting without finishing in-flight work', { signal });
      process.exit(1);
    }
    stopping = true;
    const graceMs = shutdownGraceMs();
    logger.info('shutting down: finishing in-flight work', { signal, graceMs });
    const timer = setTimeout(() => {
      logger.error('shutdown took longer than the grace period; exiting', { graceMs });
      process.exit(1);
    }, graceMs);
    stop().then(
      () => {
        clearTimeout(timer);
        logger.info('shut down cleanly', { signal });
        process.exit(0);
      },
      (error: unknown) => {
        logger.error('shutdown failed', { err: error });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => handler('SIGINT'));
  process.on('SIGTERM', () => handler('SIGTERM'));
}

function processFields(role: string): Record<string, unknown> {
  return { role, pid: process.pid, host: hostname() };
}

/** A positive integer from the environment, or undefined when unset. */
function integerEnv(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0)
    fail(`${name} must be a positive integer, not ${text}.`);
  return value;
}

/** The database may be starting or restarting (containers start together): keep trying. */
async function connectWithRetry(
  databaseUrl: string,
  poolSize: number | undefined,
  logger: Logger,
): Promise<Connection> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await connect({ databaseUrl, poolSize });
    } catch (error) {
      const retryInMs = Math.min(5_000, 100 * 2 ** attempt);
      logger.warn('database not reachable; retrying', { err: error, attempt, retryInMs });
      await new Promise((resolve) => setTimeout(resolve, retryInMs));
    }
  }
}

/**
 * `waybill worker`: the one worker process, in production and in the crash tests and the
 * benchmark (which kill and restart it).
 */
async function workerCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { 'health-port': { type: 'string' }, 'health-host': { type: 'string' } },
  });
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl)
    fail('The worker needs DATABASE_URL (the embedded database belongs to `waybill start`).');
  const healthPortText = values['health-port'] ?? process.env.WAYBILL_HEALTH_PORT;
  const healthPort = healthPortText === undefined ? null : Number(healthPortText);
  if (
    healthPort !== null &&
    (!Number.isInteger(healthPort) || healthPort < 0 || healthPort > 65535)
  )
    fail(`Invalid health port ${String(healthPortText)}.`);
  const logger = createLogger({ base: processFields('worker') });
  const connection = await connectWithRetry(databaseUrl, integerEnv('WAYBILL_POOL_SIZE'), logger);
  await migrateToLatest(connection.db);
  for (const w of await serverWarnings(connection.db))
    logger.warn(w.message, { setting: w.setting, value: w.value });
  const erp = erpConfigFromEnv();
  // Connector configs come from the database (secrets decrypted with WAYBILL_SECRET_KEY) and are
  // re-read every 30 s, so a config saved in the designer reaches every worker.
  const registry = defaultConnectorRegistry();
  const connectors = await createConnectorService({
    db: connection.db,
    registry,
    logger,
    keyDir: defaultDataDir(),
    seed: erp ? { 'waybill.erp-sandbox': erp } : {},
  });
  const refresh = setInterval(() => {
    connectors.refresh().catch((error: unknown) => {
      logger.error('connector configs could not be re-read', { err: error });
    });
  }, 30_000);
  refresh.unref();
  const worker = new Worker({
    connection,
    connectors: { registry, configs: connectors.configs },
    logger,
    pollIntervalMs: integerEnv('WAYBILL_POLL_MS'),
    effectLeaseMs: integerEnv('WAYBILL_EFFECT_LEASE_MS'),
    effectLeaseGraceMs: integerEnv('WAYBILL_EFFECT_LEASE_GRACE_MS'),
  });
  const health =
    healthPort === null
      ? null
      : await startWorkerHealthServer({
          connection,
          port: healthPort,
          host: values['health-host'] ?? '0.0.0.0',
          version: RUNTIME_VERSION,
        });
  worker.start();
  logger.info('worker started', {
    version: RUNTIME_VERSION,
    ...(health ? { healthPort: health.port } : {}),
  });
  onShutdown(async () => {
    // Tell the orchestrator first, then let the current round (and its connector calls) finish.
    health?.markStopping();
    clearInterval(refresh);
    await worker.stop();
    await connection.close();
    await health?.close();
    logger.info('worker stopped', { peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) });
  }, logger);
}

async function startCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      demo: { type: 'boolean', default: false },
      port: { type: 'string' },
      host: { type: 'string' },
    },
  });
  const port = Number(values.port ?? process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    fail(`Invalid port ${String(values.port)}.`);
  const logger = createLogger({ base: processFields('platform') });
  const dataDir = defaultDataDir();
  const databaseUrl = process.env.DATABASE_URL;

  let erp: ErpSimulator | null = null;
  let erpConfig = erpConfigFromEnv();
  if (values.demo || !erpConfig) {
    erp = await startErpSimulator({
      ...(databaseUrl || dataDir.startsWith('memory://')
        ? {}
        : { dataFile: resolve(dataDir, 'erp-simulator.json') }),
    });
    erpConfig = { baseUrl: erp.url, apiKey: ERP_SIMULATOR_API_KEY };
  }
  // The demo also runs a WMS and a TMS simulator and an EDI drop folder, read by triggers.
  const systems = values.demo
    ? await startDemoSystems({
        ediFolder: dataDir.startsWith('memory://')
          ? resolve(tmpdir(), 'waybill-demo-edi')
          : resolve(dataDir, 'edi'),
      })
    : null;
  const platform = await createPlatform({
    databaseUrl,
    dataDir,
    logger,
    connectorConfigs: { 'waybill.erp-sandbox': erpConfig, ...systems?.configs },
    ...(systems ? { connectorTriggers: systems.triggers } : {}),
  });

  if (values.demo) await deployDemoTemplate(platform);
  // The demo's users: a process owner, an operator and two approvers per approver role.
  if (values.demo) await seedDemoUsers(platform.db);
  const admin = platform.admin;
  const url = await platform.listen({ port, host: values.host ?? '0.0.0.0' });
  const localUrl = `http://localhost:${new URL(url).port}`;
  const traffic = values.demo
    ? startDemoTraffic({
        baseUrl: `http://127.0.0.1:${new URL(url).port}`,
        apiKey: platform.apiKey.key,
        logger,
        ...(systems ? { systems } : {}),
      })
    : null;

  const designer = existsSync(resolve(here, '..', '..', 'designer', 'dist', 'index.html'));
  const key = platform.apiKey;
  out(
    [
      '',
      `  Waybill ${RUNTIME_VERSION} is running`,
      '',
      `  Designer   ${designer ? localUrl + '/' : '(not built: pnpm --filter @waybill/designer build)'}`,
      `  API        ${localUrl}/api/v1  (OpenAPI: ${localUrl}/api/v1/openapi.json)`,
      `  Health     ${localUrl}/healthz`,
      `  Database   ${platform.connection.kind}${platform.connection.dataDir ? ` (${platform.connection.dataDir})` : ''}`,
      `  API key    ${key.key}${key.file ? `  (saved in ${key.file})` : key.source === 'env' ? '  (from WAYBILL_API_KEY)' : ''}`,
      `  ERP        ${erp ? `simulator at ${erp.url}` : String(erpConfig.baseUrl)}`,
      systems
        ? `  WMS        simulator at ${systems.wms.url} (pushes shipments to a webhook trigger)`
        : '',
      systems
        ? `  TMS        simulator at ${systems.tms.url} (PODs read by a polling trigger)`
        : '',
      systems ? `  EDI        drop X12 files (850, 856, 820) in ${systems.ediInbound}` : '',
      values.demo ? '  Demo       posting sample events every second or two' : '',
      '',
      `  Sign in    ${admin.username} / ${admin.password ?? '(password as first printed; reset with WAYBILL_ADMIN_PASSWORD on a new data dir)'}${admin.file ? `  (saved in ${admin.file})` : admin.source === 'env' ? '  (from WAYBILL_ADMIN_PASSWORD)' : ''}`,
      values.demo
        ? `  Demo users ${DEMO_USERS.map((u) => u.username).join(', ')}\n             password for each: ${DEMO_PASSWORD}  (demo only)`
        : '',
      '',
      '  Try:',
      `    curl -X POST ${localUrl}/api/v1/events \\`,
      `      -H 'Authorization: Bearer ${key.key}' -H 'Idempotency-Key: demo-1' \\`,
      `      -H 'Content-Type: application/json' \\`,
      `      -d '{"type":"order.released","correlationKey":"SO-1","payload":{"orderNumber":"SO-1","customerId":"C-100","currency":"USD","lines":[{"sku":"BOX-2020","quantity":10,"unitPrice":2.35}]}}'`,
      '',
    ]
      .filter((line, i, all) => line !== '' || all[i - 1] !== '')
      .join('\n'),
  );

  onShutdown(async () => {
    traffic?.stop();
    await platform.close();
    await erp?.close();
    await systems?.close();
  }, logger);
}

async function deployDemoTemplate(
  platform: Awaited<ReturnType<typeof createPlatform>>,
): Promise<void> {
  const published = await platform.db
    .selectFrom('flow_versions')
    .select('version')
    .where('key', '=', 'billing-readiness')
    .limit(1)
    .executeTakeFirst();
  if (published) return;
  try {
    const { key, version } = await platform.deploy(loadTemplate('billing-readiness').definition, {
      note: 'Deployed by waybill start --demo',
      publishedBy: 'demo',
    });
    platform.logger.info('template deployed', { flowKey: key, version });
  } catch (error) {
    platform.logger.error('could not deploy the billing-readiness template', { err: error });
  }
}

function templatesListCommand(): void {
  for (const name of listTemplates()) {
    const { definition } = loadTemplate(name);
    out(`${name.padEnd(24)} ${definition.name}`);
    for (const p of definition.parameters) {
      const value = p.value ?? p.default;
      out(
        `    --param ${`${p.name}=`.padEnd(22)} ${p.type.padEnd(9)} default ${JSON.stringify(value ?? null)}${p.description ? `  ${p.description}` : ''}`,
      );
    }
  }
}

async function templatesDeployCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { unit: { type: 'string' }, param: { type: 'string', multiple: true, default: [] } },
  });
  const name = positionals[0];
  if (!name) fail('Give the name of a template (see `waybill templates list`).');
  const params: Record<string, string> = {};
  for (const pair of values.param) {
    const eq = pair.indexOf('=');
    if (eq <= 0) fail(`--param ${pair}: write it as name=value.`);
    params[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  let definition;
  try {
    definition = withParameters(loadTemplate(name).definition, params, {
      ...(values.unit ? { unit: values.unit } : {}),
    });
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const platform = await createPlatform({
    databaseUrl: process.env.DATABASE_URL,
    dataDir: defaultDataDir(),
    logger: createLogger({ level: 'warn' }),
    worker: false,
    designerDir: null,
  });
  try {
    const { key, version, unchanged } = await platform.deploy(definition, {
      note: `Template ${name}${values.unit ? ` for ${values.unit}` : ''}`,
      publishedBy: 'cli',
    });
    out(
      unchanged
        ? `${key}: already at version ${version} with these parameters`
        : `${key}: published version ${version}`,
    );
  } catch (error) {
    if (isRuntimeError(error) && error.problems.length > 0) {
      for (const p of error.problems)
        out(`${p.severity} ${p.nodeId ?? 'flow'} ${p.field}: ${p.message}`);
    }
    fail(error instanceof Error ? error.message : String(error));
  } finally {
    await platform.close();
  }
}

/** Opens the database the platform uses (Postgres from DATABASE_URL, else the embedded one). */
async function openDatabase(): Promise<Connection> {
  const connection = await connect({
    databaseUrl: process.env.DATABASE_URL,
    dataDir: defaultDataDir(),
  });
  await migrateToLatest(connection.db);
  return connection;
}

/** `waybill backup|restore <file>`: the embedded data directory, or Postgres via pg_dump. */
async function backupCommand(
  command: 'backup' | 'restore',
  file: string | undefined,
): Promise<void> {
  if (!file) fail(`Give the backup file: waybill ${command} <file>`);
  const databaseUrl = process.env.DATABASE_URL;
  try {
    if (command === 'backup' && databaseUrl) await backupPostgres(databaseUrl, file);
    else if (command === 'backup') await backupDataDir(defaultDataDir(), file);
    else if (databaseUrl) await restorePostgres(file, databaseUrl);
    else await restoreDataDir(file, defaultDataDir());
  } catch (error) {
    if (isBackupError(error)) fail(error.message);
    throw error;
  }
  out(command === 'backup' ? `Backed up to ${file}.` : `Restored ${file}; start the workers.`);
}

async function keysCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      scope: { type: 'string', multiple: true, default: [] },
      all: { type: 'boolean', default: false },
    },
  });
  if (sub !== 'create' && sub !== 'list' && sub !== 'revoke')
    fail(`Unknown keys command ${sub ?? ''}.\n\n${usage}`);
  if (sub === 'create' && !values.name) fail('Give the key a name: --name <name>.');
  const unknownScopes = values.scope.filter((scope) => !isApiScope(scope));
  if (unknownScopes.length > 0)
    fail(
      `Unknown scope ${unknownScopes.join(', ')}; the scopes are ${Object.keys(ApiScopes).join(', ')}.`,
    );
  if (sub === 'revoke' && !positionals[0])
    fail('Give the id of the key (see `waybill keys list`).');
  const connection = await openDatabase();
  try {
    if (sub === 'create') {
      const created = await createApiKey(connection.db, {
        name: values.name ?? '',
        ...(values.scope.length > 0 ? { scopes: values.scope } : {}),
      });
      out(`Created API key ${created.id} (${created.name}; scopes ${created.scopes.join(', ')}).`);
      out('The key is shown only now; store it in your secret manager:');
      out(`  ${created.key}`);
    } else if (sub === 'list') {
      const keys = await listApiKeys(connection.db, { includeRevoked: values.all });
      if (keys.length === 0) out('No API keys.');
      for (const k of keys) {
        const state = k.revokedAt ? `revoked ${k.revokedAt}` : 'active';
        out(
          `${k.id}  ${k.prefix}…  ${k.name.padEnd(28)} ${k.scopes.join(',').padEnd(32)} ${state}  created ${k.createdAt}`,
        );
      }
    } else {
      const id = positionals[0] ?? '';
      const revoked = await revokeApiKeyById(connection.db, id);
      if (!revoked) fail(`No active API key with id ${id} (see \`waybill keys list --all\`).`);
      out(`Revoked API key ${id}.`);
    }
  } catch (error) {
    if (error instanceof ApiKeyError) fail(error.message);
    throw error;
  } finally {
    await connection.close();
  }
}

function readText(file: string | undefined, what: string): string {
  if (!file) fail(`Give the path of ${what}.`);
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    fail(`Cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function importBpmnCommand(file: string | undefined): void {
  const xml = readText(file, 'a BPMN 2.0 file');
  let result;
  try {
    result = importBpmn(xml);
  } catch (error) {
    fail(`${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  out(JSON.stringify(result.definition, null, 2));
  const notImported = result.report.filter((r) => r.outcome === 'skipped');
  for (const item of notImported) {
    process.stderr.write(`not imported: ${item.elementType} ${item.elementId}: ${item.message}\n`);
  }
  const problems = validate(result.definition, { connectors: catalogue() });
  for (const p of problems) {
    process.stderr.write(`${p.severity}: node ${p.nodeId ?? '(flow)'} ${p.field}: ${p.message}\n`);
  }
  process.stderr.write(
    `${file}: ${result.report.length - notImported.length} of ${result.report.length} elements imported\n`,
  );
}

function ediParseCliCommand(file: string | undefined): void {
  const result = ediParseCommand(readText(file, 'an X12 file'));
  if (result.ok) {
    out(JSON.stringify(result.json, null, 2));
    return;
  }
  for (const error of result.errors) process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

async function demoCommand(args: string[]): Promise<void> {
  if (args[0] === undefined || args[0] === 'help') return out(demoUsage);
  const opened: { connection?: Connection } = {};
  try {
    await runDemoCommand(args, {
      out,
      err: (line) => process.stderr.write(line + '\n'),
      connection: async () => (opened.connection ??= await openDatabase()),
    });
  } catch (error) {
    if (error instanceof DemoUsageError) fail(error.message);
    throw error;
  } finally {
    await opened.connection?.close();
  }
}

async function triageCommand(args: string[]): Promise<void> {
  if (args[0] === undefined || args[0] === 'help') return out(triageUsage);
  const opened: { connection?: Connection } = {};
  try {
    await runTriageCommand(args, {
      out,
      err: (line) => process.stderr.write(line + '\n'),
      db: async () => (opened.connection ??= await openDatabase()).db,
    });
  } catch (error) {
    if (isTriageError(error)) fail(error.message);
    throw error;
  } finally {
    await opened.connection?.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return startCommand(rest);
    case 'worker':
      return workerCommand(rest);
    case 'migrate':
      return migrateCommand();
    case 'backup':
    case 'restore':
      return backupCommand(command, rest[0]);
    case 'validate':
      return validateCommand(rest[0]);
    case 'compile':
      return compileCommand(rest[0]);
    case 'keys':
      return keysCommand(rest);
    case 'import':
      if (rest[0] === 'bpmn') return importBpmnCommand(rest[1]);
      fail(`Unknown import format ${rest[0] ?? ''}: waybill import bpmn <file.bpmn>`);
      break;
    case 'edi':
      if (rest[0] === 'parse') return ediParseCliCommand(rest[1]);
      fail(`Unknown edi command ${rest[0] ?? ''}: waybill edi parse <file>`);
      break;
    case 'templates':
      if (rest[0] === 'list') return templatesListCommand();
      if (rest[0] === 'deploy') return templatesDeployCommand(rest.slice(1));
      fail(`Unknown templates command ${rest[0] ?? ''}.\n\n${usage}`);
      break;
    case 'triage':
      return triageCommand(rest);
    case 'demo':
      return demoCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      out(usage);
      return;
    default:
      fail(`Unknown command ${command}.\n\n${usage}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
