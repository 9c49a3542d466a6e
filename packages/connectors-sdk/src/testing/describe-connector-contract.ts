/**
 * The connector contract as Vitest tests.
 *
 * @module
 */
import { describe, test } from 'vitest';
import type { AnyConnector } from '../define-connector.ts';
import { connectorContractChecks } from './connector-contract.ts';
import type { ContractOptions } from './connector-contract.ts';

/**
 * Registers the connector contract as a Vitest `describe` block, one test per check. Start the
 * simulator in a `beforeAll` of the same file; `config` and `faultsUrl` are read when tests run.
 *
 * ```ts
 * let erp: ErpSimulator;
 * beforeAll(async () => { erp = await startErpSimulator(); });
 * afterAll(() => erp.close());
 * describeConnectorContract(erpSandboxConnector, {
 *   config: () => ({ baseUrl: erp.url, apiKey: ERP_SIMULATOR_API_KEY }),
 *   samples: { getBillingProfile: { input: { customerId: 'C-100' } } },
 *   faultsUrl: () => erp.url,
 * });
 * ```
 */
export function describeConnectorContract<TConnector extends AnyConnector>(
  connector: TConnector,
  options: ContractOptions<TConnector>,
): void {
  const skipped = Object.entries(options.skip ?? {});
  describe(`${connector.id}@${connector.version} connector contract`, () => {
    for (const check of connectorContractChecks(connector, options)) {
      test(check.name, () => check.run(), 10_000);
    }
    for (const [name, reason] of skipped)
      test.skip(`${name}: skipped (${String(reason)})`, () => {});
  });
}
