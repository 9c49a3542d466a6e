/**
 * Channels from the environment:
 *
 * - `WAYBILL_SMTP_URL=smtp://user:password@smtp.example.com:587?from=waybill@example.com`
 *   (`smtps://` for implicit TLS on 465; STARTTLS is used whenever the server offers it;
 *   `?tls=insecure` accepts a self-signed certificate).
 * - `WAYBILL_WEBHOOK_URL=https://hooks.example.com/waybill` with `WAYBILL_WEBHOOK_SECRET`
 *   (at least 16 characters; receivers check `X-Waybill-Signature`).
 * @module
 */
import type { NotificationChannel } from './channel.ts';
import { EmailChannel } from './email.channel.ts';
import type { SmtpOptions } from './smtp.ts';
import { WebhookChannel } from './webhook.channel.ts';

/** SMTP options from an `smtp://` or `smtps://` URL. */
export function smtpOptionsFromUrl(value: string): SmtpOptions {
  const url = new URL(value);
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
    throw new Error(`WAYBILL_SMTP_URL must start with smtp:// or smtps:// (got ${url.protocol}).`);
  const secure = url.protocol === 'smtps:';
  const from = url.searchParams.get('from');
  if (!from) throw new Error('WAYBILL_SMTP_URL needs ?from=<sender address>.');
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    from,
    ...(url.username
      ? {
          username: decodeURIComponent(url.username),
          password: decodeURIComponent(url.password),
        }
      : {}),
    rejectUnauthorized: url.searchParams.get('tls') !== 'insecure',
  };
}

/** The channels the environment configures (none: notifications are off). */
export function channelsFromEnv(env: NodeJS.ProcessEnv = process.env): NotificationChannel[] {
  const channels: NotificationChannel[] = [];
  if (env.WAYBILL_SMTP_URL)
    channels.push(new EmailChannel(smtpOptionsFromUrl(env.WAYBILL_SMTP_URL)));
  if (env.WAYBILL_WEBHOOK_URL) {
    const secret = env.WAYBILL_WEBHOOK_SECRET;
    if (!secret) throw new Error('WAYBILL_WEBHOOK_URL needs WAYBILL_WEBHOOK_SECRET to sign with.');
    channels.push(new WebhookChannel({ url: env.WAYBILL_WEBHOOK_URL, secret }));
  }
  return channels;
}
