/**
 * Backup and restore of the embedded database: billing-readiness instances are left mid-flight
 * (waiting at the readiness gate with their POD timers, connector calls pending, events accepted
 * but not routed), the data directory is backed up and restored into a new one, and a worker on
 * the restored copy takes them to the end: every order invoiced once, with the idempotency keys
 * the backup held, and a POD deadline that passed while the platform was down fired once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { ConnectorRegistry, erpSandboxConnector } from '@waybill/connectors-sdk';
import {
  ERP_SIMULATOR_API_KEY,
  startErpSimulator,
  type ErpSimulator,
} from '@waybill/connectors-sdk/simulators';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployBillingReadiness, orderEvents } from '../bench/billing-load.ts';
import { BackupError, backupDataDir, restoreDataDir } from '../src/db/backup.ts';
import { connect, type Connection } from '../src/db/connect.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import type { Database } from '../src/db/schema.ts';
import { ingestEvents } from '../src/engine/ingest.ts';
import { completeTask } from '../src/engine/tasks.ts';
import { Worker } from '../src/engine/worker.ts';

const ORDERS = 9;
const orderNumbers = Array.from({ length: ORDERS }, (_, i) => `SO-B-${i + 1}`);
/** Each order's events, by step: release, shipment, pricing, POD (C-200 customers only). */
const step = (index: number) => orderNumbers.flatMap((n, i) => orderEvents(n, i)[index] ?? []);

let root: string;
let erp: ErpSimulator;
const opened: Connection[] = [];

function workerOn(connection: Connection, runEffects = true): Worker {
  return new Worker({
    connection,
    runEffects,
    connectors: {
      registry: new ConnectorRegistry([erpSandboxConnector]),
      configs: { 'waybill.erp-sandbox': { baseUrl: erp.url, apiKey: ERP_SIMULATOR_API_KEY } },
    },
  });
}

async function open(dataDir: string): Promise<Connection> {
  const connection = await connect({ dataDir });
  opened.push(connection);
  await migrateToLatest(connection.db);
  return connection;
}

async function send(db: Kysely<Database>, events: ReturnType<typeof step>): Promise<void> {
  await ingestEvents(
    db,
    events.map((event) => ({ event, idempotencyKey: randomUUID() })),
  );
}

/** What must survive the restore unchanged. */
async function snapshot(db: Kysely<Database>) {
  return {
    instances: await db
      .selectFrom('instances')
      .select(['id', 'correlation_key', 'status'])
      .orderBy('id')
      .execute(),
    timers: await db
      .selectFrom('timers')
      .select(['instance_id', 'timer_key', 'due_at', 'status'])
      .orderBy('id')
      .execute(),
    effects: await db
      .selectFrom('effects')
      .select(['idempotency_key', 'status'])
      .orderBy('id')
      .execute(),
    unrouted: await db
      .selectFrom('events')
      .select('id')
      .where('status', '<>', 'routed')
      .orderBy('id')
      .execute(),
  };
}

describe('backup and restore of the embedded database', () => {
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'waybill-backup-'));
    erp = await startErpSimulator();
  });
  afterAll(async () => {
    for (const connection of opened.splice(0)) await connection.close().catch(() => undefined);
    await erp?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('restores mid-flight instances into a new data directory, and they finish', async () => {
    const source = join(root, 'source');
    const connection = await open(source);
    await deployBillingReadiness(connection.db);
    // Released and shipped: every instance waits at the readiness gate, with its POD timer.
    await send(connection.db, [...step(0), ...step(1)]);
    await workerOn(connection).runUntilIdle();
    // Pricing of the first third routed, the invoice calls not made yet: pending effects for
    // orders 1 and 3 (order 2's customer, C-200, also waits for proof of delivery).
    await send(connection.db, step(2).slice(0, 3));
    await workerOn(connection, false).runUntilIdle();
    // Pricing of the second third accepted but not routed.
    await send(connection.db, step(2).slice(3, 6));
    const before = await snapshot(connection.db);
    expect(before.instances).toHaveLength(ORDERS);
    expect(before.timers.filter((t) => t.status === 'scheduled').length).toBeGreaterThan(0);
    expect(before.effects.filter((e) => e.status === 'pending')).toHaveLength(2);
    expect(before.unrouted).toHaveLength(3);
    expect(erp.invoices()).toEqual([]);
    await connection.close();

    const file = join(root, 'waybill.tar.gz');
    expect(await backupDataDir(source, file)).toBeGreaterThan(0);
    const target = join(root, 'restored');
    await restoreDataDir(file, target);
    await expect(restoreDataDir(file, target)).rejects.toThrow(BackupError);

    const restored = await open(target);
    expect(await snapshot(restored.db)).toEqual(before);
    // SO-B-8's proof of delivery never comes, and its deadline passed while the platform was
    // down: the gate's timer fires (once) on the restored copy and logistics is asked to chase.
    const overdue = await restored.db
      .selectFrom('timers')
      .innerJoin('instances', 'instances.id', 'timers.instance_id')
      .select('timers.id')
      .where('instances.correlation_key', '=', 'SO-B-8')
      .where('timers.status', '=', 'scheduled')
      .execute();
    expect(overdue).toHaveLength(1);
    await restored.db
      .updateTable('timers')
      .set({ due_at: new Date(Date.now() - 60_000) })
      .where('id', '=', overdue[0]!.id)
      .execute();
    const worker = workerOn(restored);
    await send(restored.db, [
      ...step(2).slice(6),
      ...step(3).filter((e) => e.correlationKey !== 'SO-B-8'),
    ]);
    await worker.runUntilIdle();
    const task = await restored.db
      .selectFrom('tasks')
      .select('id')
      .where('node_id', '=', 'chasePod')
      .where('status', '=', 'open')
      .execute();
    expect(task).toHaveLength(1);
    await completeTask(restored.db, task[0]!.id, { outcome: 'release', completedBy: 'logistics' });
    await worker.runUntilIdle();

    const instances = await restored.db
      .selectFrom('instances')
      .select(['correlation_key', 'outcome'])
      .execute();
    expect(instances.filter((i) => i.outcome !== 'invoiced')).toEqual([]);
    const booked = erp.invoices().map((i) => i.request.orderNumber);
    expect(booked.sort()).toEqual([...orderNumbers].sort());
    // The calls pending at backup time ran with the keys the backup held.
    const keys = await restored.db.selectFrom('effects').select('idempotency_key').execute();
    const carried = before.effects.map((e) => e.idempotency_key);
    expect(keys.map((k) => k.idempotency_key)).toEqual(expect.arrayContaining(carried));
    // Only the overdue deadline fired, once; the others were cancelled by the orders' progress.
    const fired = await restored.db
      .selectFrom('timers')
      .select('id')
      .where('status', '=', 'fired')
      .execute();
    expect(fired).toEqual(overdue);
    const gateTimers = await restored.db
      .selectFrom('timers')
      .select('status')
      .where('node_id', '=', 'readyToBill')
      .execute();
    expect(gateTimers.filter((t) => t.status === 'scheduled')).toEqual([]);
  });

  it('names what is wrong with a backup or a target', async () => {
    await expect(backupDataDir(join(root, 'nothing'), join(root, 'x.tar.gz'))).rejects.toThrow(
      /No embedded database in .*nothing/,
    );
    await expect(restoreDataDir(join(root, 'missing.tar.gz'), join(root, 'new'))).rejects.toThrow(
      /missing\.tar\.gz does not exist/,
    );
  });
});
