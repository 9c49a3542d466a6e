/**
 * Billing-readiness load shared by the benchmark and the crash-safety test: a few hundred
 * orders, each with the four events a distributor's systems send (order released, shipment
 * confirmed, pricing validated and, for customers that require it, proof of delivery).
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { ConnectorRegistry, erpSandboxConnector } from '@waybill/connectors-sdk';
import type { Database } from '../src/db/schema.ts';
import { deployFlow } from '../src/engine/flows.ts';
import { IngestCommitter, type IncomingEvent } from '../src/engine/ingest.ts';
import { loadTemplate, withParameters } from '../src/templates.ts';

/** Demo customers of the ERP simulator: C-200 requires proof of delivery, C-100/C-400 do not. */
const customers = ['C-100', 'C-200', 'C-400'] as const;

/** The events of one order, in the order the systems send them. */
export function orderEvents(orderNumber: string, index: number): IncomingEvent[] {
  const customerId = customers[index % customers.length] ?? 'C-100';
  const lines = [
    { sku: 'PAL-WRAP-18', quantity: 10, unitPrice: 24.5 },
    { sku: 'TAPE-48MM', quantity: 36, unitPrice: 3.2 },
  ];
  const events: IncomingEvent[] = [
    {
      type: 'order.released',
      correlationKey: orderNumber,
      payload: { orderNumber, customerId, currency: 'USD', warehouse: 'DAL-1', lines },
    },
    {
      type: 'shipment.confirmed',
      correlationKey: orderNumber,
      payload: {
        shipmentId: `SH-${orderNumber}`,
        shippedAt: '2026-11-23T14:05:00Z',
        lines: lines.map((l) => ({ sku: l.sku, shippedQty: l.quantity })),
      },
    },
    {
      type: 'pricing.validated',
      correlationKey: orderNumber,
      payload: { variancePct: 0.4, lines },
    },
  ];
  if (customerId === 'C-200') {
    events.push({
      type: 'pod.received',
      correlationKey: orderNumber,
      payload: { documentId: `POD-${orderNumber}`, receivedAt: '2026-11-24T09:30:00Z' },
    });
  }
  return events;
}

/**
 * Deploys billing-readiness with the ERP sandbox in the catalogue.
 *
 * ```ts
 * await deployBillingReadiness(db);
 * ```
 */
export async function deployBillingReadiness(db: Kysely<Database>): Promise<void> {
  const { definition } = loadTemplate('billing-readiness');
  await deployFlow(db, withParameters(definition, { podDeadline: 'P2D' }), {
    publishedBy: 'bench',
    catalogue: new ConnectorRegistry([erpSandboxConnector]).catalogue(),
  });
}

/**
 * Accepts the events of `count` orders named `<prefix>-<n>` through the API's group committer,
 * `concurrency` requests at a time (as several upstream systems would send them); returns the
 * order numbers and the number of events.
 *
 * Without a rate the events are interleaved across orders (every release, then every shipment,
 * …) and sent as fast as they are acknowledged. With `ratePerSec`, order n is released at
 * `n / ratePerSec` seconds and each of its later events follows `spreadSeconds` after the one
 * before (default 0: one after the other), an offered load of that many orders per second. Real
 * shipments and PODs come hours or days after the release; a spread longer than the flow's ERP
 * call lets each event find its instance ready for it, so latency measures the engine's reaction
 * rather than the wait for the flow's own call.
 *
 * ```ts
 * const { orderNumbers } = await ingestOrders(db, 300, 'SO', 8);
 * ```
 */
export async function ingestOrders(
  db: Kysely<Database>,
  count: number,
  prefix: string,
  concurrency = 1,
  options: { ratePerSec?: number; spreadSeconds?: number } = {},
): Promise<{ orderNumbers: string[]; events: number }> {
  const orderNumbers = Array.from({ length: count }, (_, i) => `${prefix}-${i + 1}`);
  const perOrder = orderNumbers.map((n, i) => orderEvents(n, i));
  const committer = new IngestCommitter(db);
  const send = (event: IncomingEvent) => committer.submit(event, { idempotencyKey: randomUUID() });
  const rate = options.ratePerSec;
  let events = 0;
  if (rate !== undefined && rate > 0 && (options.spreadSeconds ?? 0) > 0) {
    // Every event at its own moment, in time order; an order's events keep their order.
    const spreadMs = (options.spreadSeconds ?? 0) * 1000;
    const schedule = perOrder
      .flatMap((list, n) =>
        list.map((event, k) => ({ at: (n * 1000) / rate + k * spreadMs, event })),
      )
      .sort((a, b) => a.at - b.at);
    const started = performance.now();
    let next = 0;
    const sender = async (): Promise<void> => {
      while (next < schedule.length) {
        const item = schedule[next++];
        if (!item) break;
        const wait = started + item.at - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        await send(item.event);
        events += 1;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, sender));
  } else if (rate !== undefined && rate > 0) {
    const started = performance.now();
    let next = 0;
    const sender = async (): Promise<void> => {
      while (next < perOrder.length) {
        const index = next++;
        const wait = started + (index * 1000) / rate - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        for (const event of perOrder[index] ?? []) {
          await send(event);
          events += 1;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, sender));
  } else {
    const queue: IncomingEvent[] = [];
    for (let step = 0; step < 4; step++) {
      for (const list of perOrder) {
        const event = list[step];
        if (event) queue.push(event);
      }
    }
    let next = 0;
    const sender = async (): Promise<void> => {
      while (next < queue.length) {
        const event = queue[next++];
        if (event) await send(event);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, sender));
    events = queue.length;
  }
  await committer.close();
  return { orderNumbers, events };
}
