/**
 * Accepting a business event: stored once per idempotency key, announced to workers in the same
 * transaction. Routing to instances happens later, in the worker.
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { jsonb, type Database } from '../db/schema.ts';
import { canonicalJson, sha256Hex } from '../util.ts';
import { wakeWorkers } from './channels.ts';

export interface IncomingEvent {
  type: string;
  correlationKey: string;
  payload: Record<string, unknown>;
  occurredAt?: string | undefined;
}

/** What happened to an ingested event. */
export type IngestResult =
  | { outcome: 'accepted'; eventId: string }
  /** The same key with the same body was accepted before. */
  | { outcome: 'duplicate'; eventId: string }
  /** The same key was used before with a different body. */
  | { outcome: 'conflict'; eventId: string };

/**
 * Stores an event unless its idempotency key was seen before. Concurrent requests with the same
 * key are settled by the unique index: exactly one inserts, the others read its id.
 *
 * ```ts
 * const result = await ingestEvent(db, { type: 'order.released', correlationKey: 'SO-1', payload: {} }, { idempotencyKey: 'wms-42' });
 * ```
 */
export async function ingestEvent(
  db: Kysely<Database>,
  event: IncomingEvent,
  options: { idempotencyKey: string; apiKeyId?: string | null },
): Promise<IngestResult> {
  const requestHash = sha256Hex(
    canonicalJson({
      type: event.type,
      correlationKey: event.correlationKey,
      payload: event.payload,
      occurredAt: event.occurredAt ?? null,
    }),
  );
  const result: IngestResult = await db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('events')
      .values({
        id: randomUUID(),
        idempotency_key: options.idempotencyKey,
        request_hash: requestHash,
        type: event.type,
        correlation_key: event.correlationKey,
        payload: jsonb(event.payload),
        occurred_at: event.occurredAt ?? null,
        api_key_id: options.apiKeyId ?? null,
      })
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted) return { outcome: 'accepted', eventId: inserted.id };
    const existing = await trx
      .selectFrom('events')
      .select(['id', 'request_hash'])
      .where('idempotency_key', '=', options.idempotencyKey)
      .executeTakeFirstOrThrow();
    return {
      outcome: existing.request_hash === requestHash ? 'duplicate' : 'conflict',
      eventId: existing.id,
    };
  });
  if (result.outcome === 'accepted') await wakeWorkers(db, 'event');
  return result;
}
