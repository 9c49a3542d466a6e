import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerApiKey } from '../api/api-keys.ts';
import { createHttpApp } from '../api/app.ts';
import { silentLogger } from '../log.ts';
import { jsonb } from '../db/schema.ts';
import { createTestDatabase, type TestDatabase } from '../testing.ts';
import { figureCsv } from './csv.ts';
import { intelligenceReport, histogramQuantile } from './figures.ts';
import { recordBusinessUnit } from './business-units.ts';
import { refreshRollup } from './rollup.ts';

let testDb: TestDatabase;
const now = new Date('2026-11-20T12:00:00Z');
const hour = 3_600_000;

async function flow(key: string): Promise<void> {
  const db = testDb.db;
  await db.insertInto('flows').values({ key, name: key }).execute();
  await db
    .insertInto('flow_versions')
    .values({ key, version: 1, definition: jsonb({}), checksum: 'x', published_by: 't' })
    .execute();
}

interface Case {
  key: string;
  flow: string;
  startedAt: Date;
  completedAt?: Date;
  status?: 'running' | 'completed' | 'failed';
  order: Record<string, unknown>;
  task?: { role: string; createdAt: Date; completedAt?: Date; dueAt?: Date };
  shippedAt?: Date;
  nodes?: { to: string[]; at: Date }[];
}

async function instance(c: Case): Promise<string> {
  const db = testDb.db;
  const row = await db
    .insertInto('instances')
    .values({
      flow_key: c.flow,
      flow_version: 1,
      correlation_key: c.key,
      status: c.status ?? 'completed',
      snapshot: jsonb({}),
      context: jsonb({ order: c.order }),
      created_at: c.startedAt,
      completed_at: c.completedAt ?? null,
      outcome: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (c.task) {
    await db
      .insertInto('tasks')
      .values({
        instance_id: row.id,
        node_id: 'review',
        task_key: 'review:1',
        title: 'Review',
        candidate_roles: jsonb([c.task.role]),
        form: jsonb([]),
        outcomes: jsonb([{ id: 'ok', label: 'OK' }]),
        status: c.task.completedAt ? 'completed' : 'open',
        created_at: c.task.createdAt,
        completed_at: c.task.completedAt ?? null,
        due_at: c.task.dueAt ?? null,
      })
      .execute();
  }
  if (c.shippedAt) {
    await db
      .insertInto('events')
      .values({
        id: crypto.randomUUID(),
        idempotency_key: `ship-${c.key}`,
        request_hash: 'x',
        type: 'shipment.confirmed',
        correlation_key: c.key,
        payload: jsonb({}),
        occurred_at: c.shippedAt,
        status: 'routed',
      })
      .execute();
  }
  for (const step of c.nodes ?? []) {
    await db
      .insertInto('audit_log')
      .values({
        actor: 'system',
        instance_id: row.id,
        kind: 'transition',
        flow_key: c.flow,
        to_nodes: jsonb(step.to),
        at: step.at,
      })
      .execute();
  }
  return row.id;
}

const at = (iso: string): Date => new Date(iso);

beforeAll(async () => {
  testDb = await createTestDatabase();
  await flow('pricing-variance-east');
  await recordBusinessUnit(testDb.db, 'pricing-variance-east', 'East');
  await flow('pricing-variance');
  // Touchless, shipped 2 h before invoicing, spent 1 h at "gate" and 1 h at "post".
  await instance({
    key: 'SO-1',
    flow: 'pricing-variance-east',
    startedAt: at('2026-11-10T08:00:00Z'),
    completedAt: at('2026-11-10T11:00:00Z'),
    order: { customerId: 'C-1', warehouse: 'DAL-1' },
    shippedAt: at('2026-11-10T09:00:00Z'),
    nodes: [
      { to: ['gate'], at: at('2026-11-10T09:00:00Z') },
      { to: ['post'], at: at('2026-11-10T10:00:00Z') },
      { to: [], at: at('2026-11-10T11:00:00Z') },
    ],
  });
  // A pricing exception resolved within its SLA.
  await instance({
    key: 'SO-2',
    flow: 'pricing-variance-east',
    startedAt: at('2026-11-10T08:00:00Z'),
    completedAt: at('2026-11-12T08:00:00Z'),
    order: { customerId: 'C-2', warehouse: 'DAL-1' },
    shippedAt: at('2026-11-11T08:00:00Z'),
    task: {
      role: 'pricing',
      createdAt: at('2026-11-11T08:00:00Z'),
      completedAt: at('2026-11-12T07:00:00Z'),
      dueAt: at('2026-11-12T08:00:00Z'),
    },
  });
  // Another unit's instance with an exception still open (5 days old at `now`).
  await instance({
    key: 'SO-3',
    flow: 'pricing-variance',
    status: 'running',
    startedAt: at('2026-11-15T08:00:00Z'),
    order: { customerId: 'C-2', warehouse: 'ATL-2', businessUnit: 'West' },
    task: {
      role: 'logistics',
      createdAt: at('2026-11-15T12:00:00Z'),
      dueAt: at('2026-11-16T12:00:00Z'),
    },
  });
});

afterAll(() => testDb.drop());

describe('process intelligence', () => {
  it('captures business unit, warehouse and customer on instances', async () => {
    const rows = await testDb.db
      .selectFrom('instances')
      .select(['correlation_key', 'business_unit', 'warehouse', 'customer'])
      .orderBy('correlation_key')
      .execute();
    expect(rows).toEqual([
      { correlation_key: 'SO-1', business_unit: 'East', warehouse: 'DAL-1', customer: 'C-1' },
      { correlation_key: 'SO-2', business_unit: 'East', warehouse: 'DAL-1', customer: 'C-2' },
      { correlation_key: 'SO-3', business_unit: 'West', warehouse: 'ATL-2', customer: 'C-2' },
    ]);
  });

  it('gives the same figures live and from the rollup', async () => {
    const filters = { from: '2026-11-01', to: '2026-11-20' };
    const live = await intelligenceReport(testDb.db, filters, { now, rollupDays: 0 });
    expect(live.rolledUntil).toBeNull();
    expect(live.kpis).toMatchObject({
      started: 3,
      completed: 2,
      touchlessRate: 0.5,
      exceptionRate: 0.5,
      firstPassRate: 0.5,
      exceptionsOpened: 2,
      exceptionsResolved: 1,
      slaCompliance: 1,
      openExceptions: 1,
      runningInstances: 1,
    });
    expect(live.latency.count).toBe(2);
    expect(live.aging.find((a) => a.count > 0)).toEqual({
      bucket: '3–7 days',
      count: 1,
      overdue: 1,
    });
    expect(live.categories.map((c) => [c.category, c.opened, c.resolved])).toEqual([
      ['missingPod', 1, 0],
      ['pricingVariance', 1, 1],
    ]);
    expect(live.nodes).toEqual([
      {
        flowKey: 'pricing-variance-east',
        nodeId: 'gate',
        instances: 1,
        totalMs: hour,
        avgMs: hour,
      },
      {
        flowKey: 'pricing-variance-east',
        nodeId: 'post',
        instances: 1,
        totalMs: hour,
        avgMs: hour,
      },
    ]);

    await refreshRollup(testDb.db, { now });
    const rolled = await intelligenceReport(testDb.db, filters, { now });
    expect(rolled.rolledUntil).toBe('2026-11-20');
    expect({ ...rolled, rolledUntil: null }).toEqual(live);
  });

  it('filters by business unit, warehouse and customer', async () => {
    const east = await intelligenceReport(
      testDb.db,
      { from: '2026-11-01', to: '2026-11-20', businessUnit: 'East' },
      { now },
    );
    expect(east.kpis.started).toBe(2);
    expect(east.kpis.openExceptions).toBe(0);
    expect(east.businessUnits.map((b) => b.name)).toEqual(['East']);
    const customer = await intelligenceReport(
      testDb.db,
      { from: '2026-11-01', to: '2026-11-20', customer: 'C-2' },
      { now },
    );
    expect(customer.kpis.started).toBe(2);
    expect(customer.kpis.exceptionsOpened).toBe(2);
    const weekly = await intelligenceReport(
      testDb.db,
      { from: '2026-11-01', to: '2026-11-20', interval: 'week' },
      { now },
    );
    // 10, 12 and 15 November 2026 all fall in the week starting Monday 9 November.
    expect(weekly.trend.map((t) => [t.period, t.started, t.completed])).toEqual([
      ['2026-11-09', 3, 2],
    ]);
  });

  it('exports each figure as CSV with a header row', async () => {
    const report = await intelligenceReport(
      testDb.db,
      { from: '2026-11-01', to: '2026-11-20' },
      { now },
    );
    expect(figureCsv(report, 'warehouses').split('\r\n')).toEqual([
      'warehouse,started,finished,exceptions_opened,exception_rate_pct',
      'DAL-1,2,2,1,50',
      'ATL-2,1,0,1,',
      '',
    ]);
    expect(figureCsv(report, 'kpis')).toContain('touchless_rate_pct,50\r\n');
  });

  it('interpolates latency percentiles inside a bucket', () => {
    // Four values in the first bucket (0–5 min]: the median sits half-way.
    expect(histogramQuantile([4], [0], 0.5)).toBe(150_000);
    expect(histogramQuantile([], [], 0.5)).toBeNull();
  });

  it('answers the same figures over HTTP, as JSON and CSV, to a key that may read instances', async () => {
    await registerApiKey(testDb.db, {
      key: 'wb_intel_reader_key_01',
      name: 'bi',
      scopes: ['instances:read'],
    });
    await registerApiKey(testDb.db, {
      key: 'wb_intel_writer_key_01',
      name: 'erp',
      scopes: ['events:write'],
    });
    const app = await createHttpApp({
      connection: testDb.connection,
      logger: silentLogger,
      version: 'test',
    });
    try {
      const get = (url: string, key = 'wb_intel_reader_key_01') =>
        app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
      const json = await get('/api/v1/intelligence?from=2026-11-01&to=2026-11-20&warehouse=DAL-1');
      expect(json.statusCode).toBe(200);
      expect(json.json()).toMatchObject({ kpis: { started: 2, completed: 2, touchlessRate: 0.5 } });
      const csv = await get('/api/v1/intelligence/export/categories?from=2026-11-01&to=2026-11-20');
      expect(csv.statusCode).toBe(200);
      expect(csv.headers['content-type']).toContain('text/csv');
      expect(csv.body.split('\r\n')[0]).toBe(
        'category,label,opened,rate_per_100_instances,resolved,sla_tracked,sla_met,sla_compliance_pct,avg_time_to_resolve_h',
      );
      const bad = await get('/api/v1/intelligence?from=2026-13-45');
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toMatchObject({ fieldErrors: [{ path: 'from' }] });
      expect((await get('/api/v1/intelligence/export/nothing')).statusCode).toBe(404);
      expect((await get('/api/v1/intelligence', 'wb_intel_writer_key_01')).statusCode).toBe(403);
    } finally {
      await app.close();
    }
  });
});
