/**
 * The connector configs of a deployment (base URLs, API keys, which triggers run), stored in the
 * runtime database with the fields the connector's config schema marks `secret` encrypted at rest.
 * What leaves this module for the API is masked; only the worker and the trigger host see the
 * decrypted config (`resolveAll`).
 * @module
 */
import { secretFieldsOf } from '@waybill/connectors-sdk';
import type { AnyConnector, ConnectorRegistry } from '@waybill/connectors-sdk';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { jsonb, type Database } from '../db/schema.ts';
import { isRecord } from '../util.ts';
import {
  SecretBoxError,
  openSecret,
  sealSecret,
  sealedKeyId,
  type SecretKeyring,
} from './secret-box.ts';

/** What the API shows instead of a secret value. */
export const SECRET_MASK = '********';

/** Every config store error code and what it means. */
export const ConnectorConfigErrorCodes = {
  CONNECTOR_NOT_FOUND: 'No registered connector has this id.',
  CONFIG_INVALID: 'The config does not match the connector’s config schema (see `details.issues`).',
  TRIGGER_NOT_FOUND: 'The connector has no trigger with this name.',
  CONFIG_UNREADABLE: 'The stored secrets cannot be decrypted with the configured keys.',
} as const;
export type ConnectorConfigErrorCode = keyof typeof ConnectorConfigErrorCodes;

const brand = Symbol.for('waybill.runtime.ConnectorConfigError');

/**
 * A refused or unreadable connector config; the message names the connector config and the
 * fields, never a secret value.
 *
 * ```ts
 * if (isConnectorConfigError(e) && e.code === 'CONFIG_UNREADABLE') logger.error(e.message);
 * ```
 */
export class ConnectorConfigError extends Error {
  override readonly name = 'ConnectorConfigError';
  readonly code: ConnectorConfigErrorCode;
  readonly connectorId: string;
  readonly details: Record<string, unknown>;
  readonly [brand] = true;
  constructor(
    code: ConnectorConfigErrorCode,
    connectorId: string,
    message: string,
    details: Record<string, unknown> = {},
  ) {
    super(message);
    this.code = code;
    this.connectorId = connectorId;
    this.details = details;
  }
}

/** True for a {@link ConnectorConfigError}. */
export function isConnectorConfigError(value: unknown): value is ConnectorConfigError {
  return typeof value === 'object' && value !== null && brand in value;
}

/**
 * A stored config as the API shows it: secret fields masked (`SECRET_MASK` when set).
 *
 * ```ts
 * const view = await store.get('waybill.erp-sandbox');
 * view?.values.apiKey; // '********'
 * ```
 */
export interface ConnectorConfigView {
  connectorId: string;
  values: Record<string, unknown>;
  /** The config fields marked secret, and which of them hold a value. */
  secretFields: string[];
  secretsSet: string[];
  triggers: string[];
  /** The key that encrypted the secrets (an id, not the key). */
  keyId: string | null;
  updatedBy: string;
  updatedAt: string;
}

/**
 * What `save` takes. Secret fields left out, or sent back as `SECRET_MASK`, keep their stored
 * value, so a form can be saved without re-typing the API key.
 *
 * ```ts
 * await store.save('waybill.erp-sandbox', { values: { baseUrl, apiKey: SECRET_MASK }, actor: 'ana' });
 * ```
 */
export interface SaveConnectorConfig {
  values: Record<string, unknown>;
  /** Trigger names to activate; unchanged when left out. */
  triggers?: readonly string[];
  actor: string;
}

/**
 * The connector configs of one database.
 *
 * ```ts
 * const store = new ConnectorConfigStore({ db, registry, keyring });
 * await store.save('waybill.erp-sandbox', { values: { baseUrl, apiKey }, actor: 'ops' });
 * const configs = await store.resolveAll(); // decrypted, for the worker
 * ```
 */
export class ConnectorConfigStore {
  readonly #db: Kysely<Database>;
  readonly #registry: ConnectorRegistry;
  readonly #keyring: SecretKeyring;

  constructor(options: {
    db: Kysely<Database>;
    registry: ConnectorRegistry;
    keyring: SecretKeyring;
  }) {
    this.#db = options.db;
    this.#registry = options.registry;
    this.#keyring = options.keyring;
  }

  /** The id of the key new secrets are encrypted with. */
  get keyId(): string {
    return this.#keyring.current.id;
  }

  /** Every stored config, masked, by connector id. */
  async list(): Promise<ConnectorConfigView[]> {
    const rows = await this.#db
      .selectFrom('connector_configs')
      .selectAll()
      .orderBy('connector_id')
      .execute();
    return rows.map((row) => this.#view(row));
  }

  /** One stored config, masked; null when the connector has none. */
  async get(connectorId: string): Promise<ConnectorConfigView | null> {
    const row = await this.#row(connectorId);
    return row ? this.#view(row) : null;
  }

  /**
   * Validates and stores a config (secret fields encrypted); returns it masked. Secret fields
   * left out or sent as `SECRET_MASK` keep their stored values.
   */
  async save(connectorId: string, input: SaveConnectorConfig): Promise<ConnectorConfigView> {
    const connector = this.#connector(connectorId);
    const secretFields = secretFieldsOf(connector.config);
    const existing = await this.#row(connectorId);
    const triggers = input.triggers
      ? this.#checkTriggers(connector, input.triggers)
      : (existing?.triggers ?? []);
    const settings: Record<string, unknown> = {};
    const secrets: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(input.values)) {
      if (secretFields.includes(field)) {
        if (value !== SECRET_MASK && value !== undefined) secrets[field] = value;
      } else if (value !== undefined) {
        settings[field] = value;
      }
    }
    // Only decrypt the stored secrets when some must be kept: re-sending every secret also
    // works when the stored ones are unreadable (a lost key).
    const missing = secretFields.filter((field) => !(field in secrets));
    const kept = existing && missing.length > 0 ? this.#secretsOf(existing) : {};
    for (const field of missing) {
      if (field in kept) secrets[field] = kept[field];
    }
    const parsed = connector.config.safeParse({ ...settings, ...secrets });
    if (!parsed.success) {
      // Paths and messages only: zod messages do not quote the values they refuse.
      const issues = parsed.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.') || '(config)',
        message: issue.message,
      }));
      throw new ConnectorConfigError(
        'CONFIG_INVALID',
        connectorId,
        `connector config ${connectorId}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
        { issues },
      );
    }
    const sealed =
      Object.keys(secrets).length > 0
        ? sealSecret(this.#keyring, JSON.stringify(secrets), connectorId)
        : null;
    const values = {
      settings: jsonb(settings),
      secrets: sealed,
      key_id: sealed === null ? null : this.#keyring.current.id,
      triggers: jsonb(triggers),
      updated_by: input.actor,
      updated_at: sql<Date>`now()`,
    };
    const row = await this.#db
      .insertInto('connector_configs')
      .values({ connector_id: connectorId, ...values })
      .onConflict((oc) => oc.column('connector_id').doUpdateSet(values))
      .returningAll()
      .executeTakeFirstOrThrow();
    return this.#view(row);
  }

  /** Every stored config, decrypted: what the worker and the trigger host use. */
  async resolveAll(): Promise<Record<string, Record<string, unknown>>> {
    const rows = await this.#db.selectFrom('connector_configs').selectAll().execute();
    const out: Record<string, Record<string, unknown>> = {};
    for (const row of rows) out[row.connector_id] = { ...row.settings, ...this.#secretsOf(row) };
    return out;
  }

  /** The triggers to activate, by connector id (only connectors with some). */
  async enabledTriggers(): Promise<Record<string, string[]>> {
    const rows = await this.#db
      .selectFrom('connector_configs')
      .select(['connector_id', 'triggers'])
      .execute();
    return Object.fromEntries(
      rows.filter((r) => r.triggers.length > 0).map((r) => [r.connector_id, r.triggers]),
    );
  }

  /**
   * Key rotation: re-encrypts, under the current key, every row encrypted under a previous one
   * (readable because that key is in `WAYBILL_SECRET_KEY_PREVIOUS`). Returns how many changed.
   */
  async reencrypt(): Promise<number> {
    const rows = await this.#db
      .selectFrom('connector_configs')
      .selectAll()
      .where('secrets', 'is not', null)
      .where('key_id', '!=', this.#keyring.current.id)
      .execute();
    for (const row of rows) {
      const plaintext = JSON.stringify(this.#secretsOf(row));
      await this.#db
        .updateTable('connector_configs')
        .set({
          secrets: sealSecret(this.#keyring, plaintext, row.connector_id),
          key_id: this.#keyring.current.id,
        })
        .where('connector_id', '=', row.connector_id)
        .where('key_id', '=', row.key_id)
        .execute();
    }
    return rows.length;
  }

  #connector(connectorId: string): AnyConnector {
    const versions = this.#registry.versionsOf(connectorId);
    const latest = versions.at(-1);
    const connector = latest === undefined ? undefined : this.#registry.get(connectorId, latest);
    if (!connector) {
      throw new ConnectorConfigError(
        'CONNECTOR_NOT_FOUND',
        connectorId,
        `No connector ${connectorId} is registered`,
      );
    }
    return connector;
  }

  #checkTriggers(connector: AnyConnector, triggers: readonly string[]): string[] {
    const unknown = triggers.filter((name) => !Object.hasOwn(connector.triggers, name));
    if (unknown.length > 0) {
      const known = Object.keys(connector.triggers).join(', ') || 'none';
      throw new ConnectorConfigError(
        'TRIGGER_NOT_FOUND',
        connector.id,
        `connector config ${connector.id}: no trigger ${unknown.join(', ')} (it has: ${known})`,
        { triggers: unknown },
      );
    }
    return [...new Set(triggers)];
  }

  async #row(connectorId: string) {
    return this.#db
      .selectFrom('connector_configs')
      .selectAll()
      .where('connector_id', '=', connectorId)
      .executeTakeFirst();
  }

  #secretsOf(row: { connector_id: string; secrets: string | null }): Record<string, unknown> {
    if (row.secrets === null) return {};
    let plaintext: string;
    try {
      plaintext = openSecret(this.#keyring, row.secrets, row.connector_id);
    } catch (error) {
      const reason = error instanceof SecretBoxError ? error.message : String(error);
      throw new ConnectorConfigError(
        'CONFIG_UNREADABLE',
        row.connector_id,
        `connector config ${row.connector_id}: the secrets ${reason}. Set WAYBILL_SECRET_KEY to the key ` +
          'they were saved with (or add it to WAYBILL_SECRET_KEY_PREVIOUS), or save the config again.',
        { keyId: sealedKeyId(row.secrets) },
      );
    }
    const parsed: unknown = JSON.parse(plaintext);
    return isRecord(parsed) ? parsed : {};
  }

  /** Which secrets hold a value; under an unreadable key, all of them are shown as set. */
  #setSecretNames(
    row: { connector_id: string; secrets: string | null },
    secretFields: readonly string[],
  ): string[] {
    try {
      return Object.keys(this.#secretsOf(row));
    } catch {
      return [...secretFields];
    }
  }

  #view(row: {
    connector_id: string;
    settings: Record<string, unknown>;
    secrets: string | null;
    key_id: string | null;
    triggers: string[];
    updated_by: string;
    updated_at: Date;
  }): ConnectorConfigView {
    const versions = this.#registry.versionsOf(row.connector_id);
    const latest = versions.at(-1);
    const connector =
      latest === undefined ? undefined : this.#registry.get(row.connector_id, latest);
    const secretFields = connector ? [...secretFieldsOf(connector.config)] : [];
    const secretsSet = row.secrets === null ? [] : this.#setSecretNames(row, secretFields);
    const values: Record<string, unknown> = { ...row.settings };
    for (const field of secretsSet) values[field] = SECRET_MASK;
    return {
      connectorId: row.connector_id,
      values,
      secretFields,
      secretsSet,
      triggers: row.triggers,
      keyId: row.key_id,
      updatedBy: row.updated_by,
      updatedAt: new Date(row.updated_at).toISOString(),
    };
  }
}
