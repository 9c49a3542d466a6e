import { describe, expect, test } from 'vitest';
import { probeConnector } from '../test/probe.connector.ts';
import { ConnectorRegistry } from './connector-registry.ts';
import { isConnectorError } from './connector.error.ts';
import { erpSandboxConnector } from './connectors/erp-sandbox/erp-sandbox.connector.ts';
import { describeConnector, toCatalogueEntry } from './describe-connector.ts';

describe('describeConnector', () => {
  const description = describeConnector(erpSandboxConnector);

  test('is plain JSON: it survives a JSON round trip unchanged', () => {
    expect(JSON.parse(JSON.stringify(description))).toEqual(description);
  });

  test('describes the connector and flags secret config fields in its JSON Schema', () => {
    expect(description).toMatchObject({
      id: 'waybill.erp-sandbox',
      version: 1,
      kind: 'erp',
      displayName: 'ERP sandbox',
      secretFields: ['apiKey'],
    });
    expect(description.config).toMatchObject({
      type: 'object',
      required: ['baseUrl', 'apiKey'],
      properties: {
        baseUrl: { type: 'string', format: 'uri', label: 'Base URL' },
        apiKey: { type: 'string', secret: true, writeOnly: true, label: 'API key' },
      },
    });
    expect(description.config.properties?.baseUrl).not.toHaveProperty('secret');
  });

  test('gives each operation its input and output JSON Schemas, fields and required inputs', () => {
    const postInvoice = description.operations.find((o) => o.name === 'postInvoice');
    expect(postInvoice).toMatchObject({
      displayName: 'Post invoice',
      idempotent: true,
      defaultTimeoutMs: 10_000,
      defaultRetry: { maxAttempts: 8 },
      inputFields: [
        'orderNumber',
        'customerId',
        'currency',
        'lines',
        'freightAmount',
        'taxAmount',
        'shipmentId',
      ],
      requiredInputs: ['orderNumber', 'customerId', 'currency', 'lines'],
    });
    expect(postInvoice?.input.properties?.currency).toMatchObject({
      type: 'string',
      pattern: '^[A-Z]{3}$',
    });
    expect(postInvoice?.input.properties?.lines).toMatchObject({
      type: 'array',
      minItems: 1,
      items: { required: ['sku', 'quantity', 'unitPrice'] },
    });
    expect(postInvoice?.output).toMatchObject({
      required: ['invoiceNumber', 'total', 'postedAt', 'duplicate'],
      properties: { duplicate: { type: 'boolean' } },
    });
    expect(description.operations.map((o) => o.name)).toEqual([
      'postInvoice',
      'getBillingProfile',
      'postCreditMemo',
      'getCreditStatus',
      'getPaymentTerms',
      'placeHold',
      'releaseHold',
    ]);
  });

  test('toCatalogueEntry gives the flow validator names, fields and required inputs only', () => {
    expect(toCatalogueEntry(erpSandboxConnector)).toMatchObject({
      id: 'waybill.erp-sandbox',
      version: 1,
      operations: [
        {
          name: 'postInvoice',
          inputFields: [
            'orderNumber',
            'customerId',
            'currency',
            'lines',
            'freightAmount',
            'taxAmount',
            'shipmentId',
          ],
          requiredInputs: ['orderNumber', 'customerId', 'currency', 'lines'],
        },
        { name: 'getBillingProfile', inputFields: ['customerId'], requiredInputs: ['customerId'] },
        {
          name: 'postCreditMemo',
          requiredInputs: ['invoiceNumber', 'customerId', 'currency', 'reason', 'amount'],
        },
        { name: 'getCreditStatus' },
        { name: 'getPaymentTerms' },
        { name: 'placeHold', requiredInputs: ['customerId', 'reason'] },
        { name: 'releaseHold', requiredInputs: ['holdId'] },
      ],
    });
    expect(Object.keys(toCatalogueEntry(erpSandboxConnector))).toEqual([
      'id',
      'version',
      'operations',
    ]);
  });
});

describe('ConnectorRegistry', () => {
  const registry = new ConnectorRegistry([probeConnector, erpSandboxConnector]);

  test('looks connectors up by id and version', () => {
    expect(registry.get('waybill.erp-sandbox', 1)).toBe(erpSandboxConnector);
    expect(registry.get('waybill.erp-sandbox', 2)).toBeUndefined();
    expect(registry.versionsOf('waybill.erp-sandbox')).toEqual([1]);
  });

  test('getOrThrow names the missing version and the registered ones', () => {
    let caught: unknown;
    try {
      registry.getOrThrow('waybill.erp-sandbox', 3);
    } catch (error) {
      caught = error;
    }
    expect(isConnectorError(caught) && caught.code).toBe('PERMANENT');
    expect(String(caught)).toContain(
      'waybill.erp-sandbox@3 is not registered (registered versions: 1)',
    );
  });

  test('lists descriptions and catalogue entries sorted by id', () => {
    expect(registry.list().map((d) => `${d.id}@${d.version}`)).toEqual([
      'test.probe@1',
      'waybill.erp-sandbox@1',
    ]);
    expect(registry.catalogue().map((c) => c.id)).toEqual(['test.probe', 'waybill.erp-sandbox']);
  });

  test('refuses a different definition under an id and version already taken', () => {
    const copy = { ...erpSandboxConnector };
    expect(() => registry.register(erpSandboxConnector)).not.toThrow();
    expect(() => registry.register(copy)).toThrow('waybill.erp-sandbox@1 is already registered');
  });
});
