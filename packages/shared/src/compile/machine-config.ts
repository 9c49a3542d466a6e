/**
 * Flow definition → XState machine configuration as plain JSON. Every behaviour is a named
 * action or guard with JSON params; `compile()` supplies their implementations. Keeping the
 * configuration JSON makes it printable (`waybill compile flow.json`), diffable and
 * deterministic: the same definition always gives the same configuration.
 * @module
 */
import { resolveDuration } from '../duration.ts';
import { exceptionCategoryInfo } from '../exception-taxonomy.ts';
import { exitTargets, parallelBlocks } from '../flow-graph.ts';
import type { ParallelBlock } from '../flow-graph.ts';
import type {
  Duration,
  EventBinding,
  FlowDefinition,
  FlowNode,
  FlowNodeOf,
} from '../flow.schema.ts';
import { EffectActionType } from '../machine-protocol.ts';
import type { Json, ScheduleTimerParams } from '../machine-protocol.ts';
import { FlowCompileError } from './compile.error.ts';

/** A named action with JSON params (an effect type from the protocol, or an internal action). */
export interface ActionConfig {
  type: string;
  params: { [key: string]: Json };
}
/** A named guard with JSON params. */
export interface GuardConfig {
  type: GuardType;
  params: { [key: string]: Json };
}
export interface TransitionConfig {
  target?: string;
  guard?: GuardConfig;
  actions?: ActionConfig[];
}
export interface StateConfig {
  type?: 'final' | 'parallel';
  /** Compound and parallel states (a parallel block, a classification under review). */
  initial?: string;
  states?: Record<string, StateConfig>;
  /** `node:<id>` on every state that stands for a node (see `activeNodeIds`). */
  tags?: string[];
  onDone?: TransitionConfig[];
  entry?: ActionConfig[];
  exit?: ActionConfig[];
  always?: TransitionConfig[];
  on?: Record<string, TransitionConfig[]>;
}
/** The JSON part of a compiled flow's machine (context and output are functions of input). */
export interface FlowMachineConfig {
  id: string;
  initial: string;
  on: Record<string, TransitionConfig[]>;
  states: Record<string, StateConfig>;
}

/** Actions that only update the context (the driver never sees them as effects). */
export const InternalAction = {
  countVisit: 'countVisit',
  storeEventPayload: 'storeEventPayload',
  appendEventPayload: 'appendEventPayload',
  storeEffectOutput: 'storeEffectOutput',
  storeTaskResult: 'storeTaskResult',
  setOutcome: 'setOutcome',
  storeSubflowResult: 'storeSubflowResult',
  storeClassification: 'storeClassification',
} as const;

/** The final state a parallel branch enters when it reaches the join. */
export const JOINED_STATE = '__joined';
/** The state of a classify node while a person decides. */
export const REVIEW_STATE = 'review';

export const GuardType = {
  /** One expression holds (decision branch). */
  condition: 'condition',
  /** Every expression holds (readiness gate). */
  allConditions: 'allConditions',
  /** The incoming event passes a waitForEvent filter. */
  eventFilter: 'eventFilter',
  /** The feedback is for the current visit's connector call. */
  effectKey: 'effectKey',
  /** The timer is the current visit's timer of that purpose. */
  timerKey: 'timerKey',
  /** The completed task is the current visit's and chose this outcome. */
  taskOutcome: 'taskOutcome',
  /** The current visit's child flow completed with this outcome. */
  subflowOutcome: 'subflowOutcome',
  /** The current visit's classification chose this category at or above the threshold. */
  classifiedAs: 'classifiedAs',
} as const;
export type GuardType = (typeof GuardType)[keyof typeof GuardType];

/**
 * Builds the JSON machine configuration of a flow.
 *
 * ```ts
 * const config = compileToConfig(flow);
 * console.log(JSON.stringify(config, null, 2));
 * ```
 * @throws FlowCompileError when the flow has no start node or a duration cannot be resolved.
 */
export function compileToConfig(flow: FlowDefinition): FlowMachineConfig {
  const start = flow.nodes.find((n) => n.type === 'start');
  if (!start) throw new FlowCompileError('flow has no start node', []);
  const blocks = new Map<string, ParallelBlock>();
  const inBranch = new Set<string>();
  for (const block of parallelBlocks(flow.nodes, flow.edges)) {
    blocks.set(block.split.id, block);
    for (const branch of block.branches) for (const id of branch.members) inBranch.add(id);
  }
  const states: Record<string, StateConfig> = {};
  for (const node of flow.nodes) {
    if (inBranch.has(node.id)) continue;
    const block = blocks.get(node.id);
    states[node.id] = block ? parallelState(block, flow) : stateOf(node, flow, (id) => id);
  }
  return { id: flow.key, initial: start.id, on: bindingHandlers(flow), states };
}

/**
 * A parallel block is an XState parallel state with one region per branch. A branch's nodes are
 * states of its region; reaching the join enters the region's final state, and when every region
 * is final the block moves on to the join. An edge to a node outside the block leaves it (every
 * branch is exited, so their timers and tasks are cancelled).
 */
function parallelState(block: ParallelBlock, flow: FlowDefinition): StateConfig {
  const join = block.join;
  if (join === null)
    throw new FlowCompileError(`node '${block.split.id}': the split names no join`, []);
  const regions: Record<string, StateConfig> = {};
  for (const branch of block.branches) {
    if (branch.first === null || !branch.reachesJoin)
      throw new FlowCompileError(
        `node '${block.split.id}': branch '${branch.id}' never reaches the join`,
        [],
      );
    const resolve = (id: string): string =>
      branch.members.has(id) ? id : id === join.id ? JOINED_STATE : `#${flow.key}.${id}`;
    const states: Record<string, StateConfig> = {
      [JOINED_STATE]: { type: 'final', tags: [nodeTag(join.id)] },
    };
    for (const node of flow.nodes)
      if (branch.members.has(node.id)) states[node.id] = stateOf(node, flow, resolve);
    regions[branch.id] = {
      initial: branch.first === join.id ? JOINED_STATE : branch.first,
      states,
    };
  }
  return {
    type: 'parallel',
    entry: entryOf(block.split),
    states: regions,
    onDone: [{ target: join.id }],
  };
}

function entryOf(node: FlowNode): ActionConfig[] {
  return [
    { type: InternalAction.countVisit, params: { nodeId: node.id } },
    { type: EffectActionType.enterNode, params: { nodeId: node.id, nodeType: node.type } },
  ];
}

/** Event bindings keep each bound event's payload in its variable, whatever the active node. */
function bindingHandlers(flow: FlowDefinition): Record<string, TransitionConfig[]> {
  const on: Record<string, TransitionConfig[]> = {};
  for (const binding of flow.events) {
    const actions = bindingActions(binding);
    if (actions.length === 0 || on[binding.type]) continue;
    on[binding.type] = [{ actions }];
  }
  return on;
}

function bindingActions(binding: EventBinding | undefined): ActionConfig[] {
  const actions: ActionConfig[] = [];
  if (binding?.assign !== undefined) actions.push(storePayload(binding.assign));
  if (binding?.append !== undefined) {
    actions.push({
      type: InternalAction.appendEventPayload,
      params: { variable: binding.append },
    });
  }
  return actions;
}

function storePayload(variable: string): ActionConfig {
  return { type: InternalAction.storeEventPayload, params: { variable } };
}

/**
 * The state of one node. `resolve` maps a target node id to the state the transition names
 * (itself at the top level; a region's own state, its final state or `#<flow>.<node>` inside a
 * parallel branch).
 */
function stateOf(
  node: FlowNode,
  flow: FlowDefinition,
  resolve: (nodeId: string) => string,
): StateConfig {
  return { ...nodeState(node, flow, resolve), tags: [nodeTag(node.id)] };
}

/** The tag of the state that stands for a node. */
export function nodeTag(nodeId: string): string {
  return `node:${nodeId}`;
}

function nodeState(
  node: FlowNode,
  flow: FlowDefinition,
  resolve: (nodeId: string) => string,
): StateConfig {
  const exits = exitTargets(node, flow.edges);
  const to = (exit: string): { target?: string } => {
    const target = exits.get(exit);
    return target === undefined ? {} : { target: resolve(target) };
  };
  const entry = entryOf(node);
  switch (node.type) {
    case 'start':
    case 'parallel':
      // A split outside any valid block cannot get here (compile() validates first); a join
      // moves on as soon as it is entered, which happens when every branch has arrived.
      return { entry, always: [to('next')] };
    case 'end':
      return {
        type: 'final',
        entry: [...entry, { type: InternalAction.setOutcome, params: { outcome: node.outcome } }],
      };
    case 'decision':
      return {
        entry,
        always: [
          ...node.conditions.map((c) => ({
            guard: { type: GuardType.condition, params: { expr: c.expression } },
            ...to(c.id),
          })),
          to('default'),
        ],
      };
    case 'readinessGate':
      return {
        ...withTimeout(node, flow, node.timeout, entry),
        always: [
          {
            guard: {
              type: GuardType.allConditions,
              params: { exprs: node.conditions.map((c) => c.expression) },
            },
            ...to('ready'),
          },
        ],
        on: node.timeout ? { 'waybill.timer.fired': [timerFired(node.id, 'timeout', to)] } : {},
      };
    case 'connectorCall':
      return connectorCallState(node, entry, to);
    case 'waitForEvent':
      return waitForEventState(node, flow, entry, to);
    case 'timer':
      return {
        ...withTimer(node, flow, { duration: node.delay, purpose: 'delay' }, entry),
        on: { 'waybill.timer.fired': [timerFired(node.id, 'delay', to, 'next')] },
      };
    case 'humanTask':
      return humanTaskState(node, flow, entry, to);
    case 'subflow':
      return subflowState(node, entry, to);
    case 'exception':
      return exceptionState(node, flow, entry, to);
    case 'classify':
      return classifyState(node, entry, to);
  }
}

function subflowState(node: FlowNodeOf<'subflow'>, entry: ActionConfig[], to: To): StateConfig {
  const startChild: ActionConfig = {
    type: EffectActionType.startSubflow,
    params: {
      nodeId: node.id,
      flowKey: node.flow,
      version: node.version ?? null,
      input: toJsonObject(node.input),
    },
  };
  const store: ActionConfig[] = node.resultVariable
    ? [{ type: InternalAction.storeSubflowResult, params: { variable: node.resultVariable } }]
    : [];
  const finished: TransitionConfig[] = node.outcomes.map((outcome) => ({
    guard: { type: GuardType.subflowOutcome, params: { nodeId: node.id, outcome } },
    ...to(outcome),
    actions: store,
  }));
  // Failed, cancelled, or an outcome without an exit of its own.
  if (to('failed').target !== undefined)
    finished.push({
      guard: { type: GuardType.effectKey, params: { nodeId: node.id } },
      ...to('failed'),
      actions: store,
    });
  return {
    entry: [...entry, startChild],
    exit: [{ type: EffectActionType.cancelSubflow, params: { nodeId: node.id } }],
    on: { 'waybill.subflow.finished': finished },
  };
}

function exceptionState(
  node: FlowNodeOf<'exception'>,
  flow: FlowDefinition,
  entry: ActionConfig[],
  to: To,
): StateConfig {
  const info = exceptionCategoryInfo(node.category);
  if (!info) throw new FlowCompileError(`node '${node.id}': unknown category`, []);
  const ownerRole = node.ownerRole ?? info.ownerRole;
  const slaMs = durationMs(node, node.sla ?? info.sla, flow);
  const raise: ActionConfig = {
    type: EffectActionType.raiseException,
    params: {
      nodeId: node.id,
      category: node.category,
      ownerRole,
      severity: node.severity,
      slaMs,
      details: toJsonObject(node.details),
      openTask: node.openTask,
      blocking: node.waitForResolution,
    },
  };
  const actions = [...entry, raise];
  if (node.openTask)
    actions.push({
      type: EffectActionType.createTask,
      params: {
        nodeId: node.id,
        title: `${info.label}: ${node.name ?? node.id}`,
        instructions: node.description ?? info.resolution,
        candidateRoles: [ownerRole],
        form: [],
        outcomes: node.outcomes.map((o) => ({ id: o.id, label: o.label })),
        dueInMs: slaMs,
        escalation: null,
      },
    });
  if (!node.waitForResolution) return { entry: actions, always: [to('next')] };
  return {
    entry: actions,
    exit: [{ type: EffectActionType.cancelTask, params: { nodeId: node.id } }],
    on: {
      'waybill.task.completed': node.outcomes.map((outcome) => ({
        guard: { type: GuardType.taskOutcome, params: { nodeId: node.id, outcome: outcome.id } },
        ...to(outcome.id),
      })),
    },
  };
}

/**
 * Classify: asks the classifier on entry; a confident answer leaves through its category, any
 * other answer opens a review task whose outcomes are the categories.
 */
function classifyState(node: FlowNodeOf<'classify'>, entry: ActionConfig[], to: To): StateConfig {
  const ask: ActionConfig = {
    type: EffectActionType.classify,
    params: {
      nodeId: node.id,
      text: node.text,
      features: toJsonObject(node.features),
      categories: [...node.categories],
      threshold: node.threshold,
    },
  };
  const store: ActionConfig[] = node.resultVariable
    ? [{ type: InternalAction.storeClassification, params: { variable: node.resultVariable } }]
    : [];
  const review: ActionConfig = {
    type: EffectActionType.createTask,
    params: {
      nodeId: node.id,
      title: `Classify: ${node.name ?? node.id}`,
      instructions: null,
      candidateRoles: [...node.reviewRoles],
      form: [],
      outcomes: node.categories.map((c) => ({
        id: c,
        label: exceptionCategoryInfo(c)?.label ?? c,
      })),
      dueInMs: null,
      escalation: null,
      suggestion: true,
    },
  };
  return {
    entry: [...entry, ask],
    initial: 'classifying',
    states: {
      classifying: {},
      [REVIEW_STATE]: {
        entry: [review],
        exit: [{ type: EffectActionType.cancelTask, params: { nodeId: node.id } }],
      },
    },
    on: {
      'waybill.classified': [
        ...node.categories.map((category) => ({
          guard: {
            type: GuardType.classifiedAs,
            params: { nodeId: node.id, category, threshold: node.threshold },
          },
          ...to(category),
          actions: store,
        })),
        {
          guard: { type: GuardType.effectKey, params: { nodeId: node.id } },
          target: `.${REVIEW_STATE}`,
        },
      ],
      'waybill.task.completed': node.categories.map((category) => ({
        guard: { type: GuardType.taskOutcome, params: { nodeId: node.id, outcome: category } },
        ...to(category),
        actions: [
          ...store,
          { type: EffectActionType.recordTriageDecision, params: { nodeId: node.id } },
        ],
      })),
    },
  };
}

type To = (exit: string) => { target?: string };

function withTimeout(
  node: FlowNode,
  flow: FlowDefinition,
  timeout: Duration | undefined,
  entry: ActionConfig[],
): StateConfig {
  if (timeout === undefined) return { entry };
  return withTimer(node, flow, { duration: timeout, purpose: 'timeout' }, entry);
}

/** A timer that lives as long as the visit: scheduled on entry, cancelled on exit. */
function withTimer(
  node: FlowNode,
  flow: FlowDefinition,
  timer: { duration: Duration; purpose: ScheduleTimerParams['purpose'] },
  entry: ActionConfig[],
): StateConfig {
  const delayMs = durationMs(node, timer.duration, flow);
  const params = { nodeId: node.id, purpose: timer.purpose };
  return {
    entry: [...entry, { type: EffectActionType.scheduleTimer, params: { ...params, delayMs } }],
    exit: [{ type: EffectActionType.cancelTimer, params }],
  };
}

function timerFired(
  nodeId: string,
  purpose: ScheduleTimerParams['purpose'],
  to: To,
  exit: string = purpose,
): TransitionConfig {
  return { guard: { type: GuardType.timerKey, params: { nodeId, purpose } }, ...to(exit) };
}

function durationMs(node: FlowNode, duration: Duration, flow: FlowDefinition): number {
  try {
    return resolveDuration(duration, flow.parameters);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new FlowCompileError(`node '${node.id}': ${message}`, [], { cause: error });
  }
}

function connectorCallState(
  node: FlowNodeOf<'connectorCall'>,
  entry: ActionConfig[],
  to: To,
): StateConfig {
  const call: ActionConfig = {
    type: EffectActionType.callConnector,
    params: {
      nodeId: node.id,
      connector: node.connector,
      connectorVersion: node.connectorVersion,
      operation: node.operation,
      input: toJsonObject(node.input),
      retry: node.retry ? { ...node.retry } : null,
      timeoutMs: node.timeoutMs ?? null,
      onFailure: to('error').target === undefined ? 'incident' : 'feed',
    },
  };
  const guard: GuardConfig = { type: GuardType.effectKey, params: { nodeId: node.id } };
  const store: ActionConfig[] = node.resultVariable
    ? [{ type: InternalAction.storeEffectOutput, params: { variable: node.resultVariable } }]
    : [];
  const on: Record<string, TransitionConfig[]> = {
    'waybill.effect.succeeded': [{ guard, ...to('success'), actions: store }],
  };
  // Without an error edge a failure leaves the instance here; the runtime opens an incident.
  if (to('error').target !== undefined) on['waybill.effect.failed'] = [{ guard, ...to('error') }];
  return { entry: [...entry, call], on };
}

function waitForEventState(
  node: FlowNodeOf<'waitForEvent'>,
  flow: FlowDefinition,
  entry: ActionConfig[],
  to: To,
): StateConfig {
  // A child transition shadows the root binding for the same event, so do its work here too.
  const binding = flow.events.find((e) => e.type === node.eventType);
  const actions = bindingActions(binding);
  if (node.assign !== undefined && node.assign !== binding?.assign)
    actions.push(storePayload(node.assign));
  const received: TransitionConfig = { ...to('event'), actions };
  if (node.filter !== undefined && node.filter.trim() !== '') {
    received.guard = { type: GuardType.eventFilter, params: { expr: node.filter } };
  }
  const on: Record<string, TransitionConfig[]> = { [node.eventType]: [received] };
  if (node.timeout) on['waybill.timer.fired'] = [timerFired(node.id, 'timeout', to)];
  return { ...withTimeout(node, flow, node.timeout, entry), on };
}

function humanTaskState(
  node: FlowNodeOf<'humanTask'>,
  flow: FlowDefinition,
  entry: ActionConfig[],
  to: To,
): StateConfig {
  const create: ActionConfig = {
    type: EffectActionType.createTask,
    params: {
      nodeId: node.id,
      title: node.title,
      instructions: node.instructions ?? null,
      candidateRoles: [...node.candidateRoles],
      form: node.form.map((field) => toJsonObject(field)),
      outcomes: node.outcomes.map((o) => ({ id: o.id, label: o.label })),
      dueInMs: node.dueIn === undefined ? null : durationMs(node, node.dueIn, flow),
      escalation: node.escalation
        ? { afterMs: durationMs(node, node.escalation.after, flow), toRole: node.escalation.toRole }
        : null,
    },
  };
  const store: ActionConfig[] = node.resultVariable
    ? [{ type: InternalAction.storeTaskResult, params: { variable: node.resultVariable } }]
    : [];
  return {
    entry: [...entry, create],
    exit: [{ type: EffectActionType.cancelTask, params: { nodeId: node.id } }],
    on: {
      'waybill.task.completed': node.outcomes.map((outcome) => ({
        guard: { type: GuardType.taskOutcome, params: { nodeId: node.id, outcome: outcome.id } },
        ...to(outcome.id),
        actions: store,
      })),
    },
  };
}

/**
 * A JSON copy of a value parsed from a JSON definition (drops `undefined` fields).
 * @throws FlowCompileError for values JSON cannot hold (functions, non-finite numbers, …).
 */
export function toJsonValue(value: unknown): Json {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (typeof value === 'object') return toJsonObject(value);
  throw new FlowCompileError(`a ${typeof value} is not a JSON value`, []);
}

function toJsonObject(value: object): { [key: string]: Json } {
  const object: { [key: string]: Json } = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== undefined) object[key] = toJsonValue(item);
  }
  return object;
}
