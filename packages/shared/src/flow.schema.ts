/**
 * The flow definition: what a process owner draws in the designer, what `validate()` checks,
 * what `compile()` turns into an XState machine, and what the runtime pins each instance to.
 *
 * Nodes and edges are keyed by a stable `id`, never by display name. Branches leave a node
 * through a named `sourceHandle` (a decision condition id, a task outcome id, `timeout`, …).
 *
 * ```ts
 * import { flowDefinitionSchema } from '@waybill/shared';
 * const flow = flowDefinitionSchema.parse(JSON.parse(text));
 * ```
 * @module
 */
import { z } from 'zod';
import { exceptionCategories } from './exception-taxonomy.ts';

/** Current version of the flow definition format. */
export const FLOW_SCHEMA_VERSION = 1;

const identifier = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]*$/,
    'must start with a letter or _ and hold only letters, digits and _',
  );

const nodeId = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9_-]*$/,
    'must start with a letter and hold only letters, digits, _ and -',
  )
  .max(64);

/** Dotted event type, e.g. `shipment.confirmed`. The `waybill.` prefix is reserved. */
export const eventTypeSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+$/,
    'must be a dotted lower-case name like shipment.confirmed',
  );

/**
 * The type of a variable, an event payload or a field: a scalar name, a list or an object.
 *
 * ```ts
 * const shipment: TypeSpec = { object: { shipmentId: 'string', lines: { list: { object: { sku: 'string', qty: 'number' } } } } };
 * ```
 */
export type TypeSpec =
  | 'string'
  | 'number'
  | 'integer'
  | 'boolean'
  | 'timestamp'
  | 'any'
  | { list: TypeSpec }
  | { object: Record<string, TypeSpec>; optional?: string[] };

export const scalarTypeNames = [
  'string',
  'number',
  'integer',
  'boolean',
  'timestamp',
  'any',
] as const;

export const typeSpecSchema: z.ZodType<TypeSpec> = z.lazy(() =>
  z.union([
    z.enum(scalarTypeNames),
    z.object({ list: typeSpecSchema }).strict(),
    z
      .object({
        object: z.record(z.string(), typeSpecSchema),
        optional: z.array(z.string()).optional(),
      })
      .strict(),
  ]),
);

/** ISO-8601 duration (`PT48H`, `P2D`, `PT30M`) or a reference to a duration parameter. */
export const durationSchema = z.union([
  z
    .string()
    .regex(
      /^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/,
      'must be an ISO-8601 duration like PT48H or P2D',
    ),
  z.object({ param: identifier }).strict(),
]);
export type Duration = z.infer<typeof durationSchema>;

/** A value fed to a connector input or a variable: a literal, or a CEL expression over the context. */
export const valueSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('static'), value: z.unknown() }).strict(),
  z.object({ kind: z.literal('expr'), expr: z.string().min(1) }).strict(),
]);
export type ValueSource = z.infer<typeof valueSourceSchema>;

export const variableSchema = z
  .object({
    name: identifier,
    type: typeSpecSchema,
    description: z.string().optional(),
    /** Value at instance start; absent means `null` until an event or node sets it. */
    initial: z.unknown().optional(),
  })
  .strict();
export type VariableDeclaration = z.infer<typeof variableSchema>;

export const parameterTypeNames = ['string', 'number', 'integer', 'boolean', 'duration'] as const;

/** What a business unit sets when it deploys the flow (tolerances, SLAs, owner roles, …). */
export const parameterSchema = z
  .object({
    name: identifier,
    type: z.enum(parameterTypeNames),
    description: z.string().optional(),
    default: z.unknown().optional(),
    /** Set at deployment; falls back to `default`. */
    value: z.unknown().optional(),
  })
  .strict();
export type ParameterDeclaration = z.infer<typeof parameterSchema>;

/**
 * How an incoming business event updates the instance, whatever node it is waiting at:
 * its payload is kept in `assign` (so events that arrive early are not lost), or added to the end
 * of the list in `append` (every event of the type is kept), and `payload` types it for the
 * expression checker.
 */
export const eventBindingSchema = z
  .object({
    type: eventTypeSchema,
    assign: identifier.optional(),
    /** A list variable each payload of this type is appended to (the trigger's too), e.g. to collect shipments. */
    append: identifier.optional(),
    payload: typeSpecSchema.optional(),
    description: z.string().optional(),
  })
  .strict();
export type EventBinding = z.infer<typeof eventBindingSchema>;

export const triggerSchema = z
  .object({
    /** The event type that starts an instance. */
    event: eventTypeSchema,
    /** Variable that receives the trigger event's payload. */
    assign: identifier.optional(),
  })
  .strict();

export const positionSchema = z.object({ x: z.number(), y: z.number() }).strict();

const nodeBase = {
  id: nodeId,
  name: z.string().max(200).optional(),
  description: z.string().optional(),
  position: positionSchema.optional(),
};

export const conditionSchema = z
  .object({ id: identifier, label: z.string().optional(), expression: z.string().min(1) })
  .strict();
export type Condition = z.infer<typeof conditionSchema>;

export const retryPolicySchema = z
  .object({
    maxAttempts: z.number().int().min(1).max(100).default(5),
    initialIntervalMs: z.number().int().min(0).default(1000),
    backoffCoefficient: z.number().min(1).max(10).default(2),
    maxIntervalMs: z.number().int().min(0).default(60_000),
  })
  .strict();
export type RetryPolicy = z.infer<typeof retryPolicySchema>;

export const formFieldSchema = z
  .object({
    id: identifier,
    label: z.string().min(1),
    type: z.enum(['string', 'text', 'number', 'boolean', 'date', 'select']),
    required: z.boolean().default(false),
    options: z.array(z.string()).optional(),
  })
  .strict();
export type FormField = z.infer<typeof formFieldSchema>;

export const outcomeSchema = z.object({ id: identifier, label: z.string().min(1) }).strict();

export const startNodeSchema = z.object({ ...nodeBase, type: z.literal('start') }).strict();

export const endNodeSchema = z
  .object({ ...nodeBase, type: z.literal('end'), outcome: z.string().min(1).default('completed') })
  .strict();

/** Branches on the first condition that holds; leaves through `default` when none does. */
export const decisionNodeSchema = z
  .object({ ...nodeBase, type: z.literal('decision'), conditions: z.array(conditionSchema).min(1) })
  .strict();

/**
 * Waits until every named condition holds (re-checked after each event), then leaves through
 * `ready`; with `timeout`, leaves through `timeout` when the conditions have not all held in time.
 */
export const readinessGateNodeSchema = z
  .object({
    ...nodeBase,
    type: z.literal('readinessGate'),
    conditions: z.array(conditionSchema).min(1),
    timeout: durationSchema.optional(),
  })
  .strict();

/** Calls a connector operation after the transition commits; leaves through `success` or `error`. */
export const connectorCallNodeSchema = z
  .object({
    ...nodeBase,
    type: z.literal('connectorCall'),
    connector: z.string().min(1),
    connectorVersion: z.number().int().min(1).default(1),
    operation: z.string().min(1),
    input: z.record(z.string(), valueSourceSchema).default({}),
    /** Variable that receives the operation's output. */
    resultVariable: identifier.optional(),
    retry: retryPolicySchema.optional(),
    timeoutMs: z.number().int().min(1).max(3_600_000).optional(),
  })
  .strict();

/** Waits for one event of `eventType`; leaves through `event`, or `timeout` when set. */
export const waitForEventNodeSchema = z
  .object({
    ...nodeBase,
    type: z.literal('waitForEvent'),
    eventType: eventTypeSchema,
    /** Optional CEL filter over `event` (the incoming event) and the context. */
    filter: z.string().optional(),
    assign: identifier.optional(),
    timeout: durationSchema.optional(),
  })
  .strict();

/** Waits for a fixed duration; leaves through its single edge. */
export const timerNodeSchema = z
  .object({ ...nodeBase, type: z.literal('timer'), delay: durationSchema })
  .strict();

/** A decision for people: an inbox task for the candidate roles; leaves through the chosen outcome. */
export const humanTaskNodeSchema = z
  .object({
    ...nodeBase,
    type: z.literal('humanTask'),
    title: z.string().min(1),
    instructions: z.string().optional(),
    candidateRoles: z.array(z.string().min(1)).min(1),
    form: z.array(formFieldSchema).default([]),
    outcomes: z.array(outcomeSchema).min(1),
    resultVariable: identifier.optional(),
    dueIn: durationSchema.optional(),
    escalation: z
      .object({ after: durationSchema, toRole: z.string().min(1) })
      .strict()
      .optional(),
  })
  .strict();

/** A branch of a parallel split: its exit id (the edge's `sourceHandle`) and a label. */
export const parallelBranchSchema = z
  .object({ id: identifier, label: z.string().optional() })
  .strict();

/**
 * Runs several branches at once. A `split` leaves through every branch at the same time and
 * names the `join` where they meet; the `join` waits until every branch has arrived, then leaves
 * through its single exit. A branch may wait (events, tasks, connector calls, timers); an edge
 * that leaves a branch for a node outside the block ends the whole block (the other branches'
 * timers and tasks are withdrawn).
 */
export const parallelNodeSchema = z
  .object({
    ...nodeBase,
    type: z.literal('parallel'),
    mode: z.enum(['split', 'join']),
    /** Split only: the branches, each an exit of the split. */
    branches: z.array(parallelBranchSchema).default([]),
    /** Split only: the join node where the branches meet. */
    join: nodeId.optional(),
  })
  .strict();

/**
 * Starts an instance of another published flow (its trigger payload is `input`) and waits for
 * it to finish; leaves through the child's end outcome, or `failed` when the child failed, was
 * cancelled or ended with an outcome not listed.
 */
export const subflowNodeSchema = z
  .object({
    ...nodeBase,
    type: z.literal('subflow'),
    /** Key of the published flow to call. */
    flow: flowKeyRef(),
    /** Pin a published version; absent means the latest published version at call time. */
    version: z.number().int().min(1).optional(),
    input: z.record(z.string(), valueSourceSchema).default({}),
    /** The child's end outcomes that get their own exit. */
    outcomes: z.array(z.string().min(1).max(64)).min(1).default(['completed']),
    /** Variable that receives `{ outcome, vars }` of the finished child. */
    resultVariable: identifier.optional(),
  })
  .strict();

export const exceptionSeverities = ['low', 'medium', 'high', 'critical'] as const;

/**
 * Raises a business exception of the taxonomy: an exception record with owner role and SLA, and
 * (with `openTask`) an inbox task for the owner. With `waitForResolution` the flow waits for the
 * owner's decision and leaves through the chosen outcome; otherwise it goes on at once.
 */
export const exceptionNodeSchema = z
  .object({
    ...nodeBase,
    type: z.literal('exception'),
    category: z.enum(exceptionCategories),
    severity: z.enum(exceptionSeverities).default('medium'),
    /** Overrides the category's owner role. */
    ownerRole: z.string().min(1).optional(),
    /** Overrides the category's SLA. */
    sla: durationSchema.optional(),
    /** What the exception record and the task show, evaluated at entry. */
    details: z.record(z.string(), valueSourceSchema).default({}),
    openTask: z.boolean().default(true),
    waitForResolution: z.boolean().default(false),
    /** The owner's choices when the flow waits for resolution. */
    outcomes: z
      .array(outcomeSchema)
      .min(1)
      .default([{ id: 'resolved', label: 'Resolved' }]),
  })
  .strict();

/**
 * AI-assisted triage: the classifier proposes one of `categories` with a confidence; at or above
 * `threshold` the flow leaves through that category's exit, below it a person of `reviewRoles`
 * decides (and the decision is kept as training data).
 */
export const classifyNodeSchema = z
  .object({
    ...nodeBase,
    type: z.literal('classify'),
    /** CEL expression giving the text to classify. */
    text: z.string().min(1),
    features: z.record(z.string(), valueSourceSchema).default({}),
    /** Taxonomy categories this node may route to; each is an exit. */
    categories: z.array(z.enum(exceptionCategories)).min(1),
    threshold: z.number().min(0).max(1).default(0.8),
    reviewRoles: z.array(z.string().min(1)).min(1).default(['exceptions']),
    /** Variable that receives `{ category, confidence, decidedBy }`. */
    resultVariable: identifier.optional(),
  })
  .strict();

export const flowNodeSchema = z.discriminatedUnion('type', [
  startNodeSchema,
  endNodeSchema,
  decisionNodeSchema,
  readinessGateNodeSchema,
  connectorCallNodeSchema,
  waitForEventNodeSchema,
  timerNodeSchema,
  humanTaskNodeSchema,
  parallelNodeSchema,
  subflowNodeSchema,
  exceptionNodeSchema,
  classifyNodeSchema,
]);
export type FlowNode = z.infer<typeof flowNodeSchema>;
export type FlowNodeType = FlowNode['type'];
export type FlowNodeOf<TType extends FlowNodeType> = Extract<FlowNode, { type: TType }>;

export const flowNodeTypes = [
  'start',
  'readinessGate',
  'decision',
  'connectorCall',
  'waitForEvent',
  'timer',
  'humanTask',
  'parallel',
  'subflow',
  'exception',
  'classify',
  'end',
] as const satisfies readonly FlowNodeType[];

export const flowEdgeSchema = z
  .object({
    id: z.string().min(1).max(128),
    source: nodeId,
    target: nodeId,
    /**
     * Which exit of the source this edge leaves from: a decision condition id or `default`,
     * a task outcome id, `ready`/`timeout` (gate), `event`/`timeout` (wait), `success`/`error`
     * (connector call), a branch id (parallel split), a child outcome or `failed` (subflow), a
     * resolution outcome (exception that waits), a category (classify). Absent for nodes with a
     * single exit.
     */
    sourceHandle: z.string().min(1).optional(),
    label: z.string().optional(),
  })
  .strict();
export type FlowEdge = z.infer<typeof flowEdgeSchema>;

export const flowKeySchema = flowKeyRef();

function flowKeyRef() {
  return z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/, 'must be lower-case letters, digits and -, starting with a letter')
    .max(80);
}

export const flowDefinitionSchema = z
  .object({
    schemaVersion: z.literal(FLOW_SCHEMA_VERSION).default(FLOW_SCHEMA_VERSION),
    key: flowKeySchema,
    name: z.string().min(1).max(200),
    description: z.string().optional(),
    /** Set by the runtime when a version is published. */
    version: z.number().int().min(1).optional(),
    trigger: triggerSchema,
    variables: z.array(variableSchema).default([]),
    events: z.array(eventBindingSchema).default([]),
    parameters: z.array(parameterSchema).default([]),
    nodes: z.array(flowNodeSchema),
    edges: z.array(flowEdgeSchema),
  })
  .strict();

/** A parsed flow definition (defaults applied). */
export type FlowDefinition = z.infer<typeof flowDefinitionSchema>;
/** A flow definition as written in JSON (defaults optional). */
export type FlowDefinitionInput = z.input<typeof flowDefinitionSchema>;

/** The exits each node kind can leave through, in display order. */
export function exitsOf(node: FlowNode): string[] {
  switch (node.type) {
    case 'start':
    case 'timer':
      return ['next'];
    case 'end':
      return [];
    case 'decision':
      return [...node.conditions.map((c) => c.id), 'default'];
    case 'readinessGate':
      return node.timeout ? ['ready', 'timeout'] : ['ready'];
    case 'connectorCall':
      return ['success', 'error'];
    case 'waitForEvent':
      return node.timeout ? ['event', 'timeout'] : ['event'];
    case 'humanTask':
      return node.outcomes.map((o) => o.id);
    case 'parallel':
      return node.mode === 'split' ? node.branches.map((b) => b.id) : ['next'];
    case 'subflow':
      return [...node.outcomes, 'failed'];
    case 'exception':
      return node.waitForResolution ? node.outcomes.map((o) => o.id) : ['next'];
    case 'classify':
      return [...node.categories];
  }
}
