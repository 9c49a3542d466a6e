/**
 * Local simulators of the systems Waybill talks to, for tests, demos and benchmarks:
 * `import { startErpSimulator } from '@waybill/connectors-sdk/simulators'`.
 *
 * ```ts
 * const erp = await startErpSimulator({ port: 0 });
 * console.log(erp.url); // http://127.0.0.1:41234
 * await erp.close();
 * ```
 * @module
 */
export { ERP_SIMULATOR_API_KEY, demoCustomers, startErpSimulator } from './erp-simulator.ts';
export type {
  BillingProfile,
  ErpSimulator,
  ErpSimulatorOptions,
  InvoiceRequest,
  PostedInvoice,
} from './erp-simulator.ts';
export { demoCredit } from './erp-credit.ts';
export type { CustomerCredit, PostedCreditMemo } from './erp-credit.ts';
export { WMS_SIMULATOR_API_KEY, startWmsSimulator } from './wms-simulator.ts';
export type {
  WmsPickException,
  WmsShipment,
  WmsSimulator,
  WmsSimulatorOptions,
} from './wms-simulator.ts';
export { TMS_SIMULATOR_API_KEY, startTmsSimulator } from './tms-simulator.ts';
export type {
  TmsPod,
  TmsRating,
  TmsSimulator,
  TmsSimulatorOptions,
  TmsStatus,
} from './tms-simulator.ts';
export { FaultInjector, faultConfigSchema, seededRandom } from './faults.ts';
export type { EventFate, FaultConfig, FaultOptions, FaultStats } from './faults.ts';
export type { DeliveryRecord, WireEvent } from './simulator-kit.ts';
