/** The SMTP client and the webhook channel against local receivers. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationError, renderMessage, type TaskNotice } from '../src/notifications/channel.ts';
import { smtpOptionsFromUrl } from '../src/notifications/config.ts';
import { sendMail } from '../src/notifications/smtp.ts';
import { verifyWebhook, WebhookChannel } from '../src/notifications/webhook.channel.ts';
import {
  startHookReceiver,
  startSmtpReceiver,
  type HookReceiver,
  type SmtpReceiver,
} from './notification-receivers.ts';

let smtp: SmtpReceiver;
let hooks: HookReceiver;

beforeAll(async () => {
  smtp = await startSmtpReceiver();
  hooks = await startHookReceiver();
});
afterAll(async () => {
  await smtp.close();
  await hooks.close();
});

const task: TaskNotice = {
  id: '00000000-0000-4000-8000-000000000001',
  title: 'Release credit hold',
  instanceId: '00000000-0000-4000-8000-000000000002',
  nodeId: 'review',
  correlationKey: 'SO-1001',
  candidateRoles: ['credit'],
  dueAt: '2026-11-24T12:00:00.000Z',
};

describe('SMTP client', () => {
  it('delivers a message with envelope, headers and a UTF-8 body', async () => {
    const options = smtpOptionsFromUrl(
      `smtp://127.0.0.1:${smtp.port}?from=waybill@billing.example`,
    );
    const text = 'Overdue: Kreditsperre für SO-1001 — öffnen.\n.\nA line with a lone dot above.';
    await sendMail(options, { to: 'cora@credit.example', subject: 'Überfällig: SO-1001', text });
    const mail = smtp.messages.at(-1);
    expect(mail).toMatchObject({
      from: 'waybill@billing.example',
      to: ['cora@credit.example'],
      authenticated: false,
      text: text.replace(/\n/g, '\r\n'),
    });
    expect(mail?.headers.subject).toBe(
      `=?UTF-8?B?${Buffer.from('Überfällig: SO-1001').toString('base64')}?=`,
    );
    expect(mail?.headers['message-id']).toMatch(/@billing\.example>$/);
  });

  it('reports a refused recipient as a permanent failure', async () => {
    smtp.refuse.add('gone@credit.example');
    const error = await sendMail(
      { host: '127.0.0.1', port: smtp.port, from: 'waybill@billing.example' },
      { to: 'gone@credit.example', subject: 'x', text: 'y' },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotificationError);
    expect(error).toMatchObject({ permanent: true });
    expect(String(error)).toContain('RCPT TO:<gone@credit.example> → 550');
  });

  it('never sends credentials without TLS, and refuses header injection', async () => {
    smtp.offerAuth = true;
    const before = smtp.messages.length;
    const error = await sendMail(
      {
        host: '127.0.0.1',
        port: smtp.port,
        from: 'waybill@billing.example',
        username: 'waybill',
        password: 'secret',
      },
      { to: 'cora@credit.example', subject: 'x', text: 'y' },
    ).catch((e: unknown) => e);
    smtp.offerAuth = false;
    expect(String(error)).toContain('refusing to send credentials without TLS');
    expect(smtp.messages.length).toBe(before);
    await expect(
      sendMail(
        { host: '127.0.0.1', port: smtp.port, from: 'waybill@billing.example' },
        { to: 'cora@credit.example\r\nBcc: all@credit.example', subject: 'x', text: 'y' },
      ),
    ).rejects.toMatchObject({ permanent: true });
  });
});

describe('webhook channel', () => {
  it('posts the event signed with HMAC over timestamp and body', async () => {
    const channel = new WebhookChannel({
      url: hooks.url,
      secret: 'a-webhook-secret-of-32-characters',
    });
    const message = renderMessage('task.breached', task, 'https://waybill.example/#/tasks/1');
    await channel.send(hooks.url, message, { id: '42' });
    const hook = hooks.hooks.at(-1);
    expect(hook?.headers['x-waybill-event']).toBe('task.breached');
    expect(hook?.headers['x-waybill-delivery']).toBe('42');
    const signed = {
      timestamp: String(hook?.headers['x-waybill-timestamp']),
      signature: String(hook?.headers['x-waybill-signature']),
    };
    expect(verifyWebhook('a-webhook-secret-of-32-characters', signed, hook?.body ?? '')).toBe(true);
    expect(verifyWebhook('another-secret-of-32-characters!!', signed, hook?.body ?? '')).toBe(
      false,
    );
    expect(verifyWebhook('a-webhook-secret-of-32-characters', signed, `${hook?.body} `)).toBe(
      false,
    );
    expect(JSON.parse(hook?.body ?? '{}')).toMatchObject({
      id: '42',
      kind: 'task.breached',
      task: { correlationKey: 'SO-1001' },
      link: 'https://waybill.example/#/tasks/1',
    });
  });

  it('retries a 5xx answer and gives up on a 4xx', async () => {
    const channel = new WebhookChannel({
      url: hooks.url,
      secret: 'a-webhook-secret-of-32-characters',
    });
    const message = renderMessage('task.reminder', task, null);
    hooks.status = 503;
    await expect(channel.send(hooks.url, message, { id: '1' })).rejects.toMatchObject({
      permanent: false,
    });
    hooks.status = 410;
    await expect(channel.send(hooks.url, message, { id: '1' })).rejects.toMatchObject({
      permanent: true,
    });
    hooks.status = 204;
  });
});
