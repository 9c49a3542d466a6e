import { expect, test } from 'vitest';
import * as shared from './index.ts';
import { billingReadinessInput } from './test/billing-readiness.fixture.ts';

test('the public entry validates, compiles and runs a flow end to end', () => {
  expect(shared.validate(billingReadinessInput)).toEqual([]);
  const machine = shared.compile(shared.flowDefinitionSchema.parse(billingReadinessInput));
  const started = shared.startFlow(machine, {
    trigger: { type: 'order.released', payload: { orderNumber: 'SO-1', podRequired: false } },
  });
  expect(started.activeNodes).toEqual(['ready']);
});

test('flowDefinitionJsonSchema describes the definition for tooling', () => {
  const schema = shared.flowDefinitionJsonSchema();
  expect(schema).toMatchObject({
    type: 'object',
    required: expect.arrayContaining(['key', 'nodes', 'edges']),
  });
});
