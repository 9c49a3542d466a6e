/**
 * The effect runner: performs connector calls from the outbox after their transition committed.
 * At least once, with a stable idempotency key (`<instanceId>:<effectKey>`), so the external
 * system applies each call once even when a crash makes us call again.
 * @module
 */
import { sql, type Kysely } from 'kysely';
import {
  invokeOperation,
  isConnectorError,
  type ConnectorRegistry,
  type RetryPolicy,
} from '@waybill/connectors-sdk';
import { notify } from '../db/connect.ts';
import { jsonb, type Database, type EffectRow } from '../db/schema.ts';
import type { Logger } from '../log.ts';
import { isRecord, toJson } from '../util.ts';
import {
  advanceClaimed,
  afterAdvanceCommit,
  withInlineAdvance,
  type AdvanceOptions,
  type LockedInstance,
} from './advance.ts';
import { WORK_CHANNEL, wakeWorkers } from './channels.ts';
import { crashPoint } from './crash-points.ts';
import { openIncident } from './incidents.ts';
import { engineMetrics } from './metrics.ts';

/** Retry policy when neither the node nor the operation sets one. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  initialIntervalMs: 1000,
  backoffCoefficient: 2,
  maxIntervalMs: 60_000,
};

/** The connectors a runtime can call, and the deployment's config of each (by connector id). */
export interface ConnectorSetup {
  registry: ConnectorRegistry;
  configs: Record<string, Record<string, unknown>>;
}

export interface EffectRunnerOptions {
  connectors: ConnectorSetup;
  logger: Logger;
  /** Effects claimed per round (default 50); they run concurrently. */
  batchSize?: number;
  /** How long a claim lasts beyond the call's timeout before another worker may retry (default 30 s). */
  leaseGraceMs?: number;
  /** The call's timeout assumed for the lease when the node sets none (default 60 s). */
  defaultLeaseMs?: number;
  /** Aborts in-flight calls (worker shutdown); they are retried later. */
  signal?: AbortSignal;
  /**
   * Applies each result to its instance in the transaction that records it (when no other
   * worker holds the instance), so the flow moves on without waiting for an advancing round.
   * Without it results are only delivered to the instances' inboxes.
   */
  advance?: AdvanceOptions;
  /**
   * Record each success as soon as its call returns (default), or a round's successes together
   * once all its calls returned (`false`: fewer transactions, for a database with one connection).
   */
  recordEach?: boolean;
}

/** Why a connector call failed, as recorded on the effect and its incident. */
export interface FailureInfo {
  code: string;
  message: string;
  retryable: boolean;
  retryAfterMs: number | undefined;
  details: Record<string, unknown>;
}

/**
 * Claims effects that are due (or whose lease expired), calls them, and records each outcome
 * with the inbox message that feeds it back to the instance. Returns how many were attempted.
 *
 * ```ts
 * await runDueEffects(db, { connectors: { registry, configs: { 'waybill.erp-sandbox': { baseUrl } } }, logger });
 * ```
 */
export async function runDueEffects(
  db: Kysely<Database>,
  options: EffectRunnerOptions,
): Promise<number> {
  const claimed = await claimEffects(db, options);
  if (claimed.length === 0) return 0;
  engineMetrics.increment('waybill_effect_attempts_total', claimed.length);
  if (options.recordEach === false) {
    // One connection (the embedded database): every transaction waits its turn, so a round's
    // results are recorded together, in one transaction, once its calls have returned.
    const outputs = await Promise.all(claimed.map((effect) => runEffect(db, effect, options)));
    const succeeded = outputs.filter((o) => o !== null);
    if (succeeded.length > 0) {
      const recorded = await recordSuccesses(db, succeeded, options);
      for (const { effect } of succeeded) {
        if (recorded.has(effect.id)) options.logger.info('effect succeeded', fieldsOf(effect));
      }
    }
    return claimed.length;
  }
  // Each success is recorded as soon as its call returns (a slow call does not hold up the
  // results of quick ones); successes that arrive while a record commits share the next one.
  const settled = await Promise.allSettled(startEffects(db, claimed, options));
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  return claimed.length;
}

/**
 * Claims up to `options.batchSize` due calls and starts them without waiting for them: one
 * promise per call, settled once its outcome is recorded (a success through `record`, shared by
 * every call of a worker so that successes returning together share a commit). For a worker
 * that keeps a number of calls in flight and claims more as each returns.
 *
 * ```ts
 * const record = effectRecorder(db, options);
 * const calls = await startDueEffects(db, { ...options, batchSize: free }, record);
 * ```
 */
export async function startDueEffects(
  db: Kysely<Database>,
  options: EffectRunnerOptions,
  record: EffectRecorder = effectRecorder(db, options),
): Promise<Promise<void>[]> {
  const claimed = await claimEffects(db, options);
  if (claimed.length === 0) return [];
  engineMetrics.increment('waybill_effect_attempts_total', claimed.length);
  return startEffects(db, claimed, options, record);
}

function startEffects(
  db: Kysely<Database>,
  claimed: ClaimedEffect[],
  options: EffectRunnerOptions,
  record: EffectRecorder = effectRecorder(db, options),
): Promise<void>[] {
  return claimed.map(async (effect) => {
    const output = await runEffect(db, effect, options);
    if (output && (await record(output))) {
      options.logger.info('effect succeeded', fieldsOf(effect));
    }
  });
}

/** Records a successful call; resolves, after its commit, with whether this worker held the claim. */
export type EffectRecorder = (success: Succeeded) => Promise<boolean>;

/**
 * Group commit for successes: `record(success)` resolves after the commit that recorded it, with
 * whether this worker still held the claim (else another worker's attempt records the outcome).
 */
export function effectRecorder(db: Kysely<Database>, options: EffectRunnerOptions): EffectRecorder {
  type Waiting = {
    success: Succeeded;
    resolve: (recorded: boolean) => void;
    reject: (error: unknown) => void;
  };
  const queue: Waiting[] = [];
  let draining = false;
  const drain = async (): Promise<void> => {
    while (queue.length > 0) {
      const batch = queue.splice(0);
      try {
        const recorded = await recordSuccesses(
          db,
          batch.map((w) => w.success),
          options,
        );
        for (const w of batch) w.resolve(recorded.has(w.success.effect.id));
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
    draining = false;
  };
  return (success) =>
    new Promise<boolean>((resolve, reject) => {
      queue.push({ success, resolve, reject });
      if (draining) return;
      draining = true;
      void drain();
    });
}

type ClaimedEffect = EffectRow & { correlation_key: string };

/**
 * Claims due effects (or those whose lease ran out) in one statement, one round trip: the
 * `SKIP LOCKED` subquery picks them (evaluated once, through `array(…)`), the update leases them,
 * and the returned rows carry their instance's correlation key for the logs.
 */
async function claimEffects(
  db: Kysely<Database>,
  options: EffectRunnerOptions,
): Promise<ClaimedEffect[]> {
  const grace = options.leaseGraceMs ?? 30_000;
  const leaseMs = options.defaultLeaseMs ?? 60_000;
  const limit = options.batchSize ?? 50;
  const result = await sql<ClaimedEffect>`
    update effects set
      status = 'running',
      attempts = attempts + 1,
      lease_until = now() + make_interval(secs => (coalesce(timeout_ms, ${leaseMs}) + ${grace}) / 1000.0),
      updated_at = now()
    where id = any(array(
      select id from effects
      where (status = 'pending' and next_run_at <= now())
         or (status = 'running' and lease_until < now())
      order by next_run_at
      limit ${limit}
      for update skip locked
    ))
    returning effects.*,
      coalesce((select correlation_key from instances where instances.id = effects.instance_id), '')
        as correlation_key`.execute(db);
  return result.rows;
}

function fieldsOf(effect: ClaimedEffect) {
  return {
    correlationKey: effect.correlation_key,
    instanceId: effect.instance_id,
    effectKey: effect.effect_key,
    connector: effect.connector,
    operation: effect.operation,
    attempt: effect.attempts,
  };
}

export interface Succeeded {
  effect: ClaimedEffect;
  output: ReturnType<typeof toJson>;
}

/** Performs one call; returns its output on success (recorded by the caller), else null. */
async function runEffect(
  db: Kysely<Database>,
  effect: ClaimedEffect,
  options: EffectRunnerOptions,
): Promise<Succeeded | null> {
  const { logger } = options;
  const fields = fieldsOf(effect);
  let retry = retryPolicyOf(effect, null);
  try {
    const connector = options.connectors.registry.getOrThrow(
      effect.connector,
      effect.connector_version,
    );
    const operation = Object.hasOwn(connector.operations, effect.operation)
      ? connector.operations[effect.operation]
      : undefined;
    retry = retryPolicyOf(effect, operation?.defaultRetry ?? null);
    const input = isRecord(effect.input) ? effect.input : {};
    const output = await invokeOperation(connector, effect.operation, {
      config: options.connectors.configs[effect.connector] ?? {},
      input,
      idempotencyKey: effect.idempotency_key,
      correlationId: effect.correlation_key,
      ...(effect.timeout_ms === null ? {} : { timeoutMs: effect.timeout_ms }),
      logger: logger.child(fields),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    crashPoint('effect.after-call');
    return { effect, output: toJson(output) };
  } catch (error) {
    const failure = failureOf(error);
    engineMetrics.increment('waybill_effect_failures_total');
    const exhausted = effect.attempts >= retry.maxAttempts;
    if (failure.retryable && !exhausted) {
      const delay = backoffDelay(retry, effect.attempts, failure.retryAfterMs);
      await recordRetry(db, effect, failure, delay);
      logger.warn('effect will be retried', {
        ...fields,
        code: failure.code,
        error: failure.message,
        delayMs: delay,
      });
    } else {
      await recordFailure(db, effect, failure);
      logger.error('effect failed', {
        ...fields,
        code: failure.code,
        error: failure.message,
        exhausted,
      });
    }
    return null;
  }
}

function retryPolicyOf(effect: EffectRow, operationDefault: RetryPolicy | null): RetryPolicy {
  const stored = effect.retry;
  if (
    isRecord(stored) &&
    typeof stored.maxAttempts === 'number' &&
    typeof stored.initialIntervalMs === 'number' &&
    typeof stored.backoffCoefficient === 'number' &&
    typeof stored.maxIntervalMs === 'number'
  ) {
    return {
      maxAttempts: stored.maxAttempts,
      initialIntervalMs: stored.initialIntervalMs,
      backoffCoefficient: stored.backoffCoefficient,
      maxIntervalMs: stored.maxIntervalMs,
    };
  }
  return operationDefault ?? DEFAULT_RETRY_POLICY;
}

/**
 * Delay before attempt `attempt + 1`, with "full jitter": a random point between 0 and the
 * exponential bound `initialIntervalMs * backoffCoefficient^(attempt-1)` (capped at
 * `maxIntervalMs`), so that calls failing together do not retry together. Never sooner than a
 * rate limit's `retryAfterMs`. `random` returns a number in [0, 1).
 *
 * ```ts
 * const policy = { maxAttempts: 5, initialIntervalMs: 1000, backoffCoefficient: 2, maxIntervalMs: 60000 };
 * backoffDelay(policy, 3);                 // between 0 and 4000
 * backoffDelay(policy, 3, 10_000);         // at least 10000
 * backoffDelay(policy, 3, undefined, () => 0.5); // 2000
 * ```
 */
export function backoffDelay(
  policy: RetryPolicy,
  attempt: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const exponential =
    policy.initialIntervalMs * Math.pow(policy.backoffCoefficient, Math.max(0, attempt - 1));
  const bound = Math.min(policy.maxIntervalMs, exponential);
  return Math.round(Math.max(bound * random(), retryAfterMs ?? 0));
}

function failureOf(error: unknown): FailureInfo {
  if (isConnectorError(error)) {
    return {
      code: error.code,
      message: error.message,
      retryable: error.retryable,
      retryAfterMs: error.retryAfterMs,
      details: error.details,
    };
  }
  // Anything else (a bug in a connector, a dropped connection) is treated as transient.
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'RETRYABLE', message, retryable: true, retryAfterMs: undefined, details: {} };
}

async function recordSuccesses(
  db: Kysely<Database>,
  succeeded: Succeeded[],
  options: EffectRunnerOptions,
): Promise<Set<number>> {
  const { advance } = options;
  const { recorded, advanced, waiting } = await withInlineAdvance(options.logger, (inline) =>
    db.transaction().execute(async (trx) => {
      // One statement for the whole group: the results, and the messages that feed them back
      // to their instances. Only the worker holding the current claim may record an outcome
      // (fenced by `attempts`): another worker may have taken over an expired lease.
      const rows = succeeded.map(
        ({ effect, output }) =>
          sql`(${effect.id}::bigint, ${effect.attempts}::int, ${jsonb(output)}::jsonb)`,
      );
      // Applying the results here, the same statement locks their instances (those no other
      // worker holds) and reads their rows.
      const applying = Boolean(advance && inline);
      const written = await sql<{
        effect_id: string | number;
        instance_id: string;
        locked: LockedInstance[] | null;
      }>`
        with recorded as (
          update effects as e set
            status = 'succeeded', result = v.result, lease_until = null, last_error = null,
            updated_at = now()
          from (values ${sql.join(rows)}) as v(id, attempts, result)
          where e.id = v.id and e.status = 'running' and e.attempts = v.attempts
          returning e.id, e.instance_id, e.effect_key, e.result
        ), messages as (
          insert into inbox (instance_id, kind, body)
          select instance_id, 'effect', jsonb_build_object(
            'type', 'waybill.effect.succeeded', 'effectKey', effect_key, 'output', result)
          from recorded order by id
          returning instance_id
        )
        select recorded.id as effect_id, recorded.instance_id,
          case when ${applying} then (select json_agg(l) from (
            select id, flow_key, flow_version, correlation_key, snapshot, current_nodes,
              parent_instance_id, parent_effect_key
            from instances
            where id in (select instance_id from recorded) and status = 'running'
            order by id
            for no key update skip locked) l) end as locked
        from recorded`.execute(trx);
      const recorded = new Set(written.rows.map((row) => Number(row.effect_id)));
      if (recorded.size === 0) return { recorded, advanced: null, waiting: false };
      const ids = [...new Set(written.rows.map((m) => m.instance_id))];
      const locked = written.rows[0]?.locked ?? [];
      const advanced = advance && applying ? await advanceClaimed(trx, locked, advance) : null;
      crashPoint('effect.before-record-commit');
      // Instances another worker held (or all, without inline advancing) wait for a round.
      return { recorded, advanced, waiting: (advanced?.advanced ?? 0) < ids.length };
    }),
  );
  crashPoint('effect.after-record');
  if (advanced) await afterAdvanceCommit(db, advanced);
  if (waiting) await wakeWorkers(db, 'inbox');
  return recorded;
}

async function recordRetry(
  db: Kysely<Database>,
  effect: ClaimedEffect,
  failure: FailureInfo,
  delayMs: number,
): Promise<void> {
  await db
    .updateTable('effects')
    .set({
      status: 'pending',
      lease_until: null,
      // By the database's clock, like the claim that compares it with now(): a worker whose
      // clock is off neither retries at once nor hours late.
      next_run_at: sql<Date>`now() + make_interval(secs => ${delayMs}::double precision / 1000)`,
      last_error: jsonb({
        code: failure.code,
        message: failure.message,
        details: failure.details,
        attempt: effect.attempts,
      }),
      updated_at: new Date(),
    })
    // Only the worker holding the current claim may record an outcome (fenced by `attempts`).
    .where('id', '=', effect.id)
    .where('status', '=', 'running')
    .where('attempts', '=', effect.attempts)
    .execute();
}

async function recordFailure(
  db: Kysely<Database>,
  effect: ClaimedEffect,
  failure: FailureInfo,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('effects')
      .set({
        status: 'failed',
        lease_until: null,
        last_error: jsonb({
          code: failure.code,
          message: failure.message,
          details: failure.details,
          attempt: effect.attempts,
        }),
        updated_at: new Date(),
      })
      // Only the worker holding the current claim may record an outcome (fenced by `attempts`).
      .where('id', '=', effect.id)
      .where('status', '=', 'running')
      .where('attempts', '=', effect.attempts)
      .returning('id')
      .executeTakeFirst();
    if (!updated) return;
    if (effect.on_failure === 'incident') {
      // No `error` path in the flow: the instance stays at its node and an operator decides.
      await openIncident(trx, effect, failure);
      return;
    }
    await trx
      .insertInto('inbox')
      .values({
        instance_id: effect.instance_id,
        kind: 'effect',
        body: jsonb({
          type: 'waybill.effect.failed',
          effectKey: effect.effect_key,
          error: { code: failure.code, message: failure.message },
        }),
      })
      .execute();
    const instance = await trx
      .selectFrom('instances')
      .select(['flow_key', 'current_nodes'])
      .where('id', '=', effect.instance_id)
      .executeTakeFirst();
    await trx
      .insertInto('audit_log')
      .values({
        actor: 'system',
        instance_id: effect.instance_id,
        kind: 'effect.failed',
        flow_key: instance?.flow_key ?? null,
        from_nodes: jsonb(instance?.current_nodes ?? []),
        to_nodes: jsonb(instance?.current_nodes ?? []),
        event_type: null,
        details: jsonb({
          effectKey: effect.effect_key,
          connector: effect.connector,
          operation: effect.operation,
          attempts: effect.attempts,
          error: { code: failure.code, message: failure.message },
        }),
      })
      .execute();
    await notify(trx, WORK_CHANNEL, 'inbox');
  });
}
