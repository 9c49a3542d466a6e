/**
 * Persisting one machine step: the effects it emitted become rows (connector calls in the
 * outbox, timers, tasks) and the transition gets an audit row. Always called inside the
 * transaction that also writes the instance's new snapshot.
 * @module
 */
import { sql, type Insertable, type Kysely, type RawBuilder } from 'kysely';
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

  /** Whether any step scheduled a connector call or a timer (the effect runner has work). */
  get scheduledWork(): boolean {
    return this.#effects.length > 0 || this.#timers.length > 0;
  }

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

  /** Writes everything collected, inside the caller's transaction. */
  async flush(trx: Kysely<Database>): Promise<void> {
    // Before the tasks: an exception's task takes its category and severity from its row.
    if (this.#exceptions.length > 0) {
      await trx
        .insertInto('exceptions')
        .values(this.#exceptions.splice(0))
        .onConflict((oc) => oc.columns(['instance_id', 'exception_key']).doNothing())
        .execute();
    }
    if (this.#effects.length > 0) {
      await trx
        .insertInto('effects')
        .values(this.#effects.splice(0))
        .onConflict((oc) => oc.column('idempotency_key').doNothing())
        .execute();
    }
    if (this.#timers.length > 0) {
      await trx
        .insertInto('timers')
        .values(this.#timers.splice(0))
        .onConflict((oc) => oc.columns(['instance_id', 'timer_key']).doNothing())
        .execute();
    }
    if (this.#tasks.length > 0) {
      await trx
        .insertInto('tasks')
        .values(this.#tasks.splice(0))
        .onConflict((oc) => oc.columns(['instance_id', 'task_key']).doNothing())
        .execute();
    }
    for (const { instanceId, timerKey } of this.#cancelTimers.splice(0)) {
      await trx
        .updateTable('timers')
        .set({ status: 'cancelled' })
        .where('instance_id', '=', instanceId)
        .where('timer_key', '=', timerKey)
        .where('status', '=', 'scheduled')
        .execute();
    }
    for (const { instanceId, taskKey } of this.#cancelTasks.splice(0)) {
      await trx
        .updateTable('tasks')
        .set({ status: 'cancelled', completed_at: new Date() })
        .where('instance_id', '=', instanceId)
        .where('task_key', '=', taskKey)
        .where('status', '=', 'open')
        .execute();
    }
    if (this.#audit.length > 0) {
      // When the transition was written, near the end of its transaction (not when that began):
      // what the event-to-transition latency is measured to.
      const at = sql<Date>`clock_timestamp()`;
      await trx
        .insertInto('audit_log')
        .values(this.#audit.splice(0).map((row) => ({ ...row, at })))
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
