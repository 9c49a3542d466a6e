/**
 * Accepting business events: each stored once per idempotency key, workers woken after the
 * commit. Routing to instances happens later, in the worker.
 *
 * The API acknowledges an event only once it is committed. One commit per event would bound
 * ingestion by the disk's flush rate, so concurrent requests share commits through an
 * {@link IngestCommitter}: events that arrive while a commit is in flight are written together
 * by the next one (one multi-row insert), and each request is answered after that commit.
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { jsonb, type Database } from '../db/schema.ts';
import { canonicalJson, sha256Hex } from '../util.ts';
import { wakeWorkers } from './channels.ts';
import { crashPoint } from './crash-points.ts';

export interface IncomingEvent {
  type: string;
  correlationKey: string;
  payload: Record<string, unknown>;
  occurredAt?: string | undefined;
}

/** Who sent an event and under which idempotency key. */
export interface IngestOptions {
  idempotencyKey: string;
  apiKeyId?: string | null;
}

/** One event to store, with its idempotency key. */
export interface EventSubmission extends IngestOptions {
  event: IncomingEvent;
}

/** What happened to an ingested event. */
export type IngestResult =
  | { outcome: 'accepted'; eventId: string }
  /** The same key with the same body was accepted before. */
  | { outcome: 'duplicate'; eventId: string }
  /** The same key was used before with a different body. */
  | { outcome: 'conflict'; eventId: string };

/** The committer was closed; the event was not stored. */
export class IngestClosedError extends Error {
  constructor() {
    super('Ingestion is shutting down; the event was not stored. Send it again.');
    this.name = 'IngestClosedError';
  }
}

/**
 * Stores one event in its own transaction unless its idempotency key was seen before.
 *
 * ```ts
 * const result = await ingestEvent(db, { type: 'order.released', correlationKey: 'SO-1', payload: {} }, { idempotencyKey: 'wms-42' });
 * ```
 */
export async function ingestEvent(
  db: Kysely<Database>,
  event: IncomingEvent,
  options: IngestOptions,
): Promise<IngestResult> {
  const [result] = await ingestEvents(db, [{ event, ...options }]);
  if (!result) throw new Error('ingestEvents returned no result for one event');
  return result;
}

/**
 * Stores several events in one transaction (one multi-row insert) and returns a result per
 * submission, in order. All or nothing: if the transaction fails, nothing was stored and the
 * error is thrown ({@link IngestCommitter} then retries each event on its own).
 *
 * Idempotency keys are settled by the unique index: a key already stored (or being stored by a
 * concurrent transaction, which the insert waits for) yields `duplicate` or `conflict` with the
 * stored id. A key repeated inside the batch is stored once; its later submissions are answered
 * like repeats.
 *
 * ```ts
 * const [first, second] = await ingestEvents(db, [
 *   { event: released, idempotencyKey: 'wms-41' },
 *   { event: shipped, idempotencyKey: 'wms-42' },
 * ]);
 * ```
 */
export async function ingestEvents(
  db: Kysely<Database>,
  submissions: readonly EventSubmission[],
  options: { wakeWorkers?: boolean } = {},
): Promise<IngestResult[]> {
  if (submissions.length === 0) return [];
  const hashes = submissions.map((s) => requestHashOf(s.event));
  // The first submission of each key inserts; arrival order is kept (it becomes `seq` order).
  const inserting = new Map<string, { index: number; id: string }>();
  submissions.forEach((s, index) => {
    if (!inserting.has(s.idempotencyKey))
      inserting.set(s.idempotencyKey, { index, id: randomUUID() });
  });
  const rows = [...inserting.values()].map(({ index, id }) => {
    const { event, idempotencyKey, apiKeyId } = submissions[index]!;
    return {
      id,
      idempotency_key: idempotencyKey,
      request_hash: hashes[index]!,
      type: event.type,
      correlation_key: event.correlationKey,
      payload: jsonb(event.payload),
      occurred_at: event.occurredAt ?? null,
      api_key_id: apiKeyId ?? null,
    };
  });
  // One statement, committed on its own: one round trip for the whole group.
  crashPoint('ingest.before-commit');
  const inserted = await db
    .insertInto('events')
    .values(rows)
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('idempotency_key')
    .execute();
  const stored = new Map<string, { id: string; hash: string; inserted: boolean }>();
  for (const { idempotency_key: key } of inserted) {
    const first = inserting.get(key)!;
    stored.set(key, { id: first.id, hash: hashes[first.index]!, inserted: true });
  }
  // Keys stored before (by an earlier request, or one that committed while this insert waited
  // for it): their first event is what the client gets back.
  const seenBefore = [...inserting.keys()].filter((key) => !stored.has(key));
  if (seenBefore.length > 0) {
    const existing = await db
      .selectFrom('events')
      .select(['id', 'idempotency_key', 'request_hash'])
      .where('idempotency_key', 'in', seenBefore)
      .execute();
    for (const row of existing)
      stored.set(row.idempotency_key, { id: row.id, hash: row.request_hash, inserted: false });
  }
  crashPoint('ingest.after-commit');
  if ((options.wakeWorkers ?? true) && [...stored.values()].some((row) => row.inserted))
    await wakeWorkers(db, 'event');
  return submissions.map((s, index): IngestResult => {
    const row = stored.get(s.idempotencyKey);
    if (!row) throw new Error(`Idempotency-Key ${s.idempotencyKey}: neither stored nor found`);
    if (row.inserted && inserting.get(s.idempotencyKey)?.index === index)
      return { outcome: 'accepted', eventId: row.id };
    return { outcome: row.hash === hashes[index] ? 'duplicate' : 'conflict', eventId: row.id };
  });
}

function requestHashOf(event: IncomingEvent): string {
  return sha256Hex(
    canonicalJson({
      type: event.type,
      correlationKey: event.correlationKey,
      payload: event.payload,
      occurredAt: event.occurredAt ?? null,
    }),
  );
}

export interface IngestCommitterOptions {
  /** Most events written by one commit (default 500). */
  maxBatch?: number;
  /**
   * How long the first event of an idle committer waits for company before its commit starts
   * (default 0: the commit starts once the requests already received in this turn of the event
   * loop are queued). Events arriving while a commit is in flight always wait for the next one.
   */
  windowMs?: number;
  /** Called after each commit with the number of events it wrote (metrics). */
  onCommit?: (events: number) => void;
}

interface Pending {
  submission: EventSubmission;
  resolve(result: IngestResult): void;
  reject(error: unknown): void;
}

/**
 * Group commit for ingestion: concurrent {@link IngestCommitter.submit} calls share
 * transactions. One commit is in flight at a time; whatever arrives meanwhile is written by the
 * next, so batches grow with the load and an idle system adds no delay.
 *
 * Each promise resolves only after the commit that stored its event (nothing is acknowledged
 * before it is durable; a crash before the commit acknowledges nothing, and the sender's retry
 * with the same key is then accepted once). If a batch's transaction fails, each of its events
 * is committed on its own, so an event the database refuses fails alone.
 *
 * ```ts
 * const committer = new IngestCommitter(db);
 * const result = await committer.submit(event, { idempotencyKey: 'wms-42' });
 * await committer.close(); // commits what is queued, then refuses new events
 * ```
 */
export class IngestCommitter {
  readonly #db: Kysely<Database>;
  readonly #maxBatch: number;
  readonly #windowMs: number;
  readonly #onCommit: ((events: number) => void) | undefined;
  #queue: Pending[] = [];
  #busy = false;
  #closed = false;
  #idle: (() => void)[] = [];
  readonly #notifying = new Set<Promise<void>>();

  constructor(db: Kysely<Database>, options: IngestCommitterOptions = {}) {
    this.#db = db;
    this.#maxBatch = Math.max(1, options.maxBatch ?? 500);
    this.#windowMs = Math.max(0, options.windowMs ?? 0);
    this.#onCommit = options.onCommit;
  }

  /** Stores an event with the next commit; resolves once that commit is durable. */
  submit(event: IncomingEvent, options: IngestOptions): Promise<IngestResult> {
    if (this.#closed) return Promise.reject(new IngestClosedError());
    return new Promise<IngestResult>((resolve, reject) => {
      this.#queue.push({ submission: { event, ...options }, resolve, reject });
      if (this.#busy) return;
      this.#busy = true;
      const run = (): void => void this.#drain();
      if (this.#windowMs > 0) setTimeout(run, this.#windowMs);
      else setImmediate(run);
    });
  }

  /** Commits everything queued, then refuses new events with {@link IngestClosedError}. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#busy) await new Promise<void>((resolve) => this.#idle.push(resolve));
    await Promise.all(this.#notifying);
  }

  /**
   * Wakes the workers after a commit without holding up the answers or the next commit: the
   * events are durable already, and a lost wake-up only waits for the workers' next poll.
   */
  #wake(): void {
    const sent = wakeWorkers(this.#db, 'event').finally(() => this.#notifying.delete(sent));
    this.#notifying.add(sent);
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#maxBatch);
      await this.#commit(batch);
    }
    this.#busy = false;
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  async #commit(batch: Pending[]): Promise<void> {
    try {
      const results = await ingestEvents(
        this.#db,
        batch.map((p) => p.submission),
        { wakeWorkers: false },
      );
      this.#onCommit?.(batch.length);
      batch.forEach((p, i) => p.resolve(results[i]!));
      if (results.some((r) => r.outcome === 'accepted')) this.#wake();
      return;
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
    }
    // One event the database refuses must not fail its neighbours: each on its own commit.
    await Promise.all(
      batch.map(async (p) => {
        try {
          const [result] = await ingestEvents(this.#db, [p.submission]);
          this.#onCommit?.(1);
          if (result) p.resolve(result);
          else p.reject(new Error('ingestEvents returned no result for one event'));
        } catch (error) {
          p.reject(error);
        }
      }),
    );
  }
}
