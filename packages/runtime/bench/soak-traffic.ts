/**
 * The soak benchmark's event stream: a distributor's orders from the demo month plan
 * (`planMonth`: its exception mix, middleware retries, WMS confirmations sent twice, shipments
 * that overtake their order, late freight), released at a fixed rate and posted to
 * `POST /api/v1/events` open-loop: each event is sent at its scheduled time whether or not the
 * earlier ones were answered (up to `maxInFlight` requests at once; beyond that sends queue and
 * their lateness is reported).
 *
 * Time is compressed: an hour of the plan is `secondsPerHour` seconds of the run (default 1), so
 * an order's shipment follows its release by 4–44 s and a dispute comes minutes later. Credit
 * holds are placed in the ERP simulator before `credit.held` is posted (and released there
 * before `credit.released`), as the ERP's own rules would.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { ERP_SIMULATOR_API_KEY } from '@waybill/connectors-sdk/simulators';
import { planMonth, type PlannedOrder } from '../src/demo/month-plan.ts';

/** The ERP simulator's demo customers (C-200 and C-300 require proof of delivery). */
const soakCustomers = [
  { customerId: 'C-100', podRequired: false, weight: 4 },
  { customerId: 'C-200', podRequired: true, weight: 2 },
  { customerId: 'C-300', podRequired: true, weight: 1 },
  { customerId: 'C-400', podRequired: false, weight: 2 },
];

interface ScheduledEvent {
  /** When to send, in ms since the stream started. */
  at: number;
  type: string;
  correlationKey: string;
  payload: Record<string, unknown>;
  idempotencyKey: string;
  order: PlannedOrder;
  /** When the event happened (the scheduled wall-clock time): the same for a retried message. */
  occurredAt: string;
}

/** Counts since the last {@link SoakTraffic.takeInterval} (or for the whole run). */
export interface TrafficCounts {
  /** Requests sent (retries of the same key included). */
  sent: number;
  /** 202: stored. */
  accepted: number;
  /** 200: a repeat of an idempotency key already stored (nothing stored again). */
  repeats: number;
  /** Any other status, or no answer. */
  errors: number;
  /** Status → count, for the errors. */
  errorStatuses: Record<string, number>;
  /** Response times of the API in ms (acknowledgement after the commit). */
  ackMs: number[];
  /** How late sends left against their schedule, in ms. */
  lagMs: number[];
}

function emptyCounts(): TrafficCounts {
  return {
    sent: 0,
    accepted: 0,
    repeats: 0,
    errors: 0,
    errorStatuses: {},
    ackMs: [],
    lagMs: [],
  };
}

export interface SoakTrafficOptions {
  baseUrl: string;
  apiKey: string;
  erpUrl: string;
  /** Orders released per second. */
  rate: number;
  seed?: number;
  secondsPerHour?: number;
  /** Later events of an order are sent at most this many seconds after its release (default 180). */
  maxOffsetSeconds?: number;
  /** Requests in flight at most (default 64). */
  maxInFlight?: number;
}

/** A min-heap of scheduled events by time. */
class EventHeap {
  readonly #items: ScheduledEvent[] = [];
  get size(): number {
    return this.#items.length;
  }
  peek(): ScheduledEvent | undefined {
    return this.#items[0];
  }
  push(item: ScheduledEvent): void {
    const items = this.#items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent];
      if (!p || p.at <= item.at) break;
      items[i] = p;
      i = parent;
    }
    items[i] = item;
  }
  pop(): ScheduledEvent | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || !last) return top;
    let i = 0;
    while (true) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      let value = last;
      const l = items[left];
      const r = items[right];
      if (l && l.at < value.at) {
        smallest = left;
        value = l;
      }
      if (r && r.at < value.at) smallest = right;
      if (smallest === i) break;
      items[i] = items[smallest] as ScheduledEvent;
      i = smallest;
    }
    items[i] = last;
    return top;
  }
}

/**
 * Sends the stream until `stop()`; counts every answer.
 *
 * ```ts
 * const traffic = new SoakTraffic({ baseUrl, apiKey, erpUrl, rate: 10 });
 * traffic.start();
 * // … every 10 s: traffic.takeInterval()
 * await traffic.stop(); // sends nothing scheduled later, waits for requests in flight
 * ```
 */
export class SoakTraffic {
  readonly #options: Required<Omit<SoakTrafficOptions, 'seed'>> & { seed: number };
  readonly #heap = new EventHeap();
  readonly #plan: Generator<PlannedOrder>;
  readonly #holds = new Map<string, string>();
  readonly #creditPayloads = new Map<string, Promise<Record<string, unknown>>>();
  readonly #waiting: { event: ScheduledEvent; lateFrom: number }[] = [];
  #interval = emptyCounts();
  readonly total = emptyCounts();
  /** Orders released so far, by the exception they run into (`none`: touchless). */
  readonly orders: Record<string, number> = {};
  /** Noisy events sent: retries of the same key, confirmations sent twice, out of order, late. */
  readonly noise: Record<string, number> = {};
  /** Order numbers released, in order. */
  readonly orderNumbers: string[] = [];
  #released = 0;
  #inFlight = 0;
  #started = 0;
  #wallStart = 0;
  #timer: NodeJS.Timeout | null = null;
  #idle: (() => void) | null = null;
  #stopped = false;

  constructor(options: SoakTrafficOptions) {
    this.#options = {
      seed: 1,
      secondsPerHour: 1,
      maxOffsetSeconds: 180,
      maxInFlight: 64,
      ...options,
    };
    this.#plan = planMonth({
      invoices: Number.POSITIVE_INFINITY,
      seed: this.#options.seed,
      customers: soakCustomers,
      firstOrderNumber: 700_000,
    });
  }

  /** Requests in flight plus sends waiting for a free slot. */
  get backlog(): number {
    return this.#inFlight + this.#waiting.length;
  }

  start(): void {
    this.#started = performance.now();
    this.#wallStart = Date.now();
    this.#timer = setInterval(() => this.#tick(), 10);
  }

  /** The counts since the last call. */
  takeInterval(): TrafficCounts {
    const counts = this.#interval;
    this.#interval = emptyCounts();
    return counts;
  }

  /** Stops sending (events scheduled later are not sent) and waits for the answers in flight. */
  async stop(): Promise<{ unsent: number }> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    const unsent = this.#heap.size + this.#waiting.length;
    this.#waiting.length = 0;
    if (this.#inFlight > 0) await new Promise<void>((resolve) => (this.#idle = resolve));
    return { unsent };
  }

  #tick(): void {
    if (this.#stopped) return;
    const now = performance.now() - this.#started;
    // Release the orders due by now (and a second ahead: a shipment may overtake its order).
    while ((this.#released * 1000) / this.#options.rate <= now + 1000) this.#release();
    for (let next = this.#heap.peek(); next && next.at <= now; next = this.#heap.peek()) {
      this.#heap.pop();
      this.#waiting.push({ event: next, lateFrom: next.at });
    }
    while (this.#waiting.length > 0 && this.#inFlight < this.#options.maxInFlight) {
      const item = this.#waiting.shift();
      if (item) this.#send(item.event, now - item.lateFrom);
    }
  }

  #release(): void {
    const next = this.#plan.next();
    if (next.done) throw new Error('the month plan ran out of orders');
    const order = next.value;
    const releasedAt = (this.#released * 1000) / this.#options.rate;
    this.#released += 1;
    this.orderNumbers.push(order.orderNumber);
    const exception = order.exception ?? 'none';
    this.orders[exception] = (this.orders[exception] ?? 0) + 1;
    const first = Date.parse(
      order.events.find((e) => e.type === 'order.released')?.occurredAt ?? '',
    );
    const { secondsPerHour, maxOffsetSeconds } = this.#options;
    for (const event of order.events) {
      const hours = (Date.parse(event.occurredAt) - first) / 3_600_000;
      // A middleware retry comes a second after the message it repeats.
      const offset = Math.min(hours * secondsPerHour, maxOffsetSeconds);
      const resend = event.noise === 'retry' ? 1 : 0;
      if (event.noise) this.noise[event.noise] = (this.noise[event.noise] ?? 0) + 1;
      this.#heap.push({
        at: releasedAt + (offset + resend) * 1000,
        type: event.type,
        // Disputes are keyed by the invoice they dispute.
        correlationKey:
          event.type === 'dispute.opened' ? `INV-${order.orderNumber}` : event.correlationKey,
        payload: event.payload,
        idempotencyKey: event.idempotencyKey,
        order,
        occurredAt: new Date(this.#wallStart + releasedAt + offset * 1000).toISOString(),
      });
    }
  }

  #send(event: ScheduledEvent, lagMs: number): void {
    this.#inFlight += 1;
    void this.#post(event, lagMs).finally(() => {
      this.#inFlight -= 1;
      if (this.#inFlight === 0 && this.#idle) this.#idle();
    });
  }

  async #post(event: ScheduledEvent, lagMs: number): Promise<void> {
    const counts = [this.#interval, this.total];
    for (const c of counts) {
      c.sent += 1;
      c.lagMs.push(lagMs);
    }
    let status = 'network';
    const started = performance.now();
    try {
      const payload = await this.#payloadOf(event);
      const response = await fetch(`${this.#options.baseUrl}/api/v1/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${this.#options.apiKey}`,
          'idempotency-key': event.idempotencyKey,
        },
        body: JSON.stringify({
          type: event.type,
          correlationKey: event.correlationKey,
          payload,
          occurredAt: event.occurredAt,
        }),
      });
      await response.arrayBuffer();
      status = String(response.status);
    } catch {
      status = 'network';
    }
    const ms = performance.now() - started;
    for (const c of counts) {
      c.ackMs.push(ms);
      if (status === '202') c.accepted += 1;
      else if (status === '200') c.repeats += 1;
      else {
        c.errors += 1;
        c.errorStatuses[status] = (c.errorStatuses[status] ?? 0) + 1;
      }
    }
  }

  /**
   * The payload as the upstream system would send it. A middleware retry repeats the body of
   * the message it retries, so credit events (whose hold comes from the ERP) are built once per
   * idempotency key.
   */
  #payloadOf(event: ScheduledEvent): Promise<Record<string, unknown>> {
    if (!event.type.startsWith('credit.')) return this.#buildPayload(event);
    let payload = this.#creditPayloads.get(event.idempotencyKey);
    if (!payload) {
      payload = this.#buildPayload(event);
      this.#creditPayloads.set(event.idempotencyKey, payload);
    }
    return payload;
  }

  async #buildPayload(event: ScheduledEvent): Promise<Record<string, unknown>> {
    const { order } = event;
    // A retried message carries the same body: everything derives from the schedule.
    const now = event.occurredAt;
    switch (event.type) {
      case 'credit.held': {
        let holdId = this.#holds.get(order.orderNumber);
        if (!holdId) {
          const hold = await this.#erp(`/customers/${order.customerId}/holds`, {
            reason: event.payload.reason,
            orderNumber: order.orderNumber,
          });
          holdId = String(hold.holdId);
          this.#holds.set(order.orderNumber, holdId);
        }
        return {
          reason: event.payload.reason,
          placedAt: now,
          holdId,
          customerId: order.customerId,
          orderNumber: order.orderNumber,
        };
      }
      case 'credit.released': {
        const holdId = this.#holds.get(order.orderNumber) ?? `HOLD-${order.orderNumber}`;
        if (this.#holds.has(order.orderNumber)) {
          await this.#erp(`/holds/${holdId}/release`, {});
          this.#holds.delete(order.orderNumber);
        }
        return {
          holdId,
          customerId: order.customerId,
          orderNumber: order.orderNumber,
          releasedAt: now,
        };
      }
      case 'dispute.opened':
        return {
          disputeId: event.payload.disputeId,
          invoiceNumber: event.correlationKey,
          orderNumber: order.orderNumber,
          customerId: order.customerId,
          amount: Math.max(1, Number(event.payload.amount ?? 0)),
          currency: 'USD',
          openedAt: now,
          description: `Customer claims ${typeof event.payload.reason === 'string' ? event.payload.reason : 'a problem'}`,
        };
      default:
        return event.payload;
    }
  }

  async #erp(path: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const response = await fetch(`${this.#options.erpUrl}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${ERP_SIMULATOR_API_KEY}`,
        'idempotency-key': randomUUID(),
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
    });
    const parsed: unknown = await response.json();
    if (!response.ok || typeof parsed !== 'object' || parsed === null)
      throw new Error(`ERP ${path} answered ${response.status}`);
    return parsed as Record<string, unknown>;
  }
}
