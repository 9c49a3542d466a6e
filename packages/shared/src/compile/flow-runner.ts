/**
 * Driving a compiled flow one event at a time, purely: each call returns the next snapshot and
 * the effects to perform. The runtime persists both in one transaction; the designer's
 * simulator performs the effects in memory.
 * @module
 */
import { initialTransition, transition } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import { isEffectAction } from '../machine-protocol.ts';
import type { EffectAction, FlowEvent, FlowInput } from '../machine-protocol.ts';
import type { FlowMachine } from './compile.ts';

/** A compiled flow's snapshot. */
export type FlowSnapshot = SnapshotFrom<FlowMachine>;

/** The result of one step. */
export interface FlowStep {
  snapshot: FlowSnapshot;
  /** Effects in the order the machine emitted them. */
  effects: EffectAction[];
  /** The node(s) the instance is at now. */
  activeNodes: string[];
  /** True once an end node was reached (`snapshot.output` holds `{ outcome, vars }`). */
  done: boolean;
}

function step([snapshot, actions]: [FlowSnapshot, { type: string; params?: unknown }[]]): FlowStep {
  // XState turns an error thrown by an action (e.g. a connector input that cannot be
  // evaluated) into an `error` snapshot; such a step must not be committed.
  if (snapshot.status === 'error') throw snapshot.error;
  // XState's executable actions also carry `info` (context, actor refs): keep type and params.
  const effects = actions.flatMap(({ type, params }) => {
    const effect = { type, params };
    return isEffectAction(effect) ? [effect] : [];
  });
  return {
    snapshot,
    effects,
    activeNodes: activeNodeIds(snapshot),
    done: snapshot.status === 'done',
  };
}

/**
 * Starts an instance: runs the start node and everything that follows until the flow waits.
 * Throws what an action threw (an `InputEvaluationError`) instead of returning an
 * `error` snapshot; the same holds for {@link deliver}.
 *
 * ```ts
 * const { snapshot, effects } = startFlow(machine, { trigger: { type: 'order.released', payload } });
 * ```
 */
export function startFlow(machine: FlowMachine, input: FlowInput): FlowStep {
  return step(initialTransition(machine, input));
}

/**
 * Delivers one event to an instance. An event the instance does not accept in its current
 * state leaves the snapshot unchanged with no effects (check {@link canAccept} first to keep it
 * for later).
 *
 * ```ts
 * const next = deliver(machine, snapshot, { type: 'shipment.confirmed', payload: shipment });
 * ```
 */
export function deliver(machine: FlowMachine, snapshot: FlowSnapshot, event: FlowEvent): FlowStep {
  return step(transition(machine, snapshot, event));
}

/**
 * Whether the instance would react to `event` now (a bound event, or what its node waits for).
 *
 * ```ts
 * if (!canAccept(snapshot, event)) keepForLater(event);
 * ```
 */
export function canAccept(snapshot: FlowSnapshot, event: FlowEvent): boolean {
  return snapshot.status === 'active' && snapshot.can(event);
}

/**
 * The ids of the nodes an instance is at: one, or several inside a parallel block (a branch
 * that reached the join counts as waiting at the join).
 *
 * ```ts
 * activeNodeIds(snapshot); // ['readinessGate']
 * activeNodeIds(split); // ['checkCredit', 'awaitPod']
 * ```
 */
export function activeNodeIds(snapshot: { value: unknown; tags?: ReadonlySet<string> }): string[] {
  if (snapshot.tags !== undefined && snapshot.tags.size > 0) {
    const ids: string[] = [];
    for (const tag of snapshot.tags) if (tag.startsWith('node:')) ids.push(tag.slice(5));
    return [...new Set(ids)];
  }
  const value = snapshot.value;
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') return Object.keys(value);
  return [];
}
