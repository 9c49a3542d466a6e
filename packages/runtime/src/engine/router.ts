/**
 * Routing: pending events → the inboxes of the instances they concern. Starts instances for
 * trigger events and hands them the events that arrived before them (parked). Nothing is ever
 * dropped: an event nobody takes is parked until an instance for its key starts.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { sql, type Insertable, type Kysely, type OperationNodeSource } from 'kysely';
import { startFlow, type FlowStep } from '@waybill/shared';
import { jsonb, type Database, type EventRow } from '../db/schema.ts';
import type { Logger } from '../log.ts';
import {
  advanceInline,
  afterAdvanceCommit,
  withInlineAdvance,
  type AdvanceResult,
  type LockedInstance,
} from './advance.ts';
import { executeTogether, instanceStateOf, StepBatch } from './apply-step.ts';
import { wakeWorkers } from './channels.ts';
import { crashPoint } from './crash-points.ts';
import { engineMetrics } from './metrics.ts';
import type { MachineCache } from './machines.ts';
import type { TriageProvider } from './triage-step.ts';

export interface RouteOptions {
  machines: MachineCache;
  logger: Logger;
  /** The classifier of classify nodes an instance reaches as it starts. */
  triage?: TriageProvider;
  /** Events per transaction (default 50). */
  batchSize?: number;
  /**
   * Up to this many events in a batch (default 0: never), the instances they were delivered to
   * are advanced in the routing transaction itself: at a moderate load an event then costs one
   * transaction instead of two. Larger batches leave advancing to the advancing loops, which run
   * in parallel on every worker while routing runs one batch at a time.
   */
  advanceInlineUpTo?: number;
}

/**
 * Arbitrary constant naming the routing locks: `pg_advisory_xact_lock(ROUTING_LOCK,
 * hashtext(correlation_key))` is the lock of one key (see {@link routeEvents}).
 */
export const ROUTING_LOCK = 727_001;

interface TriggeredFlow {
  key: string;
  version: number;
}

/**
 * Routes a batch of pending events in seq order, in one transaction. Returns how many.
 *
 * Routing locks each correlation key it routes (a transaction-scoped advisory lock on the key's
 * hash): events of one key must reach inboxes in the order they were received, and two routers
 * must not both start an instance for the same key. Keys another router holds are left to it,
 * so the routers of several workers run at once. A batch of up to `advanceInlineUpTo` events is
 * also applied to its instances in the same transaction.
 *
 * ```ts
 * const routed = await routeEvents(db, { machines, logger });
 * ```
 */
export async function routeEvents(db: Kysely<Database>, options: RouteOptions): Promise<number> {
  const inlineUpTo = options.advanceInlineUpTo ?? 0;
  const result = await withInlineAdvance(options.logger, (inline) =>
    routeBatch(db, options, inline ? inlineUpTo : 0),
  );
  engineMetrics.increment('waybill_events_routed_total', result.routed);
  if (result.advanced) await afterAdvanceCommit(db, result.advanced);
  // The first steps of started instances may have scheduled connector calls and timers.
  if (result.effects) await wakeWorkers(db, 'effects');
  if (result.timersDue) await wakeWorkers(db, 'timers');
  if (result.waiting) await wakeWorkers(db, 'inbox');
  return result.routed;
}

interface BatchResult {
  routed: number;
  /** Messages left for the advancing loops. */
  waiting: boolean;
  advanced: AdvanceResult | null;
  effects: boolean;
  timersDue: boolean;
}

async function routeBatch(
  db: Kysely<Database>,
  options: RouteOptions,
  inlineUpTo: number,
): Promise<BatchResult> {
  return db.transaction().execute(async (trx) => {
    const events = await claimEvents(trx, options.batchSize ?? 50);
    if (events.length === 0)
      return { routed: 0, waiting: false, advanced: null, effects: false, timersDue: false };
    const routing = await RoutingBatch.load(trx, events, options);
    for (const event of events) {
      for (const flow of routing.triggered(event.type))
        await options.machines.get(trx, flow.key, flow.version);
    }
    for (const event of events) routing.route(event);
    const inline = events.length <= inlineUpTo;
    // Advancing here, the first steps of started instances are written with the advance's steps.
    const delivered = await routing.flush(trx, { steps: !inline });
    const targets = routing.deliveredTo();
    const advanced = inline
      ? await advanceInline(trx, targets, options, {
          batch: routing.steps,
          locked: routing.lockedInstances(),
        })
      : null;
    crashPoint('route.before-commit');
    // Messages for instances not advanced here (held by another worker, or left to the loops).
    const waiting =
      delivered && (advanced === null || advanced.advanced < targets.length || routing.delivers);
    return {
      routed: events.length,
      waiting,
      advanced,
      // (When advanced here, the advance's result announces them with its own.)
      effects: advanced === null && routing.scheduledEffects,
      timersDue: advanced === null && routing.timersDueNow,
    };
  });
}

/**
 * Claims up to `limit` pending events, oldest first, of correlation keys no other router holds:
 * the routing lock of each key (a transaction-scoped advisory lock on the key's hash) is taken
 * as its events are picked, so routers on several workers run at once, each on keys of its own,
 * and one key's events are routed in order by one router at a time. The candidates are the
 * oldest pending events (at most `limit`), so the locks taken are bounded by the batch.
 */
async function claimEvents(trx: Kysely<Database>, limit: number): Promise<EventRow[]> {
  const claimed = await sql<EventRow>`
    with candidates as materialized (
      select id, correlation_key from events where status = 'pending' order by seq limit ${limit}
    ), mine as materialized (
      select id from candidates
      where pg_try_advisory_xact_lock(${ROUTING_LOCK}, hashtext(correlation_key))
    )
    select events.* from events
    where id in (select id from mine) and status = 'pending'
    order by seq
    for update skip locked`.execute(trx);
  return claimed.rows;
}

type ParkedEvent = Pick<EventRow, 'id' | 'type' | 'payload'>;
type NewInbox = { instance_id: string; kind: 'event'; body: string; event_id: string };

/**
 * Routes a batch of events in memory against the instances of their keys (read once), then
 * writes new instances, their step rows, inbox messages and event statuses with a few
 * multi-row statements.
 */
class RoutingBatch {
  readonly #options: RouteOptions;
  /** Running instance ids per correlation key, oldest first. */
  readonly #running = new Map<string, string[]>();
  /** Flow keys with an instance (any status) per correlation key. */
  readonly #existing = new Map<string, Set<string>>();
  /** Events nobody took yet per correlation key, in arrival order. */
  readonly #parked = new Map<string, ParkedEvent[]>();
  readonly #status = new Map<string, 'routed' | 'parked'>();
  readonly #instances: Insertable<Database['instances']>[] = [];
  readonly #inbox: NewInbox[] = [];
  readonly #failedStarts: { event: EventRow; flow: TriggeredFlow; error: unknown }[] = [];
  readonly #steps: StepBatch;
  readonly #locked = new Map<string, LockedInstance>();
  #triggers = new Map<string, TriggeredFlow[]>();

  private constructor(options: RouteOptions) {
    this.#options = options;
    this.#steps = new StepBatch(options.logger, {
      machines: options.machines,
      ...(options.triage ? { triage: options.triage } : {}),
    });
  }

  static async load(
    trx: Kysely<Database>,
    events: EventRow[],
    options: RouteOptions,
  ): Promise<RoutingBatch> {
    const batch = new RoutingBatch(options);
    const keys = [...new Set(events.map((e) => e.correlation_key))];
    // One statement reads the instances and the parked events of the batch's keys, and the
    // flows their events start.
    // The running instances are locked until the routing commits: an instance a worker is
    // advancing right now is waited for and, if that step ended it, is no longer running (the
    // lock re-reads its row). Without the lock a message could be delivered to an instance as it
    // ends, and stay pending forever; with it, the routing can also apply the messages it
    // delivers. `known` (every flow with an instance of the key, in any status) counts an
    // instance that just ended too. Parked events are changed by routers only, and the routing
    // lock keeps each key to one router at a time.
    const read = await sql<{
      running: (LockedInstance & { key: string })[];
      known: { flow: string; key: string }[];
      parked: (ParkedEvent & { key: string })[];
      triggers: TriggerRow[];
    }>`
      with running as (
        select id, correlation_key, flow_key, flow_version, snapshot, current_nodes,
          parent_instance_id, parent_effect_key, created_at
        from instances
        where correlation_key = any(${keys}::text[]) and status = 'running'
        for no key update
      ), parked as (
        select id, type, payload, correlation_key, seq from events
        where correlation_key = any(${keys}::text[]) and status = 'parked'
        for update
      )
      select
        coalesce((select json_agg(json_build_object('id', id, 'key', correlation_key,
          'flow_key', flow_key, 'flow_version', flow_version, 'correlation_key', correlation_key,
          'snapshot', snapshot, 'current_nodes', current_nodes,
          'parent_instance_id', parent_instance_id, 'parent_effect_key', parent_effect_key)
          order by created_at, id) from running), '[]') as running,
        coalesce((select json_agg(json_build_object('flow', flow_key, 'key', correlation_key))
          from instances where correlation_key = any(${keys}::text[])), '[]') as known,
        coalesce((select json_agg(json_build_object('id', id, 'type', type, 'payload', payload,
          'key', correlation_key) order by seq) from parked), '[]') as parked,
        coalesce((select json_agg(t) from (${latestTriggersQuery}) t), '[]') as triggers`.execute(
      trx,
    );
    const row = read.rows[0];
    if (!row) throw new Error('the routing read returned no row');
    batch.#triggers = triggersByType(row.triggers);
    for (const { key, ...instance } of row.running) {
      batch.#runningOf(key).push(instance.id);
      batch.#locked.set(instance.id, instance);
    }
    for (const instance of row.known) batch.#existingOf(instance.key).add(instance.flow);
    for (const { key, ...event } of row.parked) batch.#parkedOf(key).push(event);
    return batch;
  }

  /** The flows an event of this type starts (their latest versions). */
  triggered(type: string): TriggeredFlow[] {
    return this.#triggers.get(type) ?? [];
  }

  /** The running instances of the batch's keys, locked by the routing transaction. */
  lockedInstances(): ReadonlyMap<string, LockedInstance> {
    return this.#locked;
  }

  #runningOf(key: string): string[] {
    let list = this.#running.get(key);
    if (!list) this.#running.set(key, (list = []));
    return list;
  }

  #existingOf(key: string): Set<string> {
    let set = this.#existing.get(key);
    if (!set) this.#existing.set(key, (set = new Set()));
    return set;
  }

  #parkedOf(key: string): ParkedEvent[] {
    let list = this.#parked.get(key);
    if (!list) this.#parked.set(key, (list = []));
    return list;
  }

  route(event: EventRow): void {
    const triggered = this.triggered(event.type);
    const key = event.correlation_key;
    const running = [...this.#runningOf(key)];
    for (const id of running) this.#deliver(id, event);
    let started = 0;
    for (const flow of triggered) {
      if (this.#existingOf(key).has(flow.key)) continue;
      this.#existingOf(key).add(flow.key);
      this.#start(event, flow);
      started += 1;
    }
    const taken = running.length > 0 || started > 0;
    this.#status.set(event.id, taken ? 'routed' : 'parked');
    if (!taken) this.#parkedOf(key).push(event);
    this.#options.logger.info(taken ? 'event routed' : 'event parked', {
      correlationKey: key,
      eventId: event.id,
      eventType: event.type,
      instances: running.length,
      started,
    });
  }

  #deliver(instanceId: string, event: ParkedEvent): void {
    this.#inbox.push({
      instance_id: instanceId,
      kind: 'event',
      body: messageOf(event),
      event_id: event.id,
    });
  }

  #start(event: EventRow, flow: TriggeredFlow): void {
    const { machine } = this.#options.machines.peek(flow.key, flow.version);
    let step: FlowStep;
    try {
      step = startFlow(machine, { trigger: { type: event.type, payload: event.payload } });
    } catch (error) {
      // A start the flow cannot make (an expression failing on this payload) must not block
      // the routing of every later event: record a failed instance instead.
      this.#failedStarts.push({ event, flow, error });
      return;
    }
    engineMetrics.increment('waybill_instances_started_total');
    const id = randomUUID();
    const state = instanceStateOf(machine, step);
    this.#instances.push({
      id,
      flow_key: flow.key,
      flow_version: flow.version,
      correlation_key: event.correlation_key,
      ...state,
    });
    const ref = {
      id,
      flowKey: flow.key,
      flowVersion: flow.version,
      correlationKey: event.correlation_key,
    };
    this.#steps.add(ref, step, {
      kind: 'started',
      fromNodes: [],
      eventType: event.type,
      actor: 'system',
      cause: { eventId: event.id },
    });
    if (state.status !== 'running') return;
    this.#runningOf(event.correlation_key).push(id);
    // Events of this key that nobody took before: the new instance gets them, in arrival order.
    for (const parked of this.#parkedOf(event.correlation_key).splice(0)) {
      this.#deliver(id, parked);
      this.#status.set(parked.id, 'routed');
    }
  }

  /** The running instances this batch delivered events to (once each). */
  deliveredTo(): string[] {
    return [...new Set(this.#inbox.map((m) => m.instance_id))];
  }

  /** Whether the first steps of started instances scheduled connector calls. */
  get scheduledEffects(): boolean {
    return this.#steps.scheduledEffects;
  }

  /** Whether the first steps of started instances scheduled timers due at once. */
  get timersDueNow(): boolean {
    return this.#steps.timersDueNow;
  }

  /** Whether the first steps of started instances wrote messages for other instances. */
  get delivers(): boolean {
    return this.#steps.deliveredMessages;
  }

  /** The rows of the first steps of started instances. */
  get steps(): StepBatch {
    return this.#steps;
  }

  /**
   * Writes the batch; returns whether any message was delivered. With `steps: false` the rows
   * of the started instances' first steps are left in {@link steps}, for the caller to write
   * later in the same transaction.
   */
  async flush(
    trx: Kysely<Database>,
    options: { steps: boolean } = { steps: true },
  ): Promise<boolean> {
    // New instances, messages and event statuses in one statement (foreign keys are checked
    // at its end, when the instances are there).
    const routed: string[] = [];
    const parked: string[] = [];
    for (const [id, status] of this.#status) (status === 'routed' ? routed : parked).push(id);
    const parts: OperationNodeSource[] = [];
    if (this.#instances.length > 0) parts.push(trx.insertInto('instances').values(this.#instances));
    if (this.#inbox.length > 0) parts.push(trx.insertInto('inbox').values(this.#inbox));
    if (routed.length > 0) {
      parts.push(
        trx
          .updateTable('events')
          .set({ status: 'routed', routed_at: new Date() })
          .where('id', 'in', routed),
      );
    }
    if (parked.length > 0) {
      parts.push(
        trx
          .updateTable('events')
          .set({ status: 'parked', routed_at: null })
          .where('id', 'in', parked)
          .where('status', '=', 'pending'),
      );
    }
    await executeTogether(trx, parts);
    if (options.steps) await this.#steps.flush(trx);
    for (const { event, flow, error } of this.#failedStarts) {
      await recordFailedStart(trx, event, flow, error, this.#options.logger);
    }
    return this.#inbox.length > 0 || this.#instances.length > 0 || this.#steps.deliveredMessages;
  }
}

interface TriggerRow {
  key: string;
  version: number;
  trigger: string | null;
}

/** The latest published version of every flow and its trigger event type. */
const latestTriggersQuery = sql`
  select distinct on (key) key, version, definition->'trigger'->>'event' as trigger
  from flow_versions order by key, version desc`;

/** The flows to start, by trigger event type. */
function triggersByType(rows: TriggerRow[]): Map<string, TriggeredFlow[]> {
  const byType = new Map<string, TriggeredFlow[]>();
  for (const row of rows) {
    if (!row.trigger) continue;
    const list = byType.get(row.trigger) ?? [];
    list.push({ key: row.key, version: Number(row.version) });
    byType.set(row.trigger, list);
  }
  return byType;
}

function messageOf(event: Pick<EventRow, 'id' | 'type' | 'payload'>): string {
  return jsonb({ type: event.type, payload: event.payload, eventId: event.id });
}

async function recordFailedStart(
  trx: Kysely<Database>,
  event: EventRow,
  flow: TriggeredFlow,
  error: unknown,
  logger: Logger,
): Promise<void> {
  const err = error instanceof Error ? error : new Error(String(error));
  const now = new Date();
  const instance = await trx
    .insertInto('instances')
    .values({
      flow_key: flow.key,
      flow_version: flow.version,
      correlation_key: event.correlation_key,
      status: 'failed',
      snapshot: jsonb(null),
      current_nodes: jsonb([]),
      outcome: null,
      completed_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('audit_log')
    .values({
      actor: 'system',
      instance_id: instance.id,
      kind: 'failed',
      flow_key: flow.key,
      from_nodes: jsonb([]),
      to_nodes: jsonb([]),
      event_type: event.type,
      details: jsonb({ eventId: event.id, error: { name: err.name, message: err.message } }),
    })
    .execute();
  logger.error('instance failed to start', {
    correlationKey: event.correlation_key,
    instanceId: instance.id,
    flowKey: flow.key,
    err,
  });
}
