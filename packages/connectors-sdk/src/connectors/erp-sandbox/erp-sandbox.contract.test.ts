import { afterAll, beforeAll } from 'vitest';
import { invokeOperation } from '../../invoke-operation.ts';
import { ERP_SIMULATOR_API_KEY, startErpSimulator } from '../../simulators/erp-simulator.ts';
import type { ErpSimulator } from '../../simulators/erp-simulator.ts';
import { describeConnectorContract } from '../../testing/describe-connector-contract.ts';
import { erpSandboxConnector } from './erp-sandbox.connector.ts';

let erp: ErpSimulator;
const config = () => ({ baseUrl: erp.url, apiKey: ERP_SIMULATOR_API_KEY });
beforeAll(async () => {
  erp = await startErpSimulator();
  // Credit memos need a posted invoice (INV-000001) and releases a placed hold (H-000001).
  const options = { config: config(), correlationId: 'SO-1' };
  await invokeOperation(erpSandboxConnector, 'postInvoice', {
    ...options,
    idempotencyKey: 'seed-invoice',
    input: {
      orderNumber: 'SO-1',
      customerId: 'C-100',
      currency: 'USD',
      lines: [{ sku: 'A', quantity: 100, unitPrice: 10 }],
    },
  });
  await invokeOperation(erpSandboxConnector, 'placeHold', {
    ...options,
    idempotencyKey: 'seed-hold',
    input: { customerId: 'C-400', reason: 'over-limit' },
  });
});
afterAll(() => erp.close());

describeConnectorContract(erpSandboxConnector, {
  config,
  faultsUrl: () => erp.url,
  samples: {
    postInvoice: {
      input: {
        orderNumber: 'SO-2',
        customerId: 'C-100',
        currency: 'USD',
        lines: [{ sku: 'A', quantity: 1, unitPrice: 9.5 }],
      },
      ignoreFields: ['duplicate'],
    },
    getBillingProfile: { input: { customerId: 'C-200' } },
    postCreditMemo: {
      input: {
        invoiceNumber: 'INV-000001',
        customerId: 'C-100',
        currency: 'USD',
        reason: 'pricing',
        amount: 1,
      },
      ignoreFields: ['duplicate'],
    },
    getCreditStatus: { input: { customerId: 'C-300' } },
    getPaymentTerms: { input: { customerId: 'C-200' } },
    placeHold: { input: { customerId: 'C-300', reason: 'past-due' } },
    releaseHold: { input: { holdId: 'H-000001' }, ignoreFields: ['alreadyReleased'] },
  },
});
