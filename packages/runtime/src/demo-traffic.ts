/**
 * Demo traffic: a small, realistic stream of order-to-cash events (released orders, shipments,
 * pricing, proof of delivery), with the odd duplicate and out-of-order event that real WMS and
 * TMS integrations produce. Orders and pricing are posted through the real HTTP API; with the
 * demo systems running, shipments come from the WMS simulator (pushed to the WMS webhook
 * trigger) and PODs from the TMS simulator (read by the TMS polling trigger).
 * @module
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  TMS_SIMULATOR_API_KEY,
  WMS_SIMULATOR_API_KEY,
  startTmsSimulator,
  startWmsSimulator,
  type TmsSimulator,
  type WmsSimulator,
} from '@waybill/connectors-sdk/simulators';
import { planMonth } from './demo/month-plan.ts';
import type { Logger } from './log.ts';

/**
 * The WMS and TMS simulators of the demo, and the connector configs (with their triggers) that
 * connect the platform to them and to an EDI drop folder.
 */
export interface DemoSystems {
  wms: WmsSimulator;
  tms: TmsSimulator;
  /** Where EDI files dropped are read from (the EDI connector's `inbound` trigger). */
  ediInbound: string;
  configs: Record<string, Record<string, unknown>>;
  triggers: Record<string, string[]>;
  close(): Promise<void>;
}

/**
 * Starts the WMS and TMS simulators and prepares the EDI folders under `ediFolder`.
 *
 * ```ts
 * const systems = await startDemoSystems({ ediFolder: './.waybill/edi' });
 * const platform = await createPlatform({ connectorConfigs: systems.configs, connectorTriggers: systems.triggers });
 * ```
 */
export async function startDemoSystems(options: { ediFolder: string }): Promise<DemoSystems> {
  const [wms, tms] = await Promise.all([startWmsSimulator(), startTmsSimulator()]);
  const ediInbound = join(options.ediFolder, 'inbound');
  const ediOutbound = join(options.ediFolder, 'outbound');
  mkdirSync(ediInbound, { recursive: true });
  mkdirSync(ediOutbound, { recursive: true });
  return {
    wms,
    tms,
    ediInbound,
    configs: {
      'waybill.wms-sandbox': {
        baseUrl: wms.url,
        apiKey: WMS_SIMULATOR_API_KEY,
        webhookSecret: 'whsec-demo-wms',
      },
      'waybill.tms-sandbox': {
        baseUrl: tms.url,
        apiKey: TMS_SIMULATOR_API_KEY,
        webhookSecret: 'whsec-demo-tms',
        pollIntervalMs: 2_000,
      },
      'waybill.edi-x12': {
        interchangeId: 'WAYBILLDIST',
        inboundFolder: ediInbound,
        outboundFolder: ediOutbound,
      },
    },
    triggers: {
      'waybill.wms-sandbox': ['webhook'],
      'waybill.tms-sandbox': ['feed'],
      'waybill.edi-x12': ['inbound'],
    },
    close: async () => {
      await Promise.all([wms.close(), tms.close()]);
    },
  };
}

interface DemoOrder {
  orderNumber: string;
  customerId: string;
  podRequired: boolean;
  lines: { sku: string; quantity: number; unitPrice: number }[];
  /** Events still to send, in the order a real system would usually send them. */
  pending: string[];
  /** The last event sent, for an occasional duplicate. */
  last: { body: Record<string, unknown>; idempotencyKey: string } | null;
  /** Payloads planned by the month generator, by event type. */
  planned: Record<string, Record<string, unknown>>;
}

const customers = [
  { customerId: 'C-100', podRequired: false },
  { customerId: 'C-200', podRequired: true },
  { customerId: 'C-300', podRequired: true },
  { customerId: 'C-400', podRequired: false },
];

export interface DemoTraffic {
  stop(): void;
}

/**
 * Starts posting demo events to `baseUrl` every `intervalMs` (default 1500 ms).
 *
 * ```ts
 * const traffic = startDemoTraffic({ baseUrl: 'http://127.0.0.1:3000', apiKey, logger });
 * traffic.stop();
 * ```
 */
export function startDemoTraffic(options: {
  baseUrl: string;
  apiKey: string;
  logger: Logger;
  intervalMs?: number;
  random?: () => number;
  /** Shipments and PODs come from these simulators instead of the HTTP API. */
  systems?: Pick<DemoSystems, 'wms' | 'tms'>;
}): DemoTraffic {
  const systems = options.systems;
  const random = options.random ?? Math.random;
  const open: DemoOrder[] = [];
  const sequence = 10_000 + Math.floor(random() * 80_000);
  let stopped = false;

  const pick = <T>(items: readonly T[]): T => {
    const item = items[Math.floor(random() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  };

  async function send(
    order: DemoOrder,
    body: Record<string, unknown>,
    idempotencyKey: string,
  ): Promise<boolean> {
    const requestId = `demo-${randomUUID()}`;
    const res = await fetch(`${options.baseUrl}/api/v1/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${options.apiKey}`,
        'idempotency-key': idempotencyKey,
        'x-request-id': requestId,
      },
      body: JSON.stringify(body),
    });
    const fields = {
      correlationKey: order.orderNumber,
      eventType: body.type,
      status: res.status,
      requestId,
    };
    if (res.status === 429) {
      // Over the key's rate limit: wait as told; the caller sends the event again later.
      const retryAfter = Number(res.headers.get('retry-after') ?? 1);
      options.logger.warn('demo traffic rate limited', { ...fields, retryAfter });
      await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
      return false;
    }
    order.last = { body, idempotencyKey };
    options.logger.debug('demo event posted', fields);
    return true;
  }

  function post(
    order: DemoOrder,
    type: string,
    payload: Record<string, unknown>,
  ): Promise<boolean> {
    if (systems && (type === 'shipment.confirmed' || type === 'pod.received')) {
      emitFromSystems(order, type);
      return Promise.resolve(true);
    }
    const body = {
      type,
      correlationKey: order.orderNumber,
      payload,
      occurredAt: new Date().toISOString(),
    };
    return send(order, body, `${type}:${order.orderNumber}:${randomUUID().slice(0, 8)}`);
  }

  /** The WMS confirms the shipment (now and then short); the carrier uploads the POD. */
  function emitFromSystems(order: DemoOrder, type: 'shipment.confirmed' | 'pod.received'): void {
    if (!systems) return;
    const suffix = order.orderNumber.slice(3);
    if (type === 'shipment.confirmed') {
      systems.wms.confirmShipment({
        shipmentNo: `SH-${suffix}`,
        orderNo: order.orderNumber,
        warehouseCode: pick(['DAL-1', 'ATL-2', 'CHI-1']),
        shipDate: new Date().toISOString(),
        lines: order.lines.map((line, index) => ({
          lineNo: index + 1,
          item: line.sku,
          qtyOrdered: line.quantity,
          qtyShipped: line.quantity,
        })),
      });
    } else {
      systems.tms.publishPod({
        documentId: `POD-${suffix}`,
        shipmentRef: `SH-${suffix}`,
        orderRef: order.orderNumber,
        scac: pick(['ODFL', 'SAIA', 'XPOL']),
        signedBy: pick(['R. Lopez', 'K. Osei', 'M. Novak']),
        deliveredAt: new Date().toISOString(),
      });
    }
    options.logger.debug('demo event emitted by a simulated system', {
      correlationKey: order.orderNumber,
      eventType: type,
    });
  }

  // A small slice of the same month `waybill demo month` runs: its exception mix and its noise.
  const month = planMonth({
    invoices: Number.POSITIVE_INFINITY,
    seed: sequence,
    firstOrderNumber: sequence + 1,
    customers: customers.map((c) => ({ ...c, weight: 1 })),
  });

  function newOrder(): DemoOrder {
    const plan = month.next();
    if (plan.done) throw new Error('the demo month ran out of orders');
    const order = plan.value;
    const planned: DemoOrder['planned'] = {};
    for (const event of order.events) planned[event.type] ??= event.payload;
    const released = planned['order.released'];
    const lines = Array.isArray(released?.lines) ? (released.lines as DemoOrder['lines']) : [];
    // Events in the order the systems send them (out of order included), each type once.
    const pending = [...new Set(order.events.map((e) => e.type))];
    return { ...order, lines, pending, last: null, planned };
  }

  function payloadOf(order: DemoOrder, type: string): Record<string, unknown> {
    const planned = order.planned[type];
    if (planned) return planned;
    switch (type) {
      case 'order.released':
        return {
          orderNumber: order.orderNumber,
          customerId: order.customerId,
          currency: 'USD',
          warehouse: pick(['DAL-1', 'ATL-2', 'CHI-1']),
          lines: order.lines,
        };
      case 'shipment.confirmed':
        return {
          shipmentId: `SH-${order.orderNumber.slice(3)}`,
          shippedAt: new Date().toISOString(),
          lines: order.lines.map((l) => ({ sku: l.sku, shippedQty: l.quantity })),
        };
      case 'pricing.validated':
        return {
          variancePct: Math.round(random() * 150) / 100,
          lines: order.lines,
        };
      default:
        return {
          documentId: `POD-${order.orderNumber.slice(3)}`,
          receivedAt: new Date().toISOString(),
        };
    }
  }

  async function tick(): Promise<void> {
    if (open.length < 6 && (open.length === 0 || random() < 0.4)) open.push(newOrder());
    const order = pick(open);
    if (order.last && random() < 0.1) {
      // A middleware retry: the same event with the same Idempotency-Key.
      await send(order, order.last.body, order.last.idempotencyKey);
      return;
    }
    // Out of order: pricing and POD sometimes overtake each other.
    const index = order.pending.length > 1 && random() < 0.2 ? 1 : 0;
    const [type] = order.pending.splice(index, 1);
    if (type && !(await post(order, type, payloadOf(order, type)))) order.pending.unshift(type);
    if (order.pending.length === 0) open.splice(open.indexOf(order), 1);
  }

  const interval = options.intervalMs ?? 1500;
  const loop = async (): Promise<void> => {
    while (!stopped) {
      try {
        await tick();
      } catch (error) {
        options.logger.warn('demo traffic could not post', { err: error });
      }
      await new Promise((resolve) => setTimeout(resolve, interval * (0.5 + random())));
    }
  };
  void loop();
  return {
    stop() {
      stopped = true;
    },
  };
}
