import type { Invoice } from '@waybill/shared';
import { describe, expect, it } from 'vitest';
import { describeConnector } from '../../describe-connector.ts';
import { invokeOperation } from '../../invoke-operation.ts';
import { ediX12Connector } from './edi-x12.connector.ts';
import { readFunctionalAcknowledgment } from './functional-ack-997.ts';
import { readInvoice } from './invoice-810.ts';
import { fixture } from './test-fixtures.ts';
import { parseX12OrThrow, transactionSetsOf } from './x12-parser.ts';

const config = { interchangeId: 'WAYBILLDIST' };
const call = { idempotencyKey: 'inst-1:edi#1', correlationId: 'SO-1001' };

const invoice: Invoice = {
  invoiceNumber: 'INV-000001',
  orderNumber: 'SO-1001',
  customerId: 'C-100',
  currency: 'USD',
  invoiceDate: '2026-11-24',
  status: 'posted',
  lines: [{ sku: 'PAL-WRAP-18', quantity: 10, unitPrice: 24.5, amount: 245 }],
  freightAmount: 0,
  taxAmount: 0,
  total: 245,
};

describe('waybill.edi-x12 connector', () => {
  it('describes its three operations for the designer', () => {
    const description = describeConnector(ediX12Connector);
    expect(description).toMatchObject({ id: 'waybill.edi-x12', version: 1, kind: 'edi' });
    expect(description.operations.map((operation) => operation.name).sort()).toEqual([
      'generateAcknowledgment',
      'generateInvoice',
      'parseInterchange',
    ]);
  });

  it('parseInterchange returns the interchange JSON, or errors with segment positions', async () => {
    const ok = await invokeOperation(ediX12Connector, 'parseInterchange', {
      config,
      input: { text: fixture('850-purchase-order.edi') },
      ...call,
    });
    expect(ok.ok).toBe(true);
    expect(ok.errors).toEqual([]);
    expect(ok.interchange).toMatchObject({ controlNumber: '000000101' });
    const bad = await invokeOperation(ediX12Connector, 'parseInterchange', {
      config,
      input: { text: fixture('broken-se-count.edi') },
      ...call,
    });
    expect(bad.ok).toBe(false);
    expect(bad.errors).toEqual([
      expect.objectContaining({
        code: 'COUNT_MISMATCH',
        segmentPosition: 22,
        segmentId: 'SE',
        elementPosition: 1,
      }),
    ]);
  });

  it('generateInvoice writes an 810 with the configured separators that reads back as the invoice', async () => {
    const output = await invokeOperation(ediX12Connector, 'generateInvoice', {
      config: { ...config, elementSeparator: '|', segmentTerminator: '!' },
      input: {
        invoice,
        receiverId: 'RETAILCO',
        interchangeControlNumber: 88,
        customerName: 'RETAILCO',
      },
      ...call,
    });
    expect(output.interchangeControlNumber).toBe('000000088');
    const interchange = parseX12OrThrow(output.text);
    expect(interchange.separators).toMatchObject({ element: '|', segment: '!' });
    expect(output.segmentCount).toBe(interchange.segments.length);
    const { document } = readInvoice(transactionSetsOf(interchange)[0]!);
    expect(document).toMatchObject({
      invoiceNumber: 'INV-000001',
      poNumber: 'SO-1001',
      totalAmount: 245,
    });
  });

  it('generateInvoice refuses a value containing a separator as VALIDATION', async () => {
    await expect(
      invokeOperation(ediX12Connector, 'generateInvoice', {
        config,
        input: {
          invoice: { ...invoice, invoiceNumber: 'INV*1' },
          receiverId: 'RETAILCO',
          interchangeControlNumber: 1,
        },
        ...call,
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('BIG02') });
  });

  it('generateAcknowledgment answers a received interchange with a 997', async () => {
    const output = await invokeOperation(ediX12Connector, 'generateAcknowledgment', {
      config,
      input: { text: fixture('broken-control-numbers.edi'), interchangeControlNumber: 9 },
      ...call,
    });
    expect(output.groups).toEqual([{ functionalId: 'PO', controlNumber: '101', status: 'R' }]);
    const interchange = parseX12OrThrow(output.text);
    expect(interchange.header).toMatchObject({
      senderId: 'WAYBILLDIST',
      receiverId: 'RETAILCO',
      controlNumber: '000000009',
    });
    const { document } = readFunctionalAcknowledgment(transactionSetsOf(interchange)[0]!);
    expect(document.sets[0]).toMatchObject({ status: 'R', errorCodes: ['3'] });
    expect(document.groupErrorCodes).toEqual(['4']);
  });

  it('generateAcknowledgment fails as VALIDATION on an unreadable interchange', async () => {
    await expect(
      invokeOperation(ediX12Connector, 'generateAcknowledgment', {
        config,
        input: { text: 'not edi', interchangeControlNumber: 1 },
        ...call,
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION' });
  });
});
