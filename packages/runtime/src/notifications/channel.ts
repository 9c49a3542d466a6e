/**
 * The notification channel seam: a channel delivers one message to one recipient. Webhook and
 * e-mail (SMTP) ship; another channel (chat, SMS) is a class with `name`, `recipientsFor` and `send`.
 * @module
 */

/** What happened to a task. */
export const NotificationKinds = {
  'task.assigned': 'A task was assigned to your group',
  'task.reminder': 'A task is due soon',
  'task.breached': 'A task passed its due date',
  'task.escalated': 'A task was escalated to you',
} as const;
export type NotificationKind = keyof typeof NotificationKinds;

/** The task a notification is about, as recipients see it. */
export interface TaskNotice {
  id: string;
  title: string;
  instanceId: string;
  nodeId: string;
  correlationKey: string;
  candidateRoles: string[];
  dueAt: string | null;
  /** For escalations: to whom (a role or `user:<username>`), and the chain level. */
  escalatedTo?: string | undefined;
  escalationLevel?: number | undefined;
}

/** One message, as stored in the outbox and handed to a channel. */
export interface NotificationMessage {
  kind: NotificationKind;
  subject: string;
  text: string;
  task: TaskNotice;
  /** Where the task page is (`<public url>/#/tasks/<id>`), when the platform knows its URL. */
  link: string | null;
}

/** Someone a message may go to: the users the notifier resolved for the event. */
export interface Recipient {
  username: string;
  email: string | null;
}

/** A way to deliver notifications. */
export interface NotificationChannel {
  /** Stored with each delivery (`email`, `webhook`). */
  readonly name: string;
  /**
   * The channel's recipient keys for an event's users: e-mail addresses for e-mail, one key for
   * a webhook (it receives every event once, with the users in the payload).
   */
  recipientsFor(users: readonly Recipient[]): string[];
  /** Delivers one message; throws to have it retried. */
  send(recipient: string, message: NotificationMessage, delivery: { id: string }): Promise<void>;
}

/** A delivery that failed; `permanent` ones are not retried (a 4xx answer, a refused address). */
export class NotificationError extends Error {
  override readonly name = 'NotificationError';
  readonly permanent: boolean;
  constructor(message: string, options: { permanent?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.permanent = options.permanent ?? false;
  }
}

/** Subject and text of a message about a task. */
export function renderMessage(
  kind: NotificationKind,
  task: TaskNotice,
  link: string | null,
): NotificationMessage {
  const due = task.dueAt ? ` (due ${task.dueAt.slice(0, 16).replace('T', ' ')} UTC)` : '';
  const subjects: Record<NotificationKind, string> = {
    'task.assigned': `New task: ${task.title} — ${task.correlationKey}`,
    'task.reminder': `Due soon: ${task.title} — ${task.correlationKey}`,
    'task.breached': `Overdue: ${task.title} — ${task.correlationKey}`,
    'task.escalated': `Escalated to you: ${task.title} — ${task.correlationKey}`,
  };
  const lines = [
    `${NotificationKinds[kind]}: ${task.title} for ${task.correlationKey}${due}.`,
    `Groups: ${task.candidateRoles.join(', ')}.`,
    ...(task.escalatedTo
      ? [`Escalated to ${task.escalatedTo} (level ${task.escalationLevel ?? 1}).`]
      : []),
    ...(link ? [`Open it: ${link}`] : []),
  ];
  return { kind, subject: subjects[kind], text: lines.join('\n'), task, link };
}
