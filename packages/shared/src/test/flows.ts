/** Small flows for tests: a trigger stored in `order`, plus whatever the test adds. */
import { flowDefinitionSchema } from '../flow.schema.ts';
import type { FlowDefinition, FlowDefinitionInput } from '../flow.schema.ts';
import { compile } from '../compile/compile.ts';
import { startFlow } from '../compile/flow-runner.ts';
import type { FlowStep } from '../compile/flow-runner.ts';
import type { Json } from '../machine-protocol.ts';

type Parts = Pick<FlowDefinitionInput, 'nodes' | 'edges'> & Partial<FlowDefinitionInput>;

export function defineFlow(parts: Parts): FlowDefinition {
  return flowDefinitionSchema.parse({
    key: 'test-flow',
    name: 'Test flow',
    trigger: { event: 'order.released', assign: 'order' },
    ...parts,
    variables: [{ name: 'order', type: 'any' }, ...(parts.variables ?? [])],
  });
}

/** Compiles `flow` and starts it with `order` as the trigger payload. */
export function start(
  flow: FlowDefinition,
  order: Json = {},
): FlowStep & { machine: ReturnType<typeof compile> } {
  const machine = compile(flow);
  return {
    machine,
    ...startFlow(machine, { trigger: { type: 'order.released', payload: order } }),
  };
}
