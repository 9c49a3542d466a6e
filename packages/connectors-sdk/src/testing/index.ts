/**
 * `@waybill/connectors-sdk/testing`: what a connector's tests need. The contract suite every
 * connector must pass (`describeConnectorContract` for Vitest, `runConnectorContract` anywhere),
 * a fault-injecting test server for connectors without a simulator of their own, and an
 * in-memory event sink for triggers.
 *
 * ```ts
 * import { describeConnectorContract } from '@waybill/connectors-sdk/testing';
 * describeConnectorContract(myConnector, { config: () => config, samples, faultsUrl: () => server.url });
 * ```
 * @module
 */
export { createMemoryEventSink } from './memory-event-sink.ts';
export type { MemoryEventSink } from './memory-event-sink.ts';
export { connectorContractChecks, runConnectorContract } from './connector-contract.ts';
export type {
  ContractCheck,
  ContractOptions,
  ContractReport,
  OperationSample,
} from './connector-contract.ts';
export { describeConnectorContract } from './describe-connector-contract.ts';
export { startTestServer } from './test-server.ts';
export type { TestServer, TestServerOptions, TestRequest } from './test-server.ts';
