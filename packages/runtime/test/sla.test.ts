/**
 * Task SLAs end to end: a task due in an hour with an escalation after thirty minutes gets an
 * "assigned" notice, a reminder, the flow's escalation, a breach and an escalation to the
 * holder's manager, each delivered once by e-mail (to a local SMTP receiver) and by webhook,
 * and none repeated after a restart. Time is moved by handing the timer poller a clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fireDueTimers } from '../src/engine/timers.ts';
import { createGroup, createUser } from '../src/identity/users.ts';
import { silentLogger } from '../src/log.ts';
import { EmailChannel } from '../src/notifications/email.channel.ts';
import { WebhookChannel } from '../src/notifications/webhook.channel.ts';
import { createPlatform, type Platform } from '../src/platform.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing.ts';
import { approveThenPodFlow } from './flows.ts';
import {
  startHookReceiver,
  startSmtpReceiver,
  type HookReceiver,
  type SmtpReceiver,
} from './notification-receivers.ts';

let testDb: TestDatabase;
let smtp: SmtpReceiver;
let hooks: HookReceiver;
let baseUrl: string;

const slaFlow = {
  ...approveThenPodFlow,
  key: 'approve-with-sla',
  nodes: approveThenPodFlow.nodes.map((node) =>
    node.id === 'approve'
      ? { ...node, dueIn: 'PT1H', escalation: { after: 'PT30M', toRole: 'billing-lead' } }
      : node,
  ),
};

function platformOptions() {
  return {
    connection: testDb.connection,
    logger: silentLogger,
    worker: false,
    designerDir: null,
    apiKey: 'wb_sla_test_key',
    adminPassword: 'bootstrap admin passphrase',
    notificationChannels: [
      new EmailChannel({ host: '127.0.0.1', port: smtp.port, from: 'waybill@billing.example' }),
      new WebhookChannel({ url: hooks.url, secret: 'sla-test-webhook-secret-0123456789' }),
    ],
  };
}

let platform: Platform;

beforeAll(async () => {
  testDb = await createTestDatabase();
  smtp = await startSmtpReceiver();
  hooks = await startHookReceiver();
  platform = await createPlatform(platformOptions());
  baseUrl = await platform.listen({ port: 0, host: '127.0.0.1' });
  await platform.deploy(slaFlow);
  for (const group of ['billing', 'billing-lead'])
    await createGroup(testDb.db, { key: group, name: group }, { actor: 'test' });
  const user = (username: string, groups: string[], managerId: string | null = null) =>
    createUser(
      testDb.db,
      {
        username,
        displayName: username,
        email: `${username}@billing.example`,
        roles: ['finance'],
        groups,
        managerId,
      },
      { actor: 'test' },
    );
  const bea = await user('bea', []);
  await user('carl', ['billing'], bea.id);
  await user('lena', ['billing-lead']);
});

afterAll(async () => {
  await platform.close();
  await smtp.close();
  await hooks.close();
  await testDb.drop();
});

/** Subjects of the mails to a user, decoded from RFC 2047. */
function mailsTo(address: string): string[] {
  return smtp.messages
    .filter((m) => m.to.includes(`${address}@billing.example`))
    .map((m) =>
      (m.headers.subject ?? '').replace(/^=\?UTF-8\?B\?(.*)\?=$/, (_all, b64: string) =>
        Buffer.from(b64, 'base64').toString('utf8'),
      ),
    );
}

describe('task SLA', () => {
  it('reminds, escalates, flags the breach and escalates to the manager, each once', async () => {
    const res = await fetch(`${baseUrl}/api/v1/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer wb_sla_test_key',
        'idempotency-key': 'sla-1',
      },
      body: JSON.stringify({
        type: 'order.released',
        correlationKey: 'SO-SLA-1',
        payload: { orderNumber: 'SO-SLA-1' },
      }),
    });
    expect(res.status).toBe(202);
    await platform.worker.runUntilIdle();
    const task = await testDb.db
      .selectFrom('tasks')
      .select(['id', 'due_at', 'created_at'])
      .where('title', '=', 'Approve billing')
      .executeTakeFirstOrThrow();
    // Carl works it (as the inbox's claim would record).
    await testDb.db.updateTable('tasks').set({ claimed_by: 'carl' }).execute();

    // Assigned: the group and the reminder timer (15 min before the due date: a quarter of 1 h).
    expect(await platform.notifier.runOnce()).toMatchObject({ reminders: 1 });
    expect(mailsTo('carl')).toEqual(['New task: Approve billing — SO-SLA-1']);
    const reminder = await testDb.db
      .selectFrom('timers')
      .select('due_at')
      .where('purpose', '=', 'reminder')
      .executeTakeFirstOrThrow();
    // (created_at is the database's clock, due_at the worker's: allow a second between them)
    const lead = task.due_at!.getTime() - reminder.due_at.getTime();
    expect(Math.abs(lead - 15 * 60_000)).toBeLessThan(1000);

    // 50 minutes on: the flow's escalation (30 min) and the reminder (45 min) fire.
    const at = (minutes: number) => new Date(task.created_at.getTime() + minutes * 60_000);
    expect(await fireDueTimers(testDb.db, { logger: silentLogger, now: at(50) })).toBe(2);
    await platform.notifier.runOnce();
    // Lena's group joined the candidates at the escalation, so the reminder reaches her too.
    expect(mailsTo('lena').sort()).toEqual([
      'Due soon: Approve billing — SO-SLA-1',
      'Escalated to you: Approve billing — SO-SLA-1',
    ]);
    expect(mailsTo('carl')).toContain('Due soon: Approve billing — SO-SLA-1');

    // 61 minutes: breached; Carl's manager Bea takes it over.
    expect(await fireDueTimers(testDb.db, { logger: silentLogger, now: at(61) })).toBe(1);
    expect(await fireDueTimers(testDb.db, { logger: silentLogger, now: at(120) })).toBe(0);
    await platform.notifier.runOnce();
    const breached = await testDb.db
      .selectFrom('tasks')
      .select(['breached_at', 'assignee', 'escalation_level', 'candidate_roles'])
      .where('id', '=', task.id)
      .executeTakeFirstOrThrow();
    expect(breached).toMatchObject({
      assignee: 'bea',
      escalation_level: 2,
      candidate_roles: ['billing', 'billing-lead'],
    });
    expect(breached.breached_at).not.toBeNull();
    expect(mailsTo('bea')).toEqual(['Escalated to you: Approve billing — SO-SLA-1']);
    expect(mailsTo('carl')).toContain('Overdue: Approve billing — SO-SLA-1');

    const events = hooks.hooks.map((h) => h.headers['x-waybill-event']);
    expect(events.sort()).toEqual([
      'task.assigned',
      'task.breached',
      'task.escalated',
      'task.escalated',
      'task.reminder',
    ]);
    const audit = await testDb.db
      .selectFrom('audit_log')
      .select(['kind', 'details'])
      .where('kind', 'in', ['task.reminded', 'task.escalated', 'task.overdue'])
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.kind)).toEqual([
      'task.escalated',
      'task.reminded',
      'task.overdue',
      'task.escalated',
    ]);
    expect(audit[3]?.details).toMatchObject({
      before: { assignee: null, escalationLevel: 1, breached: true },
      after: { assignee: 'bea', escalationLevel: 2 },
      toManager: 'bea',
    });

    // A restart sends nothing again.
    const mails = smtp.messages.length;
    const posts = hooks.hooks.length;
    await platform.close();
    platform = await createPlatform(platformOptions());
    expect(await fireDueTimers(testDb.db, { logger: silentLogger, now: at(240) })).toBe(0);
    expect(await platform.notifier.runOnce()).toEqual({ reminders: 0, intents: 0, sent: 0 });
    expect(smtp.messages.length).toBe(mails);
    expect(hooks.hooks.length).toBe(posts);
  });
});
