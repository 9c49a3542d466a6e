/**
 * A distributor's month of order-to-cash events, planned deterministically from a seed: orders
 * from about 120 customers (some requiring proof of delivery) shipped from six warehouses over
 * business days, with the exceptions of the billing domain in realistic shares — pricing
 * variance, short shipments, missing POD, late freight, tax discrepancies, credit holds, suspected
 * duplicates, disputes, integration failures — and the mess real integrations make: middleware
 * retries of the same message, WMS confirmations sent twice, events out of order and late.
 *
 * The plan is data only; `month-run.ts` sends it through the real ingestion, and the demo
 * traffic of `waybill start --demo` takes a small slice of it.
 * @module
 */
import type { ExceptionCategory } from '@waybill/shared';
import { seededRandom } from '../triage/model.ts';

export const demoWarehouses = ['DAL-1', 'ATL-2', 'CHI-1', 'LAX-3', 'NJ-4', 'SEA-5'] as const;

/** One event as a system would send it, with the idempotency key it would carry. */
export interface PlannedEvent {
  type: string;
  correlationKey: string;
  payload: Record<string, unknown>;
  /** When it happened at the source (ISO-8601). */
  occurredAt: string;
  idempotencyKey: string;
  /** Why it is noisy: a middleware retry (same key), a second confirmation, out of order, late. */
  noise?: 'retry' | 'resent' | 'outOfOrder' | 'late';
}

/** An order and everything the systems will say about it. */
export interface PlannedOrder {
  orderNumber: string;
  customerId: string;
  warehouse: string;
  podRequired: boolean;
  /** The exception this order runs into, if any (ground truth for the summary). */
  exception: ExceptionCategory | null;
  events: PlannedEvent[];
}

/** A customer of the month and whether its billing profile requires proof of delivery. */
export interface MonthCustomer {
  customerId: string;
  podRequired: boolean;
  /** How much it orders relative to the others. */
  weight: number;
}

/**
 * The month's customers: 120 accounts, about 30 % requiring proof of delivery, a few large
 * ones ordering most. Also what the ERP simulator serves as billing profiles.
 */
export function monthCustomers(seed = 1): MonthCustomer[] {
  const random = seededRandom(seed * 7919 + 17);
  return Array.from({ length: 120 }, (_, i) => ({
    customerId: `C-${100 + i}`,
    podRequired: random() < 0.3,
    weight: 1 / (1 + i * 0.08),
  }));
}

export interface MonthPlanOptions {
  /** Orders (≈ invoices) in the month. */
  invoices: number;
  seed?: number;
  /** Who orders (default {@link monthCustomers}). */
  customers?: readonly MonthCustomer[];
  /** First day of the month (default: 30 days before now, midnight UTC). */
  start?: Date;
  days?: number;
  /** Number of the first order (`SO-<n>`, default 500000). */
  firstOrderNumber?: number;
}

/** Shares of orders that run into each exception (the rest bill touchlessly). */
export const exceptionMix: Readonly<Record<ExceptionCategory, number>> = {
  pricingVariance: 0.06,
  quantityMismatch: 0.05,
  missingPod: 0.04,
  freightCharge: 0.04,
  customerDispute: 0.02,
  creditHold: 0.02,
  taxDiscrepancy: 0.01,
  duplicateBilling: 0.01,
  integrationFailure: 0.01,
};

const catalogue = [
  { sku: 'PAL-4812', unitPrice: 18.5 },
  { sku: 'BOX-2020', unitPrice: 2.35 },
  { sku: 'TAPE-48', unitPrice: 4.1 },
  { sku: 'WRAP-500', unitPrice: 27.9 },
  { sku: 'LBL-100', unitPrice: 9.75 },
  { sku: 'GLV-NIT-L', unitPrice: 11.2 },
  { sku: 'CUP-12OZ', unitPrice: 38.4 },
  { sku: 'STRAP-PP', unitPrice: 46.0 },
];
const carriers = ['ODFL', 'XPOL', 'SAIA', 'FXFE', 'ESTES', 'RLCA'];
/** Warehouse shares: the two big DCs ship most. */
const warehouseShare = [0.26, 0.22, 0.16, 0.14, 0.12, 0.1];

const HOUR = 3_600_000;

/**
 * The month's orders, one at a time, in order of release (a generator: 40,000 orders are not
 * held in memory at once by the caller unless it wants to).
 *
 * ```ts
 * for (const order of planMonth({ invoices: 40_000, seed: 1 })) send(order.events);
 * ```
 */
export function* planMonth(options: MonthPlanOptions): Generator<PlannedOrder> {
  const random = seededRandom(options.seed ?? 1);
  const days = options.days ?? 30;
  const start =
    options.start ?? new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 - days * 24 * HOUR);
  const pick = <T>(items: readonly T[]): T => {
    const item = items[Math.floor(random() * items.length)];
    if (item === undefined) throw new RangeError('pick from an empty list');
    return item;
  };
  const weighted = <T>(items: readonly T[], weights: readonly number[]): T => {
    let r = random() * weights.reduce((a, b) => a + b, 0);
    for (let i = 0; i < items.length; i++) {
      r -= weights[i] ?? 0;
      if (r <= 0) return items[i] as T;
    }
    return items[items.length - 1] as T;
  };
  const customers = options.customers ?? monthCustomers(options.seed ?? 1);
  const customerWeights = customers.map((c) => c.weight);
  const exceptionEntries = Object.entries(exceptionMix) as [ExceptionCategory, number][];

  for (let n = 0; n < options.invoices; n++) {
    // Releases spread over the month, mostly on business hours.
    const day = Math.floor((n / options.invoices) * days);
    const hour = 6 + Math.floor(random() * 12) + (random() < 0.1 ? 6 : 0);
    const released = start.getTime() + day * 24 * HOUR + hour * HOUR + random() * HOUR;
    const customer = weighted(customers, customerWeights);
    const warehouse = weighted(demoWarehouses, warehouseShare);
    const orderNumber = `SO-${String((options.firstOrderNumber ?? 500_000) + n)}`;
    const lines = Array.from({ length: 1 + Math.floor(random() * 4) }, () => {
      const item = pick(catalogue);
      return { sku: item.sku, quantity: 1 + Math.floor(random() * 60), unitPrice: item.unitPrice };
    });
    let exception: ExceptionCategory | null = null;
    let r = random();
    for (const [category, share] of exceptionEntries) {
      r -= share;
      if (r < 0) {
        exception = category;
        break;
      }
    }
    const podRequired = customer.podRequired || exception === 'missingPod';
    const events: PlannedEvent[] = [];
    const at = (offsetHours: number) => new Date(released + offsetHours * HOUR).toISOString();
    const add = (
      type: string,
      offsetHours: number,
      payload: Record<string, unknown>,
      key?: string,
    ) => {
      events.push({
        type,
        correlationKey: orderNumber,
        payload,
        occurredAt: at(offsetHours),
        idempotencyKey: key ?? `${type}:${orderNumber}:${events.length}`,
      });
    };

    add('order.released', 0, {
      orderNumber,
      customerId: customer.customerId,
      currency: 'USD',
      warehouse,
      lines,
    });
    if (exception === 'creditHold') {
      add('credit.held', 0.2, {
        customerId: customer.customerId,
        reason: pick(['over-limit', 'past-due']),
        orderNumber,
      });
    }
    const shipHours = 4 + random() * 40;
    const shipmentId = `SH-${orderNumber.slice(3)}`;
    const short = exception === 'quantityMismatch';
    add('shipment.confirmed', shipHours, {
      shipmentId,
      orderNumber,
      shippedAt: at(shipHours),
      warehouse,
      carrier: pick(carriers),
      ...(short ? { partial: true } : {}),
      lines: lines.map((l, i) =>
        short && i === 0
          ? {
              sku: l.sku,
              orderedQty: l.quantity,
              shippedQty: Math.max(0, l.quantity - 1 - Math.floor(random() * l.quantity * 0.5)),
              backorderedQty: 1,
              shortReason: pick(['out-of-stock', 'damaged', 'short-pick'] as const),
            }
          : { sku: l.sku, orderedQty: l.quantity, shippedQty: l.quantity },
      ),
    });
    if (exception === 'duplicateBilling') {
      // The WMS confirms the same shipment twice under a new message id.
      const again = events.at(-1);
      if (again)
        events.push({
          ...again,
          occurredAt: at(shipHours + 0.5),
          idempotencyKey: `wms-resend:${orderNumber}`,
          noise: 'resent',
        });
    }
    const variancePct =
      exception === 'pricingVariance' ? 2.5 + random() * 10 : Math.round(random() * 150) / 100;
    add(
      exception === 'pricingVariance' ? 'pricing.variance' : 'pricing.validated',
      shipHours + 0.3,
      {
        variancePct: Math.round(variancePct * 100) / 100,
        tolerancePct: 2,
        lines: lines.map((l) => ({
          sku: l.sku,
          quantity: l.quantity,
          unitPrice:
            exception === 'pricingVariance'
              ? Math.round(l.unitPrice * (1 + variancePct / 100) * 100) / 100
              : l.unitPrice,
          contractPrice: l.unitPrice,
        })),
      },
    );
    const freightHours =
      exception === 'freightCharge' ? shipHours + 48 + random() * 96 : shipHours + 1 + random() * 6;
    add('freight.rated', freightHours, {
      shipmentId,
      carrier: pick(carriers),
      amount: Math.round((40 + random() * 400) * 100) / 100,
      currency: 'USD',
      ...(exception === 'freightCharge' ? { disputed: random() < 0.4 } : {}),
    });
    if (exception === 'freightCharge') {
      const late = events.at(-1);
      if (late) late.noise = 'late';
    }
    add('tax.calculated', shipHours + 0.4, {
      taxAmount:
        Math.round(lines.reduce((s, l) => s + l.quantity * l.unitPrice, 0) * 0.0725 * 100) / 100,
      ...(exception === 'taxDiscrepancy'
        ? { discrepancy: true, expectedRatePct: 8.25, appliedRatePct: 6.25 }
        : {}),
    });
    if (podRequired && exception !== 'missingPod') {
      add('pod.received', shipHours + 12 + random() * 60, {
        documentId: `POD-${orderNumber.slice(3)}`,
        receivedAt: at(shipHours + 24),
        signedBy: pick(['J. Ortiz', 'K. Lee', 'M. Brown', 'dock 4']),
      });
    }
    if (exception === 'creditHold' && random() < 0.7) {
      add('credit.released', 6 + random() * 30, { customerId: customer.customerId, orderNumber });
    }
    if (exception === 'customerDispute') {
      add('dispute.opened', shipHours + 100 + random() * 200, {
        disputeId: `DSP-${orderNumber.slice(3)}`,
        orderNumber,
        customerId: customer.customerId,
        reason: pick(['damaged', 'pricing', 'short-shipment', 'not-received']),
        amount: Math.round(random() * 500 * 100) / 100,
      });
    }
    if (exception === 'integrationFailure') {
      // A malformed confirmation from a broken mapping: no lines, wrong unit of measure.
      add('shipment.confirmed', shipHours + 0.1, {
        shipmentId: `${shipmentId}-X`,
        orderNumber,
        shippedAt: at(shipHours),
        lines: [],
        error: 'mapping: unknown unit of measure CSX',
      });
    }
    // Noise every integration makes.
    if (random() < 0.1) {
      // The WMS reports the shipment before the ERP releases the order.
      const shipment = events.find((e) => e.type === 'shipment.confirmed');
      if (shipment) {
        shipment.occurredAt = at(-0.2);
        shipment.noise = 'outOfOrder';
      }
    }
    if (random() < 0.03) {
      // A middleware retry: the same message with the same idempotency key.
      const retried = pick(events);
      events.push({ ...retried, noise: 'retry' });
    }
    events.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
    yield {
      orderNumber,
      customerId: customer.customerId,
      warehouse,
      podRequired,
      exception,
      events,
    };
  }
}
