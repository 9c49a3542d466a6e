/**
 * The notifier loop: schedules SLA reminders, records `task.assigned` intents for new tasks,
 * fans intents out to each channel's recipients, and delivers them with retries.
 * @module
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { recordAssignedIntents, scheduleReminders } from '../engine/sla.ts';
import type { Logger } from '../log.ts';
import { isRecord } from '../util.ts';
import { NotificationKinds, type NotificationChannel, type NotificationKind } from './channel.ts';
import { deliverNotifications, enqueueTaskNotification } from './outbox.ts';

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function isKind(value: unknown): value is NotificationKind {
  return typeof value === 'string' && Object.hasOwn(NotificationKinds, value);
}

/**
 * Turns pending intents into deliveries for the configured channels (without channels they are
 * closed with nothing to send). Returns how many intents were handled.
 */
export async function fanOutIntents(
  db: Kysely<Database>,
  channels: readonly NotificationChannel[],
  options: { batchSize?: number } = {},
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const intents = await trx
      .selectFrom('notifications')
      .select(['id', 'kind', 'task_id', 'payload'])
      .where('channel', '=', 'intent')
      .where('status', '=', 'pending')
      .orderBy('id')
      .limit(options.batchSize ?? 50)
      .forUpdate()
      .skipLocked()
      .execute();
    for (const intent of intents) {
      const payload = isRecord(intent.payload) ? intent.payload : {};
      const audience = isRecord(payload.audience) ? payload.audience : {};
      let queued = 0;
      if (intent.task_id !== null && isKind(payload.kind))
        queued = await enqueueTaskNotification(trx, channels, {
          kind: payload.kind,
          taskId: intent.task_id,
          key: intent.kind,
          audience: { groups: strings(audience.groups), usernames: strings(audience.usernames) },
          ...(typeof payload.escalatedTo === 'string' ? { escalatedTo: payload.escalatedTo } : {}),
        });
      await trx
        .updateTable('notifications')
        .set({
          status: 'sent',
          sent_at: sql`now()`,
          attempts: 1,
          last_error: queued === 0 ? 'no channel or recipient' : null,
        })
        .where('id', '=', intent.id)
        .execute();
    }
    return intents.length;
  });
}

export interface NotifierOptions {
  db: Kysely<Database>;
  channels: readonly NotificationChannel[];
  logger: Logger;
  /** How often the loop runs (default 1 s). */
  intervalMs?: number;
}

/** What one round did. */
export interface NotifierRound {
  reminders: number;
  intents: number;
  sent: number;
}

/**
 * ```ts
 * const notifier = new Notifier({ db, channels: channelsFromEnv(), logger });
 * notifier.start(); … await notifier.stop();
 * ```
 */
export class Notifier {
  readonly #options: NotifierOptions;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<unknown> | null = null;
  #stopped = false;

  constructor(options: NotifierOptions) {
    this.#options = options;
  }

  get channels(): readonly NotificationChannel[] {
    return this.#options.channels;
  }

  /** One round: reminders, intents, fan-out, delivery. */
  async runOnce(): Promise<NotifierRound> {
    const { db, channels, logger } = this.#options;
    const reminders = await scheduleReminders(db);
    if (channels.length > 0) await recordAssignedIntents(db);
    const intents = await fanOutIntents(db, channels);
    const sent = await deliverNotifications(db, channels, { logger });
    return { reminders, intents, sent };
  }

  start(): void {
    if (this.#timer || this.#stopped) return;
    const tick = (): void => {
      this.#running = this.runOnce()
        .catch((error: unknown) =>
          this.#options.logger.error('notifier round failed', { err: error }),
        )
        .finally(() => {
          this.#running = null;
          if (!this.#stopped) this.#timer = setTimeout(tick, this.#options.intervalMs ?? 1000);
        });
    };
    this.#timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
  }
}
