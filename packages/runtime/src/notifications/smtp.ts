/**
 * A minimal SMTP client (RFC 5321) on node:net / node:tls: EHLO, STARTTLS when offered, AUTH
 * PLAIN (only over TLS), MAIL FROM, RCPT TO, DATA, QUIT. One connection per message: the
 * notification volume of an inbox does not need pooling. The body is sent base64-encoded UTF-8,
 * so no line needs dot-stuffing and any text is safe.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { NotificationError } from './channel.ts';

export interface SmtpOptions {
  host: string;
  port: number;
  /** Implicit TLS from the first byte (port 465, `smtps://`). */
  secure?: boolean;
  /** Upgrade with STARTTLS when the server offers it (default true). */
  startTls?: boolean;
  username?: string | undefined;
  password?: string | undefined;
  /** The envelope and header sender. */
  from: string;
  /** The name sent in EHLO (default `waybill.localhost`). */
  heloName?: string;
  timeoutMs?: number;
  /** Verify the server certificate (default true). */
  rejectUnauthorized?: boolean;
}

/** One e-mail. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

interface Reply {
  code: number;
  lines: string[];
}

const ADDRESS = /^[^\s<>()[\]\\,;:"]+@[^\s<>()[\]\\,;:"]+$/;

function checkAddress(address: string, field: string): void {
  if (!ADDRESS.test(address))
    throw new NotificationError(`${field} "${address}" is not a plain e-mail address.`, {
      permanent: true,
    });
}

/** RFC 2047 encoded-word for non-ASCII header text; CR and LF are dropped (no header injection). */
function headerText(value: string): string {
  const clean = value.replace(/[\r\n]+/g, ' ');
  return /^[\x20-\x7e]*$/.test(clean)
    ? clean
    : `=?UTF-8?B?${Buffer.from(clean, 'utf8').toString('base64')}?=`;
}

/** The message as sent after DATA (ends with the terminating dot line). */
export function formatMail(from: string, message: MailMessage, date = new Date()): string {
  const domain = from.split('@')[1] ?? 'waybill.localhost';
  const body = Buffer.from(message.text.replace(/\r?\n/g, '\r\n'), 'utf8')
    .toString('base64')
    .replace(/.{76}/g, '$&\r\n');
  return [
    `From: ${from}`,
    `To: ${message.to}`,
    `Subject: ${headerText(message.subject)}`,
    `Date: ${date.toUTCString()}`,
    `Message-ID: <${randomUUID()}@${domain}>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    body,
    '.',
    '',
  ].join('\r\n');
}

/** Reads SMTP replies (multi-line `250-…` … `250 …`) from a socket, one at a time. */
class ReplyReader {
  #buffer = '';
  #lines: string[] = [];
  #waiting: ((reply: Reply) => void) | null = null;
  #failed: ((error: Error) => void) | null = null;
  readonly #queue: Reply[] = [];

  attach(socket: Socket | TLSSocket): void {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.#push(chunk));
    socket.on('error', (error: Error) => this.#fail(error));
    socket.on('close', () => this.#fail(new Error('the SMTP server closed the connection')));
  }

  detach(socket: Socket | TLSSocket): void {
    socket.removeAllListeners('data');
    socket.removeAllListeners('error');
    socket.removeAllListeners('close');
  }

  #push(chunk: string): void {
    this.#buffer += chunk;
    let end: number;
    while ((end = this.#buffer.indexOf('\n')) >= 0) {
      const line = this.#buffer.slice(0, end).replace(/\r$/, '');
      this.#buffer = this.#buffer.slice(end + 1);
      this.#lines.push(line.slice(4));
      if (line[3] !== '-') {
        const reply = { code: Number(line.slice(0, 3)), lines: this.#lines };
        this.#lines = [];
        if (this.#waiting) {
          const resolve = this.#waiting;
          this.#waiting = null;
          this.#failed = null;
          resolve(reply);
        } else this.#queue.push(reply);
      }
    }
  }

  #fail(error: Error): void {
    const reject = this.#failed;
    this.#waiting = null;
    this.#failed = null;
    reject?.(error);
  }

  next(timeoutMs: number): Promise<Reply> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => this.#fail(new Error(`no answer from the SMTP server within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.#waiting = (reply) => {
        clearTimeout(timer);
        resolve(reply);
      };
      this.#failed = (error) => {
        clearTimeout(timer);
        reject(error);
      };
    });
  }
}

/**
 * Sends one message.
 *
 * ```ts
 * await sendMail({ host: 'smtp.example.com', port: 587, username, password, from: 'waybill@example.com' },
 *   { to: 'ana@example.com', subject: 'Overdue: credit hold', text: 'Open it: …' });
 * ```
 * @throws NotificationError (`permanent` for a 5xx answer or a malformed address)
 */
export async function sendMail(options: SmtpOptions, message: MailMessage): Promise<void> {
  checkAddress(options.from, 'from');
  checkAddress(message.to, 'to');
  const timeoutMs = options.timeoutMs ?? 15_000;
  const reader = new ReplyReader();
  let socket: Socket | TLSSocket = await open(options);
  let secure = options.secure === true;
  reader.attach(socket);
  const expect = async (command: string | null, ok: readonly number[]): Promise<Reply> => {
    if (command !== null) socket.write(`${command}\r\n`);
    const reply = await reader.next(timeoutMs);
    if (!ok.includes(reply.code)) {
      const shown = command?.startsWith('AUTH') ? 'AUTH PLAIN …' : (command ?? '(greeting)');
      throw new NotificationError(
        `SMTP ${options.host}: ${shown} → ${reply.code} ${reply.lines.join(' ')}`,
        { permanent: reply.code >= 500 },
      );
    }
    return reply;
  };
  try {
    await expect(null, [220]);
    const helo = `EHLO ${options.heloName ?? 'waybill.localhost'}`;
    let ehlo = await expect(helo, [250]);
    const offers = (reply: Reply, keyword: string): boolean =>
      reply.lines.some((l) => l.toUpperCase().startsWith(keyword));
    if (!secure && (options.startTls ?? true) && offers(ehlo, 'STARTTLS')) {
      await expect('STARTTLS', [220]);
      reader.detach(socket);
      socket = await upgrade(socket, options);
      secure = true;
      reader.attach(socket);
      ehlo = await expect(helo, [250]);
    }
    if (options.username !== undefined) {
      if (!secure)
        throw new NotificationError(
          `SMTP ${options.host}: refusing to send credentials without TLS (use smtps:// or a server offering STARTTLS).`,
          { permanent: true },
        );
      const token = Buffer.from(`\0${options.username}\0${options.password ?? ''}`).toString(
        'base64',
      );
      await expect(`AUTH PLAIN ${token}`, [235]);
    }
    await expect(`MAIL FROM:<${options.from}>`, [250]);
    await expect(`RCPT TO:<${message.to}>`, [250, 251]);
    await expect('DATA', [354]);
    await expect(formatMail(options.from, message).replace(/\r\n$/, ''), [250]);
    await expect('QUIT', [221]).catch(() => undefined);
  } catch (error) {
    if (error instanceof NotificationError) throw error;
    throw new NotificationError(`SMTP ${options.host}:${options.port}: ${String(error)}`, {
      cause: error,
    });
  } finally {
    reader.detach(socket);
    socket.destroy();
  }
}

function open(options: SmtpOptions): Promise<Socket | TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = options.secure
      ? tlsConnect({
          host: options.host,
          port: options.port,
          servername: options.host,
          rejectUnauthorized: options.rejectUnauthorized ?? true,
        })
      : netConnect({ host: options.host, port: options.port });
    socket.setTimeout(options.timeoutMs ?? 15_000, () =>
      socket.destroy(new Error('SMTP connection timed out')),
    );
    socket.once(options.secure ? 'secureConnect' : 'connect', () => resolve(socket));
    socket.once('error', (error: Error) =>
      reject(
        new NotificationError(
          `SMTP ${options.host}:${options.port} unreachable: ${error.message}`,
          {
            cause: error,
          },
        ),
      ),
    );
  });
}

function upgrade(socket: Socket | TLSSocket, options: SmtpOptions): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = tlsConnect({
      socket,
      servername: options.host,
      rejectUnauthorized: options.rejectUnauthorized ?? true,
    });
    secure.once('secureConnect', () => resolve(secure));
    secure.once('error', reject);
  });
}
