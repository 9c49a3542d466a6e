/**
 * The platform's connectors: their stored configs (secrets encrypted, see `config-store.ts`),
 * the live decrypted configs the worker calls with, and the inbound triggers that run.
 * @module
 */
import {
  ConnectorRegistry,
  ediX12Connector,
  erpSandboxConnector,
  secretValuesOf,
  tmsSandboxConnector,
  wmsSandboxConnector,
} from '@waybill/connectors-sdk';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { redactInLogs, type Logger } from '../log.ts';
import {
  ConnectorConfigStore,
  isConnectorConfigError,
  type ConnectorConfigView,
  type SaveConnectorConfig,
} from './config-store.ts';
import { loadSecretKeyring, type SecretKeyring } from './secret-box.ts';
import { TriggerHost, type ActiveTrigger } from './trigger-host.ts';

/**
 * The connectors a deployment has by default: the ERP, WMS and TMS sandboxes and EDI X12.
 *
 * ```ts
 * const registry = defaultConnectorRegistry();
 * registry.versionsOf('waybill.edi-x12'); // [1]
 * ```
 */
export function defaultConnectorRegistry(): ConnectorRegistry {
  return new ConnectorRegistry([
    erpSandboxConnector,
    wmsSandboxConnector,
    tmsSandboxConnector,
    ediX12Connector,
  ]);
}

/** What the tRPC `connectors` router and the platform use. */
export interface ConnectorService {
  readonly store: ConnectorConfigStore;
  readonly triggers: TriggerHost;
  /** Decrypted configs by connector id; the worker reads this object (updated in place). */
  readonly configs: Record<string, Record<string, unknown>>;
  list(): Promise<ConnectorConfigView[]>;
  get(connectorId: string): Promise<ConnectorConfigView | null>;
  /** Stores a config, makes the worker use it and restarts the connector's triggers. */
  save(connectorId: string, input: SaveConnectorConfig): Promise<ConnectorConfigView>;
  /** Re-reads every stored config (a separate worker process picks up changes this way). */
  refresh(): Promise<void>;
  /** Activates the enabled triggers, publishing webhook URLs under `baseUrl`. */
  startTriggers(baseUrl: string): Promise<ActiveTrigger[]>;
  stop(): Promise<void>;
}

/** Options of {@link createConnectorService}. */
export interface ConnectorServiceOptions {
  db: Kysely<Database>;
  registry: ConnectorRegistry;
  logger: Logger;
  /** Where a generated secret key is kept; null for a key that lives as long as the process. */
  keyDir: string | null;
  /** A keyring to use instead of loading one (tests). */
  keyring?: SecretKeyring;
  env?: Readonly<Record<string, string | undefined>>;
  /** Configs given at start (CLI flags, environment, tests): stored like configs saved in the API. */
  seed?: Record<string, Record<string, unknown>>;
  /** Triggers to enable per connector id, with the seed. */
  seedTriggers?: Record<string, readonly string[]>;
}

/**
 * Loads the key, stores the seed configs, re-encrypts secrets saved under a previous key and
 * decrypts every config. Fails with a `CONFIG_UNREADABLE` error naming the connector config when
 * its secrets cannot be decrypted with the configured key.
 *
 * ```ts
 * const connectors = await createConnectorService({ db, registry, logger, keyDir: './.waybill',
 *   seed: { 'waybill.erp-sandbox': { baseUrl, apiKey } } });
 * new Worker({ connection, connectors: { registry, configs: connectors.configs }, logger });
 * ```
 */
export async function createConnectorService(
  options: ConnectorServiceOptions,
): Promise<ConnectorService> {
  const { db, registry, logger } = options;
  const keyring =
    options.keyring ??
    loadSecretKeyring({
      env: options.env ?? process.env,
      dataDir: options.keyDir,
      onCreate: (file) =>
        logger.warn(
          'generated the key that encrypts connector secrets; back it up, or set WAYBILL_SECRET_KEY',
          { file },
        ),
    });
  const store = new ConnectorConfigStore({ db, registry, keyring });
  const triggers = new TriggerHost({ db, registry, logger });
  const configs: Record<string, Record<string, unknown>> = {};
  // Seeds for connectors that are not registered, or that do not validate, are used as given
  // (a call then fails with the connector's own error) but not stored.
  const unstored: Record<string, Record<string, unknown>> = {};
  let baseUrl: string | null = null;

  for (const [connectorId, values] of Object.entries(options.seed ?? {})) {
    const triggerNames = options.seedTriggers?.[connectorId];
    try {
      await store.save(connectorId, {
        values,
        ...(triggerNames ? { triggers: triggerNames } : {}),
        actor: 'system',
      });
    } catch (error) {
      if (!isConnectorConfigError(error) || error.code === 'CONFIG_UNREADABLE') throw error;
      logger.warn('connector config not stored', { connectorId, error: error.message });
      unstored[connectorId] = values;
    }
  }
  const reencrypted = await store.reencrypt();
  if (reencrypted > 0) {
    logger.info('connector secrets re-encrypted under the current key', {
      configs: reencrypted,
      keyId: keyring.current.id,
    });
  }

  const refresh = async (): Promise<void> => {
    const resolved = { ...unstored, ...(await store.resolveAll()) };
    for (const [connectorId, config] of Object.entries(resolved)) {
      const version = registry.versionsOf(connectorId).at(-1);
      const connector = version === undefined ? undefined : registry.get(connectorId, version);
      if (connector) redactInLogs(secretValuesOf(connector.config, config));
    }
    for (const key of Object.keys(configs)) {
      if (!(key in resolved)) delete configs[key];
    }
    Object.assign(configs, resolved);
  };
  await refresh();

  const activate = async (connectorId: string): Promise<ActiveTrigger[]> => {
    const enabled = (await store.enabledTriggers())[connectorId] ?? [];
    const config = configs[connectorId];
    if (enabled.length === 0 || !config) {
      await triggers.deactivate(connectorId);
      return [];
    }
    return triggers.activate(connectorId, config, enabled);
  };

  return {
    store,
    triggers,
    configs,
    list: () => store.list(),
    get: (connectorId) => store.get(connectorId),
    save: async (connectorId, input) => {
      const view = await store.save(connectorId, input);
      delete unstored[connectorId];
      await refresh();
      if (baseUrl !== null) await activate(connectorId);
      logger.info('connector config saved', {
        connectorId,
        actor: input.actor,
        triggers: view.triggers,
      });
      return view;
    },
    refresh,
    startTriggers: async (url) => {
      baseUrl = url;
      triggers.setBaseUrl(url);
      const started: ActiveTrigger[] = [];
      for (const connectorId of Object.keys(await store.enabledTriggers())) {
        started.push(...(await activate(connectorId)));
      }
      return started;
    },
    stop: () => triggers.stopAll(),
  };
}
