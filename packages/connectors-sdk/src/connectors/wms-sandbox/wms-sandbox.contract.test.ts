import { afterAll, beforeAll } from 'vitest';
import { startWmsSimulator, WMS_SIMULATOR_API_KEY } from '../../simulators/wms-simulator.ts';
import type { WmsSimulator } from '../../simulators/wms-simulator.ts';
import { describeConnectorContract } from '../../testing/describe-connector-contract.ts';
import { wmsSandboxConnector } from './wms-sandbox.connector.ts';

let wms: WmsSimulator;
beforeAll(async () => {
  wms = await startWmsSimulator();
  wms.confirmShipment({
    shipmentNo: 'SH-1',
    orderNo: 'SO-1',
    warehouseCode: 'DAL-1',
    shipDate: '2026-11-23T14:05:00Z',
    lines: [{ lineNo: 1, item: 'A', qtyOrdered: 4, qtyShipped: 3, shortReason: 'DMG' }],
  });
});
afterAll(() => wms.close());

describeConnectorContract(wmsSandboxConnector, {
  config: () => ({
    baseUrl: wms.url,
    apiKey: WMS_SIMULATOR_API_KEY,
    webhookSecret: 'whsec-contract',
  }),
  faultsUrl: () => wms.url,
  samples: {
    getShipment: { input: { shipmentId: 'SH-1' } },
    getPickExceptions: { input: { orderNumber: 'SO-1' } },
  },
});
