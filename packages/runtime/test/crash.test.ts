/**
 * Crash safety: a few hundred billing-readiness orders go through worker processes that are
 * killed with SIGKILL at random moments and restarted. Afterwards every instance finished, the
 * ERP received each invoice exactly once, no accepted event or message is left unprocessed, and
 * the audit log has exactly one row per transition.
 *
 * Needs real Postgres (`DATABASE_URL`): a killed worker must be another process, and an embedded
 * PGlite database cannot be shared between processes.
 */
import type { ChildProcess } from 'node:child_process';
import { startErpSimulator, type ErpSimulator } from '@waybill/connectors-sdk/simulators';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../src/testing.ts';
import { deployBillingReadiness, ingestOrders } from '../bench/billing-load.ts';
import { spawnWorkerProcess } from './worker-process.ts';

const ORDERS = 300;
const KILLS = 6;

let testDb: TestDatabase;
let erp: ErpSimulator;
const children = new Set<ChildProcess>();
let output = '';

function spawnWorker(): ChildProcess {
  const child = spawnWorkerProcess({
    databaseUrl: testDb.url,
    erpUrl: erp.url,
    onOutput: (text) => (output += text),
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function killHard(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

async function remainingWork(): Promise<number> {
  const result = await sql<{ n: number }>`
    select
      (select count(*) from events where status <> 'routed')
      + (select count(*) from inbox where status <> 'done')
      + (select count(*) from effects where status in ('pending', 'running'))
      + (select count(*) from instances where status = 'running') as n`.execute(testDb.db);
  return Number(result.rows[0]?.n ?? 0);
}

describe.skipIf(!process.env.DATABASE_URL)(
  'crash safety (needs Postgres: set DATABASE_URL)',
  () => {
    beforeAll(async () => {
      testDb = await createTestDatabase();
      erp = await startErpSimulator();
      await deployBillingReadiness(testDb.db);
    });
    afterAll(async () => {
      for (const child of children) await killHard(child);
      await erp?.close();
      await testDb?.drop();
    });

    it('loses and repeats nothing while workers are SIGKILLed and restarted', async () => {
      const { orderNumbers } = await ingestOrders(testDb.db, ORDERS, 'SO-X');
      const workers = [spawnWorker(), spawnWorker()];
      for (let kill = 0; kill < KILLS; kill++) {
        await sleep(300 + Math.random() * 900);
        const index = kill % workers.length;
        const victim = workers[index];
        if (victim) await killHard(victim);
        workers[index] = spawnWorker();
      }
      const deadline = Date.now() + 40_000;
      while ((await remainingWork()) > 0 && Date.now() < deadline) await sleep(250);
      expect(await remainingWork(), output).toBe(0);

      const instances = await testDb.db
        .selectFrom('instances')
        .select(['id', 'correlation_key', 'status', 'outcome'])
        .execute();
      expect(instances).toHaveLength(ORDERS);
      expect(instances.filter((i) => i.outcome !== 'invoiced')).toEqual([]);

      // The ERP booked each order's invoice once (repeated calls are answered as duplicates).
      const booked = erp.invoices().map((i) => i.request.orderNumber);
      expect(booked).toHaveLength(ORDERS);
      expect(new Set(booked)).toEqual(new Set(orderNumbers));

      // One audit row per transition: one start per instance, one row per consumed message.
      const starts = await sql<{ n: number }>`
        select count(*)::int as n from audit_log where kind = 'started'`.execute(testDb.db);
      expect(starts.rows[0]?.n).toBe(ORDERS);
      const mismatched = await sql<{ id: number; rows: number }>`
        select inbox.id, count(audit_log.id)::int as rows from inbox
        left join audit_log on audit_log.details->'cause'->>'inboxId' = inbox.id::text
        group by inbox.id having count(audit_log.id) <> 1`.execute(testDb.db);
      expect(mismatched.rows).toEqual([]);
      const completions = await sql<{ n: number }>`
        select count(*)::int as n from audit_log where kind = 'completed'`.execute(testDb.db);
      expect(completions.rows[0]?.n).toBe(ORDERS);
    });
  },
);
