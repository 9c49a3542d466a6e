import { afterAll, beforeAll } from 'vitest';
import { startTmsSimulator, TMS_SIMULATOR_API_KEY } from '../../simulators/tms-simulator.ts';
import type { TmsSimulator } from '../../simulators/tms-simulator.ts';
import { describeConnectorContract } from '../../testing/describe-connector-contract.ts';
import { tmsSandboxConnector } from './tms-sandbox.connector.ts';

let tms: TmsSimulator;
beforeAll(async () => {
  tms = await startTmsSimulator();
  const ref = { shipmentRef: 'SH-1', orderRef: 'SO-1', scac: 'ODFL' };
  tms.rateFreight({
    ...ref,
    proNumber: 'PRO-1',
    currency: 'USD',
    totalCharge: 90,
    ratedAt: '2026-11-23T16:00:00Z',
    charges: [{ code: 'LH', amount: 90 }],
  });
  tms.publishPod({
    ...ref,
    documentId: 'POD-1',
    signedBy: 'J. Doe',
    deliveredAt: '2026-11-24T08:55:00Z',
  });
});
afterAll(() => tms.close());

describeConnectorContract(tmsSandboxConnector, {
  config: () => ({
    baseUrl: tms.url,
    apiKey: TMS_SIMULATOR_API_KEY,
    webhookSecret: 'whsec-contract',
  }),
  faultsUrl: () => tms.url,
  samples: {
    getFreightCharge: { input: { shipmentId: 'SH-1' } },
    getProofOfDelivery: { input: { documentId: 'POD-1' } },
  },
});
