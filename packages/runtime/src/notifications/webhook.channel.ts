/**
 * Webhook notifications: each event is POSTed once as JSON, signed with HMAC-SHA256 over
 * `<timestamp>.<body>` so the receiver can check it came from Waybill and is fresh:
 *
 * ```
 * X-Waybill-Timestamp: 1795483200
 * X-Waybill-Signature: sha256=<hex>
 * X-Waybill-Delivery: <outbox id>   (the same on retries: dedupe on it)
 * ```
 * @module
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  NotificationError,
  type NotificationChannel,
  type NotificationMessage,
  type Recipient,
} from './channel.ts';

/** Signs a body the way {@link WebhookChannel} does. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Checks a received webhook (for receivers written in TypeScript): the signature matches and the
 * timestamp is within `toleranceSeconds` (default 300) of now.
 */
export function verifyWebhook(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: string,
  options: { toleranceSeconds?: number; now?: number } = {},
): boolean {
  const { timestamp, signature } = headers;
  if (!timestamp || !signature) return false;
  const age = Math.abs((options.now ?? Date.now()) / 1000 - Number(timestamp));
  if (!Number.isFinite(age) || age > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export interface WebhookChannelOptions {
  url: string;
  secret: string;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
}

export class WebhookChannel implements NotificationChannel {
  readonly name = 'webhook';
  readonly #options: WebhookChannelOptions;

  constructor(options: WebhookChannelOptions) {
    if (options.secret.length < 16)
      throw new Error('The webhook secret must have at least 16 characters.');
    this.#options = options;
  }

  recipientsFor(_users: readonly Recipient[]): string[] {
    return [this.#options.url];
  }

  async send(
    recipient: string,
    message: NotificationMessage,
    delivery: { id: string },
  ): Promise<void> {
    const body = JSON.stringify({
      id: delivery.id,
      kind: message.kind,
      subject: message.subject,
      text: message.text,
      link: message.link,
      task: message.task,
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    let response: Response;
    try {
      response = await fetch(recipient, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-waybill-timestamp': timestamp,
          'x-waybill-signature': signWebhook(this.#options.secret, timestamp, body),
          'x-waybill-delivery': delivery.id,
          'x-waybill-event': message.kind,
        },
        body,
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new NotificationError(`webhook ${recipient} unreachable: ${String(error)}`, {
        cause: error,
      });
    }
    await response.arrayBuffer();
    if (!response.ok)
      throw new NotificationError(`webhook ${recipient} answered ${response.status}`, {
        // A 4xx other than 408/429 will not get better by retrying.
        permanent:
          response.status >= 400 &&
          response.status < 500 &&
          response.status !== 408 &&
          response.status !== 429,
      });
  }
}
