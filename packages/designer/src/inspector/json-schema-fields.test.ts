import { describe, expect, it } from 'vitest';
import { fieldsOfSchema, inputFieldsOf, parseStaticValue } from './json-schema-fields.ts';

describe('fieldsOfSchema', () => {
  it('lists each property with its type, title and whether it is required', () => {
    const fields = fieldsOfSchema({
      type: 'object',
      properties: {
        orderId: { type: 'string', description: 'ERP order number' },
        amount: { type: ['number', 'null'], title: 'Amount' },
        currency: { type: 'string', enum: ['EUR', 'USD'] },
      },
      required: ['orderId'],
    });
    expect(fields).toEqual([
      {
        name: 'orderId',
        title: 'orderId',
        description: 'ERP order number',
        type: 'string',
        required: true,
      },
      { name: 'amount', title: 'Amount', type: 'number', required: false },
      {
        name: 'currency',
        title: 'currency',
        type: 'string',
        required: false,
        enum: ['EUR', 'USD'],
      },
    ]);
  });

  it('has no fields for a schema without properties', () => {
    expect(fieldsOfSchema({ type: 'string' })).toEqual([]);
    expect(fieldsOfSchema(undefined)).toEqual([]);
  });
});

describe('parseStaticValue', () => {
  it('keeps numbers numeric and rejects text in number fields', () => {
    const field = { name: 'qty', title: 'qty', type: 'integer', required: true } as const;
    expect(parseStaticValue(field, '12')).toEqual({ ok: true, value: 12 });
    expect(parseStaticValue(field, '1.5')).toEqual({ ok: false, error: 'Enter a whole number.' });
    expect(parseStaticValue(field, 'ten')).toMatchObject({ ok: false });
  });
});

describe('inputFieldsOf', () => {
  it('reads the operation schema under either name, else its field lists', () => {
    const schema = {
      type: 'object',
      properties: { orderId: { type: 'string' } },
      required: ['orderId'],
    };
    expect(inputFieldsOf({ inputSchema: schema }).map((f) => f.name)).toEqual(['orderId']);
    expect(inputFieldsOf({ input: schema }).map((f) => f.required)).toEqual([true]);
    expect(inputFieldsOf({ inputFields: ['a', 'b'], requiredInputs: ['b'] })).toEqual([
      { name: 'a', title: 'a', type: 'unknown', required: false },
      { name: 'b', title: 'b', type: 'unknown', required: true },
    ]);
  });
});
