/**
 * The set of connectors a runtime (or the designer's catalogue) knows, by id and version.
 *
 * @module
 */
import { ConnectorError } from './connector.error.ts';
import type { AnyConnector } from './define-connector.ts';
import { describeConnector, toCatalogueEntry } from './describe-connector.ts';
import type { ConnectorCatalogueEntry, ConnectorDescription } from './describe-connector.ts';

/**
 * Connectors by `id` and `version`. Several versions of one connector live side by side, because
 * running flow instances stay pinned to the version they started with.
 *
 * ```ts
 * const registry = new ConnectorRegistry([erpSandboxConnector]);
 * const erp = registry.getOrThrow('waybill.erp-sandbox', 1);
 * await invokeOperation(erp, 'postInvoice', options);
 * ```
 */
export class ConnectorRegistry {
  readonly #connectors = new Map<string, AnyConnector>();

  constructor(connectors: Iterable<AnyConnector> = []) {
    for (const connector of connectors) this.register(connector);
  }

  /** Adds a connector; registering the same object twice is harmless, a different one throws. */
  register(connector: AnyConnector): this {
    const key = keyOf(connector.id, connector.version);
    const existing = this.#connectors.get(key);
    if (existing && existing !== connector) {
      throw new Error(`Connector ${key} is already registered with a different definition`);
    }
    this.#connectors.set(key, connector);
    return this;
  }

  /** The connector with this id and version, if registered. */
  get(id: string, version: number): AnyConnector | undefined {
    return this.#connectors.get(keyOf(id, version));
  }

  /** Like `get`, but a missing connector fails as a `PERMANENT` {@link ConnectorError}. */
  getOrThrow(id: string, version: number): AnyConnector {
    const connector = this.get(id, version);
    if (connector) return connector;
    const versions = this.versionsOf(id);
    throw new ConnectorError(
      'PERMANENT',
      `Connector ${keyOf(id, version)} is not registered` +
        (versions.length > 0 ? ` (registered versions: ${versions.join(', ')})` : ''),
      { details: { connector: id, version } },
    );
  }

  /** Registered versions of one connector id, ascending. */
  versionsOf(id: string): number[] {
    return this.#all()
      .filter((c) => c.id === id)
      .map((c) => c.version);
  }

  /** Every registered connector, described for the designer, sorted by id then version. */
  list(): ConnectorDescription[] {
    return this.#all().map(describeConnector);
  }

  /** The flow validator's catalogue of every registered connector. */
  catalogue(): ConnectorCatalogueEntry[] {
    return this.#all().map(toCatalogueEntry);
  }

  #all(): AnyConnector[] {
    return [...this.#connectors.values()].sort(
      (a, b) => a.id.localeCompare(b.id) || a.version - b.version,
    );
  }
}

function keyOf(id: string, version: number): string {
  return `${id}@${version}`;
}
