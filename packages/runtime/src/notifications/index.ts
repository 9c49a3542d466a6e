/**
 * Notifications through pluggable channels (webhook signed with HMAC, e-mail over SMTP), fed by
 * an outbox written with the changes that cause them. See docs/security.md and docs/operations.md.
 * @module
 */
export { NotificationError, NotificationKinds, renderMessage } from './channel.ts';
export type {
  NotificationChannel,
  NotificationKind,
  NotificationMessage,
  Recipient,
  TaskNotice,
} from './channel.ts';
export { channelsFromEnv, smtpOptionsFromUrl } from './config.ts';
export { EmailChannel } from './email.channel.ts';
export { deliverNotifications, enqueueTaskNotification } from './outbox.ts';
export { fanOutIntents, Notifier } from './notifier.ts';
export type { NotifierOptions, NotifierRound } from './notifier.ts';
export { formatMail, sendMail } from './smtp.ts';
export type { MailMessage, SmtpOptions } from './smtp.ts';
export { signWebhook, verifyWebhook, WebhookChannel } from './webhook.channel.ts';
