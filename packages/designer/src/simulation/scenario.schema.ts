/** The stored shape of a simulation scenario, checked when scenarios are read back. */
import { z } from 'zod';
import type { Scenario } from './simulator.ts';

const json = z.json();

const stepSchema = z.union([
  z.object({ kind: z.literal('event'), type: z.string().min(1), payload: json }),
  z.object({ kind: z.literal('connector'), nodeId: z.string(), ok: z.literal(true), output: json }),
  z.object({
    kind: z.literal('connector'),
    nodeId: z.string(),
    ok: z.literal(false),
    error: z.object({ code: z.string(), message: z.string() }),
  }),
  z.object({ kind: z.literal('timer'), nodeId: z.string() }),
  z.object({
    kind: z.literal('task'),
    nodeId: z.string(),
    outcome: z.string(),
    data: z.record(z.string(), json),
  }),
  z.object({
    kind: z.literal('subflow'),
    nodeId: z.string(),
    status: z.enum(['completed', 'failed']),
    outcome: z.string().nullable(),
  }),
  z.object({
    kind: z.literal('classify'),
    nodeId: z.string(),
    category: z.string().nullable(),
    confidence: z.number().min(0).max(1),
  }),
]);

export const scenarioSchema: z.ZodType<Scenario> = z.object({
  name: z.string().min(1),
  trigger: json,
  steps: z.array(stepSchema),
  expected: z.object({
    done: z.boolean(),
    outcome: z.string().nullable(),
    activeNodes: z.array(z.string()),
  }),
});
