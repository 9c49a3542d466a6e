import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { OperationInput, OperationName, OperationOutput } from '../../define-connector.ts';
import { invokeOperation } from '../../invoke-operation.ts';
import { ERP_SIMULATOR_API_KEY, startErpSimulator } from '../../simulators/erp-simulator.ts';
import type { ErpSimulator } from '../../simulators/erp-simulator.ts';
import { erpSandboxConnector } from './erp-sandbox.connector.ts';

let erp: ErpSimulator;
beforeAll(async () => {
  erp = await startErpSimulator();
});
afterAll(async () => {
  await erp.close();
});

type Erp = typeof erpSandboxConnector;
const call = <TName extends OperationName<Erp>>(
  name: TName,
  input: OperationInput<Erp, TName>,
  idempotencyKey = 'k',
): Promise<OperationOutput<Erp, TName>> =>
  invokeOperation(erpSandboxConnector, name, {
    config: { baseUrl: erp.url, apiKey: ERP_SIMULATOR_API_KEY },
    input,
    idempotencyKey,
    correlationId: 'SO-1',
  });

describe('erp-sandbox credit and credit memos', () => {
  test('holds: place (idempotent), show in credit status, release (twice is fine)', async () => {
    const hold = await call(
      'placeHold',
      { customerId: 'C-400', reason: 'over-limit', orderNumber: 'SO-1' },
      'hold-1',
    );
    expect(
      await call(
        'placeHold',
        { customerId: 'C-400', reason: 'over-limit', orderNumber: 'SO-1' },
        'hold-1',
      ),
    ).toEqual(hold);
    expect(erp.holds()).toHaveLength(1);

    const status = await call('getCreditStatus', { customerId: 'C-400' });
    expect(status).toMatchObject({
      customerId: 'C-400',
      creditLimit: 10_000,
      onHold: true,
      holds: [hold],
    });

    const released = await call('releaseHold', {
      holdId: hold.holdId,
      releasedBy: 'credit.manager',
    });
    expect(released).toMatchObject({ hold, alreadyReleased: false });
    expect(await call('releaseHold', { holdId: hold.holdId })).toMatchObject({
      alreadyReleased: true,
      releasedAt: released.releasedAt,
    });
    expect((await call('getCreditStatus', { customerId: 'C-400' })).onHold).toBe(false);
    await expect(call('releaseHold', { holdId: 'H-404' })).rejects.toMatchObject({
      code: 'PERMANENT',
    });
  });

  test('credit memos: against a posted invoice, once per key, never over the invoice total', async () => {
    const invoice = await call(
      'postInvoice',
      {
        orderNumber: 'SO-7',
        customerId: 'C-100',
        currency: 'USD',
        lines: [{ sku: 'TAPE-48MM', quantity: 40, unitPrice: 3.2 }],
      },
      'inv-7',
    );
    const memo = {
      invoiceNumber: invoice.invoiceNumber,
      customerId: 'C-100',
      currency: 'USD',
      reason: 'short-shipment' as const,
      amount: 12.8,
    };
    const first = await call('postCreditMemo', memo, 'cm-1');
    expect(first).toMatchObject({ creditMemoNumber: 'CM-000001', amount: 12.8, duplicate: false });
    expect(await call('postCreditMemo', memo, 'cm-1')).toMatchObject({
      creditMemoNumber: 'CM-000001',
      duplicate: true,
    });
    expect(erp.creditMemos()).toHaveLength(1);

    await expect(call('postCreditMemo', { ...memo, amount: 500 }, 'cm-2')).rejects.toMatchObject({
      code: 'VALIDATION',
    });
    await expect(
      call('postCreditMemo', { ...memo, invoiceNumber: 'INV-404' }, 'cm-3'),
    ).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('INV-404'),
    });
    // Exposure: opening balance + the invoice − the memo.
    expect((await call('getCreditStatus', { customerId: 'C-100' })).exposure).toBe(
      12_000 + 128 - 12.8,
    );
  });

  test('payment terms', async () => {
    expect(await call('getPaymentTerms', { customerId: 'C-200' })).toEqual({
      code: '2-10-NET45',
      netDays: 45,
      discountPct: 2,
      discountDays: 10,
    });
    expect(await call('getPaymentTerms', { customerId: 'C-100' })).toEqual({
      code: 'NET30',
      netDays: 30,
    });
  });
});
