/** E-mail notifications over SMTP: one message per recipient with an e-mail address. */
import type { NotificationChannel, NotificationMessage, Recipient } from './channel.ts';
import { sendMail, type SmtpOptions } from './smtp.ts';

export class EmailChannel implements NotificationChannel {
  readonly name = 'email';
  readonly #smtp: SmtpOptions;

  constructor(smtp: SmtpOptions) {
    this.#smtp = smtp;
  }

  recipientsFor(users: readonly Recipient[]): string[] {
    return [...new Set(users.flatMap((u) => (u.email ? [u.email] : [])))].sort();
  }

  send(recipient: string, message: NotificationMessage): Promise<void> {
    return sendMail(this.#smtp, { to: recipient, subject: message.subject, text: message.text });
  }
}
