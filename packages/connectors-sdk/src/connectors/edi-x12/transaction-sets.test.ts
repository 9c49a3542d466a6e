import { describe, expect, it } from 'vitest';
import { readFunctionalAcknowledgment } from './functional-ack-997.ts';
import { readInvoice } from './invoice-810.ts';
import { readPurchaseOrder } from './purchase-order-850.ts';
import { readRemittance } from './remittance-820.ts';
import { readShipNotice } from './ship-notice-856.ts';
import { fixture, fixtureSet } from './test-fixtures.ts';
import { readTransactionSet } from './transaction-set-reader.ts';
import { buildHlTree, walkHlTree } from './x12-hl-tree.ts';
import { parseX12, transactionSetsOf } from './x12-parser.ts';
import type { X12TransactionSet } from './x12-parser.ts';

/** The first set of a fixture after a textual edit (counts are kept right by the edit). */
function editedSet(name: string, edit: (text: string) => string): X12TransactionSet {
  const { interchange } = parseX12(edit(fixture(name)));
  const [set] = transactionSetsOf(interchange!);
  return set!;
}

function codes(
  errors: readonly {
    code: string;
    segmentPosition?: number | undefined;
    elementPosition?: number | undefined;
  }[],
) {
  return errors.map((e) => [e.code, e.segmentPosition, e.elementPosition]);
}

describe('850 purchase order', () => {
  it('reads header, parties, terms and PO1 lines', () => {
    const { document, errors } = readPurchaseOrder(fixtureSet('850-purchase-order.edi'));
    expect(errors).toEqual([]);
    expect(document).toMatchObject({
      purpose: '00',
      orderType: 'SA',
      poNumber: 'PO-45001',
      orderDate: '2024-03-12',
      currency: 'USD',
      terms: { typeCode: '01', discountPercent: 2, discountDays: 10, netDays: 30 },
      dates: [{ qualifier: '002', date: '2024-03-20' }],
      declaredLineCount: 3,
    });
    expect(document.parties.map((p) => [p.code, p.id])).toEqual([
      ['BY', 'C-100'],
      ['ST', 'DC7'],
    ]);
    expect(document.parties[1]?.address).toEqual({
      lines: ['1200 LOGISTICS WAY'],
      city: 'COLUMBUS',
      state: 'OH',
      postalCode: '43215',
      country: 'US',
    });
    expect(document.lines).toEqual([
      {
        lineNumber: '1',
        quantity: 10,
        unit: 'CA',
        unitPrice: 24.5,
        priceBasis: 'PE',
        productIds: [
          { qualifier: 'VP', value: 'SKU-1001' },
          { qualifier: 'UP', value: '012345678905' },
        ],
        description: 'WIDGET, BLUE, CASE OF 12',
      },
      expect.objectContaining({ lineNumber: '2', quantity: 4, unit: 'EA', unitPrice: 120 }),
      expect.objectContaining({ lineNumber: '3', quantity: 25, unitPrice: 8.75 }),
    ]);
  });

  it('reports a malformed quantity and a bad date with their segment and element', () => {
    const set = editedSet('850-purchase-order.edi', (text) =>
      text.replace('PO1*2*4*EA', 'PO1*2*4O*EA').replace('*20240312~\r\nCUR', '*20241312~\r\nCUR'),
    );
    const { errors } = readPurchaseOrder(set);
    expect(codes(errors)).toEqual([
      ['ELEMENT_INVALID', 4, 5],
      ['ELEMENT_INVALID', 17, 2],
    ]);
    expect(errors[1]?.message).toBe('segment 17 (PO1): PO102 must be a number, found "4O"');
  });

  it('checks CTT01 against the number of PO1 lines', () => {
    const set = editedSet('850-purchase-order.edi', (text) => text.replace('CTT*3*39', 'CTT*4*39'));
    expect(codes(readPurchaseOrder(set).errors)).toEqual([['COUNT_MISMATCH', 21, 1]]);
  });

  it('reports a PO1 after the CTT summary (fixture broken-set-order.edi)', () => {
    const { errors } = readPurchaseOrder(fixtureSet('broken-set-order.edi'));
    expect(codes(errors)).toEqual([['SEGMENT_OUT_OF_ORDER', 20, undefined]]);
    expect(errors[0]?.message).toBe(
      'segment 20 (PO1): PO1 is not allowed after the summary segment CTT (segment 19)',
    );
  });

  it('reports a BEG that is not the first segment after ST', () => {
    const set = editedSet('850-purchase-order.edi', (text) =>
      text.replace(/(BEG\*[^~]*~\r\n)(CUR\*[^~]*~\r\n)/, '$2$1'),
    );
    expect(codes(readPurchaseOrder(set).errors)).toEqual([['SEGMENT_OUT_OF_ORDER', 5, undefined]]);
  });

  it('reports a set without BEG at its ST', () => {
    const set = editedSet('850-purchase-order.edi', (text) =>
      text.replace(/BEG\*[^~]*~/, 'REF*ZZ*X~'),
    );
    expect(codes(readPurchaseOrder(set).errors)).toEqual([['SEGMENT_MISSING', 3, undefined]]);
  });

  it('refuses a set of another type', () => {
    const { errors } = readPurchaseOrder(fixtureSet('810-invoice.edi'));
    expect(codes(errors).slice(0, 1)).toEqual([['WRONG_TRANSACTION_SET', 3, 1]]);
  });
});

describe('856 ship notice', () => {
  it('builds the HL tree shipment → order → tare → pack → item', () => {
    const tree = buildHlTree(fixtureSet('856-ship-notice.edi').segments);
    expect(tree.errors).toEqual([]);
    const shape = (node: (typeof tree.roots)[number]): unknown => [
      `${node.id}${node.levelCode}`,
      ...node.children.map(shape),
    ];
    expect(tree.roots.map(shape)).toEqual([
      ['1S', ['2O', ['3T', ['4P', ['5I']], ['6P', ['7I'], ['8I']]]]],
    ]);
    expect(tree.heading.map((s) => s.id)).toEqual(['BSN']);
    expect(tree.summary.map((s) => s.id)).toEqual(['CTT']);
    expect(walkHlTree(tree.roots).map((n) => n.id)).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
    ]);
  });

  it('reads carrier, references, orders, containers and shipped vs ordered quantities', () => {
    const { document, errors } = readShipNotice(fixtureSet('856-ship-notice.edi'));
    expect(errors).toEqual([]);
    expect(document).toMatchObject({
      shipmentId: 'SHP-77001',
      date: '2024-03-15',
      time: '14:30',
      structureCode: '0001',
      declaredHlCount: 8,
    });
    const [shipment] = document.shipments;
    expect(shipment).toMatchObject({
      carrier: { scac: 'ODFL', transportMethodCode: 'M', routing: 'OLD DOMINION' },
      billOfLading: 'BOL-998877',
      trackingNumber: 'PRO-5544332',
      packaging: { code: 'CTN25', quantity: 3 },
      weight: { value: 182.5, unit: 'LB' },
    });
    const [order] = shipment!.orders;
    expect(order).toMatchObject({ poNumber: 'PO-45001', poDate: '2024-03-12' });
    expect(order!.containers[0]).toMatchObject({
      hlId: '3',
      levelCode: 'T',
      sscc: '00012345600000000010',
    });
    expect(order!.containers[0]!.containers.map((c) => [c.hlId, c.sscc, c.itemHlIds])).toEqual([
      ['4', '00012345600000000017', ['5']],
      ['6', '00012345600000000024', ['7', '8']],
    ]);
    expect(
      order!.items.map((i) => [
        i.lineNumber,
        i.shippedQuantity,
        i.orderedQuantity,
        i.statusCode,
        i.containerPath,
      ]),
    ).toEqual([
      ['1', 10, 10, 'AC', ['3', '4']],
      ['2', 4, 4, 'AC', ['3', '6']],
      ['3', 18, 25, 'BP', ['3', '6']],
    ]);
  });

  it('reports an HL whose parent is unknown, and an item outside an order', () => {
    const set = editedSet('856-ship-notice.edi', (text) => text.replace('HL*8*6*I', 'HL*8*9*I'));
    expect(codes(readShipNotice(set).errors)).toEqual([
      ['HL_STRUCTURE', 31, 2],
      ['HL_STRUCTURE', 31, 3],
    ]);
  });

  it('reports a duplicate HL id', () => {
    const set = editedSet('856-ship-notice.edi', (text) => text.replace('HL*7*6*I', 'HL*5*6*I'));
    expect(codes(buildHlTree(set.segments).errors)).toEqual([['HL_STRUCTURE', 28, 1]]);
  });

  it('reports an item without SN1 and a CTT01 that does not count the HLs', () => {
    const set = editedSet('856-ship-notice.edi', (text) =>
      text.replace('SN1**4*EA**4*EA**AC', 'REF*ZZ*X').replace('CTT*8', 'CTT*9'),
    );
    expect(codes(readShipNotice(set).errors)).toEqual([
      ['SEGMENT_MISSING', 28, undefined],
      ['COUNT_MISMATCH', 35, 1],
    ]);
  });
});

describe('810 invoice', () => {
  it('reads lines, total (N2), tax, charges and terms', () => {
    const { document, errors } = readInvoice(fixtureSet('810-invoice.edi'));
    expect(errors).toEqual([]);
    expect(document).toMatchObject({
      invoiceNumber: 'INV-88001',
      invoiceDate: '2024-03-16',
      poNumber: 'PO-45001',
      poDate: '2024-03-12',
      currency: 'USD',
      totalAmount: 989.28,
      taxes: [{ typeCode: 'ST', amount: 61.78, percent: 7 }],
      allowancesCharges: [{ indicator: 'C', code: 'D240', amount: 45, description: 'FREIGHT' }],
      declaredLineCount: 3,
    });
    expect(document.lines.map((l) => [l.lineNumber, l.quantity, l.unit, l.unitPrice])).toEqual([
      ['1', 10, 'CA', 24.5],
      ['2', 4, 'EA', 120],
      ['3', 18, 'CA', 8.75],
    ]);
  });

  it('reports a total that is not an implied-decimal number and a missing unit price', () => {
    const set = editedSet('810-invoice.edi', (text) =>
      text.replace('TDS*98928', 'TDS*989.28').replace('IT1*2*4*EA*120', 'IT1*2*4*EA*'),
    );
    expect(codes(readInvoice(set).errors)).toEqual([
      ['ELEMENT_INVALID', 17, 4],
      ['ELEMENT_INVALID', 21, 1],
    ]);
  });
});

describe('820 remittance', () => {
  it('reads the payment, and per invoice paid amounts, discounts and deductions', () => {
    const { document, errors } = readRemittance(fixtureSet('820-remittance.edi'));
    expect(errors).toEqual([]);
    expect(document).toMatchObject({
      handlingCode: 'C',
      totalAmount: 1832.78,
      paymentMethod: 'ACH',
      paymentDate: '2024-04-10',
      traceNumber: 'ACH-20240410-0042',
      currency: 'USD',
    });
    expect(document.details.map((d) => [d.reference, d.paidAmount, d.invoiceAmount])).toEqual([
      ['INV-88001', 989.28, 989.28],
      ['INV-88002', 843.5, 900],
    ]);
    expect(document.details[1]?.adjustments).toEqual([
      { amount: -40, reasonCode: '05', referenceQualifier: 'IV', reference: 'INV-88002' },
      { amount: -16.5, reasonCode: '01' },
    ]);
    expect(document.details[1]?.references).toEqual([{ qualifier: 'PO', value: 'PO-45002' }]);
  });

  it('reports a BPR02 that is not the sum of the amounts paid', () => {
    const set = editedSet('820-remittance.edi', (text) =>
      text.replace('BPR*C*1832.78', 'BPR*C*1900'),
    );
    expect(codes(readRemittance(set).errors)).toEqual([['COUNT_MISMATCH', 4, 2]]);
  });
});

describe('997 and 999 acknowledgments', () => {
  it('reads a 997 partially accepting a group, with the segment and element in error', () => {
    const { document, errors } = readFunctionalAcknowledgment(fixtureSet('997-acknowledgment.edi'));
    expect(errors).toEqual([]);
    expect(document).toEqual({
      transactionSet: '997',
      controlNumber: '0001',
      group: { functionalId: 'IN', controlNumber: '303' },
      sets: [
        { setId: '810', controlNumber: '0001', status: 'A', errorCodes: [], segmentErrors: [] },
        {
          setId: '810',
          controlNumber: '0002',
          status: 'R',
          errorCodes: ['5'],
          segmentErrors: [
            {
              segmentId: 'IT1',
              position: 12,
              code: '8',
              contexts: [],
              elementErrors: [{ position: 2, code: '6', badValue: '1O' }],
            },
          ],
        },
      ],
      groupStatus: 'P',
      setsIncluded: 2,
      setsReceived: 2,
      setsAccepted: 1,
      groupErrorCodes: [],
    });
  });

  it('reads a 999 with IK3/IK4/IK5 errors and CTX context', () => {
    const { document, errors } = readFunctionalAcknowledgment(
      fixtureSet('999-acknowledgment-errors.edi'),
    );
    expect(errors).toEqual([]);
    expect(document.transactionSet).toBe('999');
    expect(document.group).toEqual({ functionalId: 'SH', controlNumber: '202', version: '005010' });
    expect(document.groupStatus).toBe('R');
    const [set] = document.sets;
    expect(set).toMatchObject({
      setId: '856',
      controlNumber: '0001',
      implementationReference: '005010',
      status: 'R',
      errorCodes: ['5'],
    });
    expect(set?.segmentErrors).toEqual([
      {
        segmentId: 'SN1',
        position: 31,
        code: '8',
        contexts: [{ name: 'SITUATIONAL TRIGGER', segmentId: 'HL', position: 29 }],
        elementErrors: [{ position: 2, dataElementReference: '382', code: '6', badValue: '1O' }],
      },
      {
        segmentId: 'DTM',
        position: 8,
        code: '8',
        contexts: [],
        elementErrors: [
          { position: 2, dataElementReference: '373', code: '8', badValue: '20241345' },
        ],
      },
    ]);
  });
});

describe('readTransactionSet', () => {
  it.each([
    ['850-purchase-order.edi', '850'],
    ['856-ship-notice.edi', '856'],
    ['810-invoice.edi', '810'],
    ['820-remittance.edi', '820'],
    ['997-acknowledgment.edi', '997'],
    ['999-acknowledgment-errors.edi', '999'],
  ])('dispatches %s to the %s reader', (name, type) => {
    expect(readTransactionSet(fixtureSet(name)).document?.transactionSet).toBe(type);
  });

  it('returns no document, and no error, for a set type without a reader', () => {
    const set = editedSet('850-purchase-order.edi', (text) =>
      text.replace('GS*PO', 'GS*PR').replace('ST*850', 'ST*855'),
    );
    expect(readTransactionSet(set)).toEqual({ document: undefined, errors: [] });
  });
});
