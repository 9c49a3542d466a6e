/**
 * The protocol between a compiled flow machine and whoever drives it (the runtime's workers,
 * or the designer's simulator). Machines do no I/O: they receive the events below and return
 * effect actions (via XState's pure `transition()` / `initialTransition()`), which the driver
 * persists in the same transaction as the new snapshot and performs after commit.
 *
 * ```ts
 * import { initialTransition, transition } from 'xstate';
 * import { compile, isEffectAction } from '@waybill/shared';
 * const machine = compile(flow);
 * let [snapshot, actions] = initialTransition(machine, { trigger: { type: 'order.released', payload } });
 * [snapshot, actions] = transition(machine, snapshot, { type: 'shipment.confirmed', payload: shipment });
 * const effects = actions.filter(isEffectAction);
 * ```
 * @module
 */
import type { FormField, RetryPolicy } from './flow.schema.ts';

/** A JSON value as stored in the instance context. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** The machine's context; `vars` holds the flow's variables by name. */
export interface FlowContext {
  vars: Record<string, Json>;
  /** How many times each node has been entered; makes effect, timer and task ids unique per visit. */
  visits: Record<string, number>;
  /** Set by the `end` node that finished the instance. */
  outcome: string | null;
}

/** What an instance is started with. */
export interface FlowInput {
  trigger: { type: string; payload: Json };
}

/** A business event delivered to the instance (type is the event's own dotted type). */
export interface BusinessEvent {
  type: string;
  payload: Json;
  eventId?: string;
}

/** A connector call scheduled by `waybill.callConnector` finished. */
export interface EffectSucceededEvent {
  type: 'waybill.effect.succeeded';
  effectKey: string;
  output: Json;
}
export interface EffectFailedEvent {
  type: 'waybill.effect.failed';
  effectKey: string;
  error: { code: string; message: string };
}
/** A timer scheduled by `waybill.scheduleTimer` is due. */
export interface TimerFiredEvent {
  type: 'waybill.timer.fired';
  timerKey: string;
}
/** A person completed a task created by `waybill.createTask`. */
export interface TaskCompletedEvent {
  type: 'waybill.task.completed';
  taskKey: string;
  outcome: string;
  data: Record<string, Json>;
  completedBy: string;
}

/** A child instance started by `waybill.startSubflow` finished (sent once per child). */
export interface SubflowFinishedEvent {
  type: 'waybill.subflow.finished';
  effectKey: string;
  /** `completed` with the child's end outcome, or `failed` / `cancelled` (outcome null). */
  status: 'completed' | 'failed' | 'cancelled';
  outcome: string | null;
  vars: Record<string, Json>;
  childInstanceId: string;
}
/** The classifier's answer to `waybill.classify` (confidence 0 when no model is trained). */
export interface ClassifiedEvent {
  type: 'waybill.classified';
  effectKey: string;
  category: string | null;
  confidence: number;
  modelVersion: string | null;
}

export type RuntimeEvent =
  | EffectSucceededEvent
  | EffectFailedEvent
  | TimerFiredEvent
  | TaskCompletedEvent
  | SubflowFinishedEvent
  | ClassifiedEvent;
export type FlowEvent = BusinessEvent | RuntimeEvent;

/** Action types a compiled machine emits for its driver to perform. */
export const EffectActionType = {
  /** Call a connector operation after commit; feed back `waybill.effect.*` with `effectKey`. */
  callConnector: 'waybill.callConnector',
  /** Start a durable timer; feed back `waybill.timer.fired` with `timerKey` when due. */
  scheduleTimer: 'waybill.scheduleTimer',
  /** Cancel a timer that is no longer needed (its node was left another way). */
  cancelTimer: 'waybill.cancelTimer',
  /** Open an inbox task; feed back `waybill.task.completed` with `taskKey`. */
  createTask: 'waybill.createTask',
  /** Withdraw an open task (its node was left another way, e.g. by a timeout). */
  cancelTask: 'waybill.cancelTask',
  /** A node was entered (for history, audit and the live overlay). */
  enterNode: 'waybill.enterNode',
  /**
   * Start a child instance of a published flow in the same transaction; when it finishes, feed
   * back `waybill.subflow.finished` with `effectKey` (exactly once).
   */
  startSubflow: 'waybill.startSubflow',
  /** Cancel the child of a subflow node left another way (e.g. a parallel block ended). */
  cancelSubflow: 'waybill.cancelSubflow',
  /** Record a business exception (category, owner role, SLA) in the same transaction. */
  raiseException: 'waybill.raiseException',
  /** Ask the classifier for a category; feed back `waybill.classified` with `effectKey`. */
  classify: 'waybill.classify',
  /** A person decided a classification the classifier was not sure of (training data). */
  recordTriageDecision: 'waybill.recordTriageDecision',
} as const;
export type EffectActionType = (typeof EffectActionType)[keyof typeof EffectActionType];

export interface CallConnectorParams {
  /** `<nodeId>#<visit>`: stable across retries and replays; part of the idempotency key. */
  effectKey: string;
  nodeId: string;
  connector: string;
  connectorVersion: number;
  operation: string;
  input: Record<string, Json>;
  retry: RetryPolicy | null;
  timeoutMs: number | null;
  /**
   * What the driver does once the call failed for good: `feed` sends `waybill.effect.failed`
   * (the node has an `error` exit), `incident` opens an incident for an operator instead.
   */
  onFailure: 'feed' | 'incident';
}
export interface ScheduleTimerParams {
  /** `<nodeId>#<visit>:<purpose>` */
  timerKey: string;
  nodeId: string;
  delayMs: number;
  purpose: 'timeout' | 'delay' | 'due' | 'escalation';
}
export interface CancelTimerParams {
  timerKey: string;
}
export interface CreateTaskParams {
  /** `<nodeId>#<visit>` */
  taskKey: string;
  nodeId: string;
  title: string;
  instructions: string | null;
  candidateRoles: string[];
  form: FormField[];
  outcomes: { id: string; label: string }[];
  dueInMs: number | null;
  escalation: { afterMs: number; toRole: string } | null;
}
export interface CancelTaskParams {
  taskKey: string;
}
export interface EnterNodeParams {
  nodeId: string;
  nodeType: string;
  visit: number;
}

export interface StartSubflowParams {
  /** `<nodeId>#<visit>`: the child's `parent_effect_key`. */
  effectKey: string;
  nodeId: string;
  flowKey: string;
  /** Pinned version, or null for the latest published one. */
  version: number | null;
  /** The child's trigger payload. */
  input: Record<string, Json>;
}
export interface CancelSubflowParams {
  /** The `effectKey` the child was started with. */
  effectKey: string;
}
export interface RaiseExceptionParams {
  /** `<nodeId>#<visit>` */
  exceptionKey: string;
  nodeId: string;
  category: string;
  ownerRole: string;
  severity: string;
  slaMs: number;
  details: Record<string, Json>;
  /** The owner's task (created by the accompanying `waybill.createTask`), if any. */
  taskKey: string | null;
  /** Whether the flow waits for the owner's decision. */
  blocking: boolean;
}
export interface ClassifyParams {
  /** `<nodeId>#<visit>` */
  effectKey: string;
  nodeId: string;
  text: string;
  features: Record<string, string | number | boolean | null>;
  categories: string[];
  threshold: number;
}
export interface RecordTriageDecisionParams {
  /** The classification's `effectKey`. */
  effectKey: string;
  nodeId: string;
  category: string;
  decidedBy: string;
}

export type EffectAction =
  | { type: typeof EffectActionType.callConnector; params: CallConnectorParams }
  | { type: typeof EffectActionType.scheduleTimer; params: ScheduleTimerParams }
  | { type: typeof EffectActionType.cancelTimer; params: CancelTimerParams }
  | { type: typeof EffectActionType.createTask; params: CreateTaskParams }
  | { type: typeof EffectActionType.cancelTask; params: CancelTaskParams }
  | { type: typeof EffectActionType.enterNode; params: EnterNodeParams }
  | { type: typeof EffectActionType.startSubflow; params: StartSubflowParams }
  | { type: typeof EffectActionType.cancelSubflow; params: CancelSubflowParams }
  | { type: typeof EffectActionType.raiseException; params: RaiseExceptionParams }
  | { type: typeof EffectActionType.classify; params: ClassifyParams }
  | { type: typeof EffectActionType.recordTriageDecision; params: RecordTriageDecisionParams };

const effectActionTypes: ReadonlySet<string> = new Set(Object.values(EffectActionType));

/** Narrows an action returned by XState's `transition()` to one the driver must perform. */
export function isEffectAction(action: { type: string; params?: unknown }): action is EffectAction {
  return effectActionTypes.has(action.type);
}

/** `<nodeId>#<visit>`: the key of one visit of a node. */
export function visitKey(nodeId: string, visit: number): string {
  return `${nodeId}#${visit}`;
}
