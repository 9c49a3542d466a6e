/**
 * Advancing instances: each claimed instance is restored from its snapshot, fed its pending
 * inbox messages in order, and saved with everything the steps produced — in ONE transaction,
 * so a transition happens exactly once or not at all.
 * @module
 */
import type { Kysely } from 'kysely';
import {
  activeNodeIds,
  canAccept,
  deliver,
  type FlowEvent,
  type FlowSnapshot,
  type FlowStep,
  type Json,
} from '@waybill/shared';
import { jsonb, type Database, type InboxRow, type InstanceRow } from '../db/schema.ts';
import type { Logger } from '../log.ts';
import { isRecord } from '../util.ts';
import { instanceStateOf, StepBatch, type InstanceRef } from './apply-step.ts';
import { wakeWorkers } from './channels.ts';
import { crashPoint } from './crash-points.ts';
import { engineMetrics } from './metrics.ts';
import { restoreSnapshot, type MachineCache } from './machines.ts';
import { subflowFinishedMessage } from './subflows.ts';
import type { TriageProvider } from './triage-step.ts';

export interface AdvanceOptions {
  machines: MachineCache;
  logger: Logger;
  /** The classifier of classify nodes (none: a person decides every classification). */
  triage?: TriageProvider;
  /** Instances claimed per transaction (default 10). */
  batchSize?: number;
}

/**
 * Claims up to `batchSize` running instances that have pending messages and advances them.
 * Returns how many instances were advanced.
 *
 * ```ts
 * while ((await advanceInstances(db, { machines, logger })) > 0);
 * ```
 */
export async function advanceInstances(
  db: Kysely<Database>,
  options: AdvanceOptions,
): Promise<number> {
  const result = await db.transaction().execute(async (trx) => {
    const instances = await trx
      .selectFrom('instances')
      .selectAll()
      .where('status', '=', 'running')
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('inbox')
            .select('inbox.id')
            .whereRef('inbox.instance_id', '=', 'instances.id')
            .where('inbox.status', '=', 'pending'),
        ),
      )
      .orderBy('updated_at')
      .limit(options.batchSize ?? 10)
      // Excludes other advancers, but not the key-share lock of an inbox insert for the same
      // instance: routing (which holds the routing lock) never waits for an advance to commit.
      .forNoKeyUpdate()
      .skipLocked()
      .execute();
    const advanced = await advanceClaimed(trx, instances, options);
    crashPoint('advance.before-commit');
    return advanced;
  });
  crashPoint('advance.after-commit');
  await afterAdvanceCommit(db, result);
  return result.advanced;
}

/** What advancing needs of a locked instance's row. */
export type LockedInstance = Pick<
  InstanceRow,
  | 'id'
  | 'flow_key'
  | 'flow_version'
  | 'correlation_key'
  | 'snapshot'
  | 'current_nodes'
  | 'parent_instance_id'
  | 'parent_effect_key'
>;

/** What {@link advanceClaimed} did, for {@link afterAdvanceCommit}. */
export interface AdvanceResult {
  advanced: number;
  /** When each applied message entered its inbox (ms since the epoch), for the latency histogram. */
  appliedAt: number[];
  /** New connector calls were written. */
  effects: boolean;
  /** Timers due at once were written. */
  timersDue: boolean;
  /** Messages for other instances (children's ends, classifications) were written. */
  delivered: boolean;
}

/**
 * Advances instances the transaction has already locked (`FOR UPDATE`): feeds each its open
 * inbox messages in order and writes everything the steps produced, inside `trx`. Used by the
 * advancing loop, and by the effect runner to apply a call's result in the transaction that
 * records it.
 *
 * ```ts
 * const result = await db.transaction().execute(async (trx) => {
 *   const locked = await trx.selectFrom('instances').selectAll().where('id', 'in', ids)
 *     .where('status', '=', 'running').forNoKeyUpdate().skipLocked().execute();
 *   return advanceClaimed(trx, locked, options);
 * });
 * await afterAdvanceCommit(db, result);
 * ```
 */
export async function advanceClaimed(
  trx: Kysely<Database>,
  instances: readonly LockedInstance[],
  options: AdvanceOptions,
  batch: StepBatch = newStepBatch(options),
): Promise<AdvanceResult> {
  if (instances.length === 0) {
    await batch.flush(trx);
    return {
      ...NOTHING_ADVANCED,
      effects: batch.scheduledEffects,
      timersDue: batch.timersDueNow,
      delivered: batch.deliveredMessages,
    };
  }
  // One read of every claimed instance's open messages, one batch of writes for all of them.
  const messages = await trx
    .selectFrom('inbox')
    .selectAll()
    .where(
      'instance_id',
      'in',
      instances.map((i) => i.id),
    )
    .where('status', '<>', 'done')
    .orderBy('id')
    .execute();
  const byInstance = new Map<string, InboxRow[]>();
  for (const message of messages) {
    const list = byInstance.get(message.instance_id) ?? [];
    list.push(message);
    byInstance.set(message.instance_id, list);
  }
  const applied = new Set<number>();
  for (const instance of instances) {
    const done = await advanceOne(trx, instance, byInstance.get(instance.id) ?? [], batch, options);
    for (const id of done) applied.add(id);
  }
  await batch.flush(trx);
  const appliedAt: number[] = [];
  for (const message of messages) {
    if (applied.has(message.id)) appliedAt.push(message.created_at.getTime());
  }
  return {
    advanced: instances.length,
    appliedAt,
    effects: batch.scheduledEffects,
    timersDue: batch.timersDueNow,
    delivered: batch.deliveredMessages,
  };
}

/**
 * Advances the given instances inside `trx`, which just delivered messages to them (connector
 * results, routed events), skipping any another worker holds (instances `trx` has locked
 * already are passed in `using.locked`, with their rows). Rows of other steps of the transaction
 * in `using.batch` (the first steps of instances routing started) are written with the
 * advance's, in the same statements. Should it fail, the error aborts `trx`: callers run their
 * transaction again without advancing (see {@link withInlineAdvance}), and the advancing loops
 * apply the messages.
 */
export async function advanceInline(
  trx: Kysely<Database>,
  instanceIds: string[],
  options: AdvanceOptions,
  using: {
    /** Rows of other steps of the transaction, written with the advance's. */
    batch?: StepBatch;
    /** Instances the transaction has locked already (read with their snapshots). */
    locked?: ReadonlyMap<string, LockedInstance>;
  } = {},
): Promise<AdvanceResult> {
  const held = instanceIds.flatMap((id) => using.locked?.get(id) ?? []);
  const others = instanceIds.filter((id) => !using.locked?.has(id));
  const locked =
    others.length === 0
      ? []
      : await trx
          .selectFrom('instances')
          .selectAll()
          .where('id', 'in', others)
          .where('status', '=', 'running')
          .orderBy('id')
          .forNoKeyUpdate()
          .skipLocked()
          .execute();
  return advanceClaimed(trx, [...held, ...locked], options, using.batch);
}

/** A batch for the rows of the steps an advance makes. */
export function newStepBatch(options: AdvanceOptions): StepBatch {
  return new StepBatch(options.logger, {
    machines: options.machines,
    ...(options.triage ? { triage: options.triage } : {}),
  });
}

/**
 * Runs a transaction that delivers messages and advances their instances in it; should that
 * transaction fail, runs it once more without advancing, so that the delivery is not lost to
 * a step that fails (the advancing loops then apply the messages, and fail the instance if the
 * step fails again). A savepoint would do the same at the price of two round trips on every
 * transaction instead of a second attempt on the rare failing one.
 *
 * ```ts
 * const result = await withInlineAdvance(logger, (inline) =>
 *   db.transaction().execute(async (trx) => { …; return inline ? advanceInline(trx, ids, o) : null; }),
 * );
 * ```
 */
export async function withInlineAdvance<T>(
  logger: Logger,
  attempt: (inline: boolean) => Promise<T>,
): Promise<T> {
  try {
    return await attempt(true);
  } catch (error) {
    logger.warn('messages delivered; applying them is left to the advancing loop', { err: error });
    return attempt(false);
  }
}

/** After the commit of an advance: metrics, and wake-ups for the work it scheduled. */
export async function afterAdvanceCommit(
  db: Kysely<Database>,
  result: AdvanceResult,
): Promise<void> {
  engineMetrics.increment('waybill_transitions_total', result.appliedAt.length);
  const committed = Date.now();
  for (const at of result.appliedAt) engineMetrics.observeLatency(Math.max(0, committed - at));
  // New connector calls, and timers due now: wake the loops that run them (also in other
  // processes).
  if (result.effects) await wakeWorkers(db, 'effects');
  if (result.timersDue) await wakeWorkers(db, 'timers');
  // Children's ends and classifications are messages for instances (possibly of other workers).
  if (result.delivered) await wakeWorkers(db, 'inbox');
}

const NOTHING_ADVANCED: AdvanceResult = {
  advanced: 0,
  appliedAt: [],
  effects: false,
  timersDue: false,
  delivered: false,
};

/** Reads an inbox body back into the event the machine receives. */
export function flowEventOf(body: unknown): FlowEvent | null {
  if (!isRecord(body) || typeof body.type !== 'string') return null;
  // Bodies are written by the runtime itself (router, effect runner, timers, tasks) in the
  // shapes of machine-protocol's events; only the discriminating `type` needs checking.
  return body as unknown as FlowEvent;
}

async function advanceOne(
  trx: Kysely<Database>,
  instance: LockedInstance,
  messages: InboxRow[],
  batch: StepBatch,
  options: AdvanceOptions,
): Promise<Set<number>> {
  const { machine } = await options.machines.get(trx, instance.flow_key, instance.flow_version);
  const ref: InstanceRef = {
    id: instance.id,
    flowKey: instance.flow_key,
    flowVersion: instance.flow_version,
    correlationKey: instance.correlation_key,
    parent:
      instance.parent_instance_id !== null && instance.parent_effect_key !== null
        ? { instanceId: instance.parent_instance_id, effectKey: instance.parent_effect_key }
        : null,
  };
  const deferred = messages.filter((m) => m.status === 'deferred');
  const pending = messages.filter((m) => m.status === 'pending');

  let snapshot: FlowSnapshot = restoreSnapshot(machine, instance.snapshot);
  const steps: { step: FlowStep; message: InboxRow; fromNodes: string[] }[] = [];
  const done = new Set<number>();
  const nowDeferred = new Set<number>();
  let failure: { message: InboxRow; error: unknown } | null = null;
  let current: InboxRow | null = null;

  // Steps are computed in memory first: a message the flow cannot process (an expression that
  // fails at run time) fails the instance instead of poisoning the whole batch.
  const offer = (message: InboxRow): boolean => {
    const event = flowEventOf(message.body);
    if (!event || snapshot.status !== 'active' || !canAccept(snapshot, event)) return false;
    const fromNodes = activeNodeIds(snapshot);
    current = message;
    const step = deliver(machine, snapshot, event);
    snapshot = step.snapshot;
    steps.push({ step, message, fromNodes });
    done.add(message.id);
    return true;
  };
  try {
    for (const message of pending) {
      if (!offer(message)) {
        nowDeferred.add(message.id);
        deferred.push(message);
        continue;
      }
      // A transition may make kept messages acceptable (e.g. the node now waits for them).
      let again = true;
      while (again) {
        again = false;
        for (const kept of deferred) {
          if (!done.has(kept.id) && offer(kept)) {
            again = true;
            break;
          }
        }
      }
    }
  } catch (error) {
    if (!current) throw error;
    failure = { message: current, error };
  }

  for (const { step, message, fromNodes } of steps) {
    batch.add(ref, step, {
      kind: 'transition',
      fromNodes,
      eventType: flowEventOf(message.body)?.type ?? null,
      actor: actorOf(message),
      cause: { inboxId: message.id, ...(message.event_id ? { eventId: message.event_id } : {}) },
    });
  }
  const last = steps.at(-1);
  if (last) batch.saveState(instance.id, instanceStateOf(machine, last.step));
  batch.markInbox(
    done,
    [...nowDeferred].filter((id) => !done.has(id)),
  );
  if (failure) {
    // The failed instance's rows must land before its status is written over.
    await batch.flush(trx);
    await failInstance(
      trx,
      ref,
      last?.step.activeNodes ?? instance.current_nodes,
      failure,
      options.logger,
    );
    // Messages left pending after a failure would make the instance claimable forever.
    await trx
      .updateTable('inbox')
      .set({ status: 'deferred' })
      .where('instance_id', '=', instance.id)
      .where('status', '=', 'pending')
      .where('id', 'not in', [...done, -1])
      .execute();
  }
  return done;
}

function actorOf(message: InboxRow): string {
  if (
    message.kind === 'task' &&
    isRecord(message.body) &&
    typeof message.body.completedBy === 'string'
  ) {
    return message.body.completedBy;
  }
  return 'system';
}

async function failInstance(
  trx: Kysely<Database>,
  ref: InstanceRef,
  nodes: string[],
  failure: { message: InboxRow; error: unknown },
  logger: Logger,
): Promise<void> {
  const error = failure.error instanceof Error ? failure.error : new Error(String(failure.error));
  await trx
    .updateTable('instances')
    .set({ status: 'failed', completed_at: new Date(), updated_at: new Date() })
    .where('id', '=', ref.id)
    .execute();
  const details: Record<string, Json> = {
    error: { name: error.name, message: error.message },
    inboxId: failure.message.id,
  };
  await trx
    .insertInto('audit_log')
    .values({
      actor: 'system',
      instance_id: ref.id,
      kind: 'failed',
      flow_key: ref.flowKey,
      from_nodes: jsonb(nodes),
      to_nodes: jsonb(nodes),
      event_type: flowEventOf(failure.message.body)?.type ?? null,
      details: jsonb(details),
    })
    .execute();
  if (ref.parent) {
    await trx
      .insertInto('inbox')
      .values(
        subflowFinishedMessage(ref.parent, {
          id: ref.id,
          status: 'failed',
          outcome: null,
          vars: {},
        }),
      )
      .execute();
  }
  logger.error('instance failed', {
    correlationKey: ref.correlationKey,
    instanceId: ref.id,
    flowKey: ref.flowKey,
    err: error,
  });
}
