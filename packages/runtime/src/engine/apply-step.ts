/**
 * Persisting one machine step: the effects it emitted become rows (connector calls in the
 * outbox, timers, tasks) and the transition gets an audit row. Always called inside the
 * transaction that also writes the instance's new snapshot.
 * @module
 */
import {
  sql,
  type Insertable,
  type Kysely,
  type OperationNodeSource,
  type RawBuilder,
} from 'kysely';
import {
  EffectActionType,
  type CancelSubflowParams,
  type ClassifyParams,
  type CreateTaskParams,
  type FlowMachine,
  type FlowStep,
  type RecordTriageDecisionParams,
  type StartSubflowParams,
} from '@waybill/shared';
import { jsonb, type Database, type InstanceStatus, type NewAuditRow } from '../db/schema.ts';
import type { Logger } from '../log.ts';
import { persistSnapshot, type MachineCache } from './machines.ts';
import { cancelSubflow, startSubflow, subflowFinishedMessage, type ParentRef } from './subflows.ts';
import { recordDecision, runClassification, type TriageProvider } from './triage-step.ts';

export interface InstanceRef {
  id: string;
  flowKey: string;
  flowVersion: number;
  correlationKey: string;
  /** Set on a subflow's child: the parent node visit it reports its end to. */
  parent?: ParentRef | null;
}

/** What steps of subflow and classify nodes need besides the database. */
export interface StepServices {
  /** Compiled flows (to start subflows); without it a subflow request fails the child. */
  machines?: MachineCache;
  triage?: TriageProvider;
}

export interface StepRecord {
  /** `started`, `transition` or `completed`. */
  kind: string;
  fromNodes: string[];
  eventType: string | null;
  actor: string;
  /** The event (or message) that caused it, for the audit details. */
  cause?: Record<string, unknown>;
}

type NewEffect = Insertable<Database['effects']>;
/** Due times are computed by the database (see {@link dueIn}). */
type NewTimer = Omit<Insertable<Database['timers']>, 'due_at'> & { due_at: RawBuilder<Date> };
type NewTask = Omit<Insertable<Database['tasks']>, 'due_at'> & { due_at: RawBuilder<Date> | null };
type NewException = Omit<Insertable<Database['exceptions']>, 'sla_due_at'> & {
  sla_due_at: RawBuilder<Date>;
};

/**
 * `ms` after the transaction's time by the database's clock. The database is the one clock of
 * timers (they are fired when `due_at <= now()`), so a worker whose clock is off, or jumps,
 * neither fires them early nor late. In whole milliseconds, like the times the API hands out
 * (the inbox's cursors carry due dates as ISO strings).
 */
function dueIn(ms: number): RawBuilder<Date> {
  return sql<Date>`date_trunc('milliseconds', now() + make_interval(secs => ${ms}::double precision / 1000))`;
}
type NewInbox = Insertable<Database['inbox']>;

/**
 * Collects the rows of many steps (connector calls for the outbox, timers, tasks, audit rows) and
 * writes them with a few multi-row statements: a batch of transitions costs a handful of round
 * trips instead of several per transition. Inserts are idempotent on their natural keys, so
 * replaying a step after a crash cannot duplicate an effect, timer or task. Cancellations run
 * after the inserts, so a timer scheduled and cancelled within one batch ends cancelled.
 */
export class StepBatch {
  readonly #effects: NewEffect[] = [];
  readonly #timers: NewTimer[] = [];
  readonly #tasks: NewTask[] = [];
  readonly #audit: NewAuditRow[] = [];
  readonly #cancelTimers: { instanceId: string; timerKey: string }[] = [];
  readonly #cancelTasks: { instanceId: string; taskKey: string }[] = [];
  readonly #exceptions: NewException[] = [];
  readonly #subflows: { instance: InstanceRef; params: StartSubflowParams }[] = [];
  readonly #cancelSubflows: { instance: InstanceRef; params: CancelSubflowParams }[] = [];
  readonly #classifications: { instance: InstanceRef; params: ClassifyParams }[] = [];
  readonly #decisions: { instance: InstanceRef; params: RecordTriageDecisionParams }[] = [];
  /** Messages to parents whose child ended in this batch. */
  readonly #toParents: NewInbox[] = [];
  readonly #logger: Logger;
  readonly #services: StepServices;

  constructor(logger: Logger, services: StepServices = {}) {
    this.#logger = logger;
    this.#services = services;
  }

  /** Whether any step scheduled a connector call (the effect runners have work). */
  get scheduledEffects(): boolean {
    return this.#scheduledEffects;
  }
  #scheduledEffects = false;

  /**
   * Whether any step scheduled a timer that is due at once (the timer loops have work). Later
   * timers need no wake-up: a wake-up before they are due would find nothing, and the loops look
   * for due timers on every poll.
   */
  get timersDueNow(): boolean {
    return this.#timersDueNow;
  }
  #timersDueNow = false;

  /** Whether any step sent a message to an instance (a classification, a child's end). */
  get deliveredMessages(): boolean {
    return this.#delivered;
  }
  #delivered = false;

  add(instance: InstanceRef, step: FlowStep, record: StepRecord): void {
    const entered: { nodeId: string; nodeType: string; visit: number }[] = [];
    for (const effect of step.effects) {
      switch (effect.type) {
        case EffectActionType.callConnector: {
          const p = effect.params;
          this.#scheduledEffects = true;
          this.#effects.push({
            instance_id: instance.id,
            node_id: p.nodeId,
            effect_key: p.effectKey,
            idempotency_key: `${instance.id}:${p.effectKey}`,
            connector: p.connector,
            connector_version: p.connectorVersion,
            operation: p.operation,
            input: jsonb(p.input),
            retry: p.retry ? jsonb(p.retry) : null,
            timeout_ms: p.timeoutMs,
            on_failure: p.onFailure,
          });
          this.#logger.info('effect scheduled', {
            correlationKey: instance.correlationKey,
            instanceId: instance.id,
            effectKey: p.effectKey,
            connector: p.connector,
            operation: p.operation,
          });
          break;
        }
        case EffectActionType.scheduleTimer: {
          const p = effect.params;
          this.#timers.push({
            instance_id: instance.id,
            timer_key: p.timerKey,
            node_id: p.nodeId,
            purpose: p.purpose,
            due_at: dueIn(p.delayMs),
          });
          if (p.delayMs <= 0) this.#timersDueNow = true;
          break;
        }
        case EffectActionType.cancelTimer:
          this.#cancelTimers.push({ instanceId: instance.id, timerKey: effect.params.timerKey });
          break;
        case EffectActionType.createTask: {
          const p = effect.params;
          this.#tasks.push({
            instance_id: instance.id,
            node_id: p.nodeId,
            task_key: p.taskKey,
            title: p.title,
            instructions: p.instructions,
            candidate_roles: jsonb(p.candidateRoles),
            form: jsonb(p.form),
            outcomes: jsonb(p.outcomes),
            due_at: p.dueInMs === null ? null : dueIn(p.dueInMs),
          });
          this.#timers.push(...taskTimers(instance.id, p));
          if ((p.dueInMs ?? Infinity) <= 0 || (p.escalation?.afterMs ?? Infinity) <= 0)
            this.#timersDueNow = true;
          break;
        }
        case EffectActionType.cancelTask: {
          const taskKey = effect.params.taskKey;
          this.#cancelTasks.push({ instanceId: instance.id, taskKey });
          this.#cancelTimers.push(
            { instanceId: instance.id, timerKey: `${taskKey}:due` },
            { instanceId: instance.id, timerKey: `${taskKey}:escalation` },
          );
          break;
        }
        case EffectActionType.enterNode:
          entered.push(effect.params);
          break;
        case EffectActionType.raiseException: {
          const p = effect.params;
          this.#exceptions.push({
            instance_id: instance.id,
            node_id: p.nodeId,
            exception_key: p.exceptionKey,
            category: p.category,
            owner_role: p.ownerRole,
            severity: p.severity,
            sla_due_at: dueIn(p.slaMs),
            task_key: p.taskKey,
            details: jsonb(p.details),
            blocking: p.blocking,
          });
          this.#logger.info('exception raised', {
            correlationKey: instance.correlationKey,
            instanceId: instance.id,
            nodeId: p.nodeId,
            category: p.category,
            ownerRole: p.ownerRole,
          });
          break;
        }
        case EffectActionType.startSubflow:
          this.#subflows.push({ instance, params: effect.params });
          break;
        case EffectActionType.cancelSubflow:
          this.#cancelSubflows.push({ instance, params: effect.params });
          break;
        case EffectActionType.classify:
          this.#classifications.push({ instance, params: effect.params });
          break;
        case EffectActionType.recordTriageDecision:
          this.#decisions.push({ instance, params: effect.params });
          break;
      }
    }
    if (step.done && instance.parent) {
      const { outcome, vars } = step.snapshot.context;
      this.#toParents.push(
        subflowFinishedMessage(instance.parent, {
          id: instance.id,
          status: 'completed',
          outcome: outcome ?? 'completed',
          vars,
        }),
      );
    }
    this.#audit.push({
      actor: record.actor,
      instance_id: instance.id,
      kind: step.done ? 'completed' : record.kind,
      flow_key: instance.flowKey,
      from_nodes: jsonb(record.fromNodes),
      to_nodes: jsonb(step.activeNodes),
      event_type: record.eventType,
      details: jsonb({ entered, ...(record.cause ? { cause: record.cause } : {}) }),
    });
    this.#logger.info(step.done ? 'instance completed' : 'transition', {
      correlationKey: instance.correlationKey,
      instanceId: instance.id,
      flowKey: instance.flowKey,
      eventType: record.eventType,
      from: record.fromNodes,
      to: step.activeNodes,
    });
  }

  /** The new state of an advanced instance, written with the batch's rows. */
  saveState(id: string, state: InstanceState): void {
    this.#states.push({ id, state });
  }

  /** Inbox messages the batch consumed (`done`) or keeps for later (`deferred`). */
  markInbox(done: Iterable<number>, deferred: Iterable<number>): void {
    this.#done.push(...done);
    this.#deferred.push(...deferred);
  }

  readonly #states: { id: string; state: InstanceState }[] = [];
  readonly #done: number[] = [];
  readonly #deferred: number[] = [];

  /**
   * Writes everything collected, inside the caller's transaction. The rows every transition has
   * (audit rows, new states, inbox bookkeeping, connector calls, timers, cancelled timers) go in
   * ONE statement, as data-modifying parts of a `WITH`: a transaction costs the same round trips
   * whatever its steps scheduled. Exceptions and tasks are written before it (their triggers
   * read the instance), and a timer cancelled in the batch that scheduled it after it (the parts
   * of one statement do not see each other's rows).
   */
  async flush(trx: Kysely<Database>): Promise<void> {
    // Before the tasks: an exception's task takes its category and severity from its row.
    if (this.#exceptions.length > 0) {
      await trx
        .insertInto('exceptions')
        .values(this.#exceptions.splice(0))
        .onConflict((oc) => oc.columns(['instance_id', 'exception_key']).doNothing())
        .execute();
    }
    if (this.#tasks.length > 0) {
      await trx
        .insertInto('tasks')
        .values(this.#tasks.splice(0))
        .onConflict((oc) => oc.columns(['instance_id', 'task_key']).doNothing())
        .execute();
    }
    const parts: Part[] = [];
    const scheduled = new Set<string>();
    if (this.#effects.length > 0) {
      parts.push(
        trx
          .insertInto('effects')
          .values(this.#effects.splice(0))
          .onConflict((oc) => oc.column('idempotency_key').doNothing()),
      );
    }
    if (this.#timers.length > 0) {
      const timers = this.#timers.splice(0);
      for (const t of timers) scheduled.add(`${t.instance_id} ${t.timer_key}`);
      parts.push(
        trx
          .insertInto('timers')
          .values(timers)
          .onConflict((oc) => oc.columns(['instance_id', 'timer_key']).doNothing()),
      );
    }
    if (this.#audit.length > 0) {
      // When the transition was written, near the end of its transaction (not when that began):
      // what the event-to-transition latency is measured to.
      const at = sql<Date>`clock_timestamp()`;
      parts.push(
        trx.insertInto('audit_log').values(this.#audit.splice(0).map((row) => ({ ...row, at }))),
      );
    }
    const states = this.#states.splice(0);
    if (states.length > 0) parts.push(saveStatesQuery(states));
    const done = this.#done.splice(0);
    if (done.length > 0)
      parts.push(trx.updateTable('inbox').set({ status: 'done' }).where('id', 'in', done));
    const deferred = this.#deferred.splice(0);
    if (deferred.length > 0)
      parts.push(trx.updateTable('inbox').set({ status: 'deferred' }).where('id', 'in', deferred));
    const cancels = this.#cancelTimers.splice(0);
    const later = cancels.filter((c) => scheduled.has(`${c.instanceId} ${c.timerKey}`));
    const now = cancels.filter((c) => !scheduled.has(`${c.instanceId} ${c.timerKey}`));
    if (now.length > 0) parts.push(cancelTimersQuery(trx, now));
    await executeTogether(trx, parts);
    if (later.length > 0) await cancelTimersQuery(trx, later).execute();
    const cancelTasks = this.#cancelTasks.splice(0);
    if (cancelTasks.length > 0) {
      await trx
        .updateTable('tasks')
        .set({ status: 'cancelled', completed_at: new Date() })
        .where('status', '=', 'open')
        .where((eb) =>
          eb(
            eb.refTuple('instance_id', 'task_key'),
            'in',
            cancelTasks.map((t) => eb.tuple(t.instanceId, t.taskKey)),
          ),
        )
        .execute();
    }
    await this.#flushFlowKinds(trx);
  }

  /** Classifications, triage decisions, child instances and children's ends. */
  async #flushFlowKinds(trx: Kysely<Database>): Promise<void> {
    const classifications = this.#classifications.splice(0);
    if (classifications.length > 0) {
      const classifier = (await this.#services.triage?.classifier(trx)) ?? null;
      for (const request of classifications)
        await runClassification(trx, request, classifier, this.#logger);
      this.#delivered = true;
    }
    for (const request of this.#decisions.splice(0))
      await recordDecision(trx, request, this.#services.triage);
    for (const request of this.#cancelSubflows.splice(0))
      await cancelSubflow(trx, request, this.#logger);
    const subflows = this.#subflows.splice(0);
    for (const request of subflows) {
      const machines = this.#services.machines;
      if (!machines) throw new Error('starting a subflow needs the compiled machines');
      await startSubflow(trx, request, {
        machines,
        logger: this.#logger,
        childBatch: () => new StepBatch(this.#logger, this.#services),
      });
    }
    if (subflows.length > 0) this.#delivered = true;
    if (this.#toParents.length > 0) {
      await trx.insertInto('inbox').values(this.#toParents.splice(0)).execute();
      this.#delivered = true;
    }
  }
}

/**
 * Writes the rows a step's effects ask for, and its audit row (one step; see {@link StepBatch}).
 */
export async function writeStep(
  trx: Kysely<Database>,
  instance: InstanceRef,
  step: FlowStep,
  record: StepRecord,
  logger: Logger,
  services: StepServices = {},
): Promise<void> {
  const batch = new StepBatch(logger, services);
  batch.add(instance, step, record);
  await batch.flush(trx);
}

/**
 * A task's due date and escalation are runtime timers (the machine does not wait for them):
 * when due they mark the task overdue or add the escalation role to its candidates.
 */
function taskTimers(instanceId: string, task: CreateTaskParams): NewTimer[] {
  const timers: NewTimer[] = [];
  if (task.dueInMs !== null)
    timers.push({
      instance_id: instanceId,
      timer_key: `${task.taskKey}:due`,
      node_id: task.nodeId,
      purpose: 'due',
      due_at: dueIn(task.dueInMs),
      payload: jsonb({ taskKey: task.taskKey }),
    });
  if (task.escalation !== null)
    timers.push({
      instance_id: instanceId,
      timer_key: `${task.taskKey}:escalation`,
      node_id: task.nodeId,
      purpose: 'escalation',
      due_at: dueIn(task.escalation.afterMs),
      payload: jsonb({ taskKey: task.taskKey, toRole: task.escalation.toRole }),
    });
  return timers;
}

/** The instance columns that follow from a snapshot. */
export function instanceStateOf(
  machine: FlowMachine,
  step: FlowStep,
): {
  snapshot: string;
  status: InstanceStatus;
  current_nodes: string;
  context: string;
  outcome: string | null;
  completed_at: Date | null;
  updated_at: Date;
} {
  const snapshot = step.snapshot;
  const status: InstanceStatus = step.done
    ? 'completed'
    : snapshot.status === 'error'
      ? 'failed'
      : 'running';
  const now = new Date();
  return {
    snapshot: jsonb(persistSnapshot(machine, snapshot)),
    status,
    current_nodes: jsonb(step.activeNodes),
    context: jsonb(snapshot.context.vars),
    outcome: step.done ? (snapshot.context.outcome ?? 'completed') : null,
    completed_at: status === 'running' ? null : now,
    updated_at: now,
  };
}

/** The columns of an instance that follow from its snapshot. */
export type InstanceState = ReturnType<typeof instanceStateOf>;

/** A statement of a batch: a query builder or a `sql` template. */
type Part = OperationNodeSource;

/**
 * Runs data-modifying statements as one: `WITH w0 AS (…), w1 AS (…) SELECT 1`. Every part runs
 * exactly once, to completion, on the statement's snapshot; none sees another's rows, so parts
 * must not depend on each other.
 */
export async function executeTogether(
  trx: Kysely<Database>,
  parts: readonly OperationNodeSource[],
): Promise<void> {
  if (parts.length === 0) return;
  const ctes = parts.map((part, i) => sql`${sql.id(`w${i}`)} as (${part})`);
  await sql`with ${sql.join(ctes)} select 1`.execute(trx);
}

/** Saves the new state of every advanced instance with one UPDATE … FROM (VALUES …). */
function saveStatesQuery(states: { id: string; state: InstanceState }[]): Part {
  const rows = states.map(
    ({ id, state }) =>
      sql`(${id}::uuid, ${state.snapshot}::jsonb, ${state.status}, ${state.current_nodes}::jsonb, ${state.context}::jsonb, ${state.outcome}::text, ${state.completed_at}::timestamptz, ${state.updated_at}::timestamptz)`,
  );
  return sql`
    update instances as i set
      snapshot = v.snapshot, status = v.status, current_nodes = v.current_nodes,
      context = v.context, outcome = v.outcome, completed_at = v.completed_at,
      updated_at = v.updated_at
    from (values ${sql.join(rows)}) as v(id, snapshot, status, current_nodes, context, outcome, completed_at, updated_at)
    where i.id = v.id`;
}

function cancelTimersQuery(
  trx: Kysely<Database>,
  cancels: { instanceId: string; timerKey: string }[],
): Part & { execute(): Promise<unknown> } {
  return trx
    .updateTable('timers')
    .set({ status: 'cancelled' })
    .where('status', '=', 'scheduled')
    .where((eb) =>
      eb(
        eb.refTuple('instance_id', 'timer_key'),
        'in',
        cancels.map((t) => eb.tuple(t.instanceId, t.timerKey)),
      ),
    );
}
