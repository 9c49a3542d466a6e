/**
 * The credit side of the ERP simulator: credit status, holds, credit memos and payment terms.
 * Kept in memory (invoices are what the ERP persists; these reset on restart).
 *
 * | route | answers |
 * |---|---|
 * | `GET /customers/:id/credit-status` | `200 CreditStatus` (exposure includes posted invoices), `404` |
 * | `GET /customers/:id/payment-terms` | `200 PaymentTerms`, `404` |
 * | `POST /customers/:id/holds` + `Idempotency-Key` | `201` hold placed, `200` repeat, `400`, `404` |
 * | `POST /holds/:holdId/release` | `200 { hold, releasedAt, alreadyReleased }`, `404` |
 * | `POST /credit-memos` + `Idempotency-Key` | `201` memo, `200` repeat, `422` unknown invoice or over its total |
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { creditMemoReasonSchema, creditHoldReasonSchema } from '@waybill/shared';
import type { CreditHold, CreditStatus, PaymentTerms } from '@waybill/shared';
import { z } from 'zod';
import { readJson, sendJson } from './simulator-kit.ts';

/**
 * Credit facts of a demo customer.
 *
 * ```ts
 * const credit: CustomerCredit = { customerId: 'C-100', creditLimit: 50_000, openBalance: 12_000, pastDue: 0 };
 * ```
 */
export interface CustomerCredit {
  customerId: string;
  creditLimit: number;
  /** Receivables before anything posted to the simulator. */
  openBalance: number;
  pastDue: number;
  terms?: PaymentTerms;
}

/**
 * Credit of the demo customers: C-300 is past due, C-400 is close to its limit.
 *
 * ```ts
 * demoCredit.find((c) => c.customerId === 'C-300')?.pastDue; // 1800
 * ```
 */
export const demoCredit: readonly CustomerCredit[] = Object.freeze([
  { customerId: 'C-100', creditLimit: 50_000, openBalance: 12_000, pastDue: 0 },
  {
    customerId: 'C-200',
    creditLimit: 80_000,
    openBalance: 30_500,
    pastDue: 0,
    terms: { code: '2-10-NET45', netDays: 45, discountPct: 2, discountDays: 10 },
  },
  { customerId: 'C-300', creditLimit: 25_000, openBalance: 9_200, pastDue: 1_800 },
  { customerId: 'C-400', creditLimit: 10_000, openBalance: 9_650, pastDue: 0 },
]);

const holdRequest = z.object({
  reason: creditHoldReasonSchema,
  orderNumber: z.string().min(1).optional(),
  note: z.string().optional(),
  placedBy: z.string().min(1).optional(),
});
const releaseRequest = z.object({
  releasedBy: z.string().min(1).optional(),
  note: z.string().optional(),
});
const creditMemoRequest = z.object({
  invoiceNumber: z.string().min(1),
  customerId: z.string().min(1),
  currency: z.string().regex(/^[A-Z]{3}$/),
  reason: creditMemoReasonSchema,
  amount: z.number().positive(),
  note: z.string().optional(),
  disputeId: z.string().min(1).optional(),
});

interface StoredHold {
  hold: CreditHold;
  idempotencyKey: string;
  releasedAt?: string;
}

/**
 * A credit memo the simulated ERP posted.
 *
 * ```ts
 * erp.creditMemos()[0]?.creditMemoNumber; // 'CM-000001'
 * ```
 */
export interface PostedCreditMemo extends z.infer<typeof creditMemoRequest> {
  creditMemoNumber: string;
  issuedAt: string;
  idempotencyKey: string;
}

/** What the credit routes need from the rest of the simulator. */
export interface CreditDeps {
  /** Posted invoices: number, customer, total. */
  invoices(): { invoiceNumber: string; customerId: string; total: number }[];
  currencyOf(customerId: string): string;
}

/** The credit state and its routes. */
export class ErpCredit {
  readonly #customers: Map<string, CustomerCredit>;
  readonly #deps: CreditDeps;
  #holds: StoredHold[] = [];
  #memos: PostedCreditMemo[] = [];

  constructor(customers: readonly CustomerCredit[], deps: CreditDeps) {
    this.#customers = new Map(customers.map((c) => [c.customerId, c]));
    this.#deps = deps;
  }

  holds(): CreditHold[] {
    return this.#holds.filter((h) => h.releasedAt === undefined).map((h) => ({ ...h.hold }));
  }

  creditMemos(): PostedCreditMemo[] {
    return this.#memos.map((m) => ({ ...m }));
  }

  reset(): void {
    this.#holds = [];
    this.#memos = [];
  }

  /** Handles the route if it is one of the credit routes; returns false otherwise. */
  async route(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    const customer = /^\/customers\/([^/]+)\/(credit-status|payment-terms|holds)$/.exec(path);
    if (customer?.[1] !== undefined) {
      const customerId = decodeURIComponent(customer[1]);
      const credit = this.#customers.get(customerId);
      if (!credit) {
        sendJson(res, 404, { error: 'not_found', message: `Unknown customer ${customerId}` });
        return true;
      }
      if (customer[2] === 'credit-status' && req.method === 'GET') {
        sendJson(res, 200, this.#status(credit));
      } else if (customer[2] === 'payment-terms' && req.method === 'GET') {
        sendJson(res, 200, credit.terms ?? { code: 'NET30', netDays: 30 });
      } else if (customer[2] === 'holds' && req.method === 'POST') {
        await this.#placeHold(req, res, customerId);
      } else {
        sendJson(res, 405, { error: 'method_not_allowed' });
      }
      return true;
    }
    const release = /^\/holds\/([^/]+)\/release$/.exec(path)?.[1];
    if (release !== undefined && req.method === 'POST') {
      await this.#release(req, res, decodeURIComponent(release));
      return true;
    }
    if (path === '/credit-memos' && req.method === 'POST') {
      await this.#postCreditMemo(req, res);
      return true;
    }
    if (path === '/credit-memos' && req.method === 'GET') {
      sendJson(res, 200, { creditMemos: this.creditMemos() });
      return true;
    }
    return false;
  }

  #status(credit: CustomerCredit): CreditStatus {
    const posted = this.#deps
      .invoices()
      .filter((i) => i.customerId === credit.customerId)
      .reduce((sum, i) => sum + Math.round(i.total * 100), 0);
    const credited = this.#memos
      .filter((m) => m.customerId === credit.customerId)
      .reduce((sum, m) => sum + Math.round(m.amount * 100), 0);
    const holds = this.holds().filter((h) => h.customerId === credit.customerId);
    return {
      customerId: credit.customerId,
      currency: this.#deps.currencyOf(credit.customerId),
      creditLimit: credit.creditLimit,
      exposure: (Math.round(credit.openBalance * 100) + posted - credited) / 100,
      pastDue: credit.pastDue,
      onHold: holds.length > 0,
      holds,
      asOf: new Date(0).toISOString(), // fixed, so repeated reads of an unchanged status are equal
    };
  }

  async #placeHold(req: IncomingMessage, res: ServerResponse, customerId: string): Promise<void> {
    const key = idempotencyKeyOf(req, res);
    if (key === undefined) return;
    const body = holdRequest.safeParse(await readJson(req));
    if (!body.success) return invalid(res, body.error);
    const existing = this.#holds.find((h) => h.idempotencyKey === key);
    if (existing) return sendJson(res, 200, existing.hold);
    const hold: CreditHold = {
      holdId: `H-${String(this.#holds.length + 1).padStart(6, '0')}`,
      customerId,
      placedAt: new Date().toISOString(),
      ...body.data,
    };
    this.#holds.push({ hold, idempotencyKey: key });
    sendJson(res, 201, hold);
  }

  async #release(req: IncomingMessage, res: ServerResponse, holdId: string): Promise<void> {
    const body = releaseRequest.safeParse(await readJson(req));
    if (!body.success) return invalid(res, body.error);
    const stored = this.#holds.find((h) => h.hold.holdId === holdId);
    if (!stored) return sendJson(res, 404, { error: 'not_found', message: `No hold ${holdId}` });
    // Releasing twice is not an error: the second call reports the first release.
    const alreadyReleased = stored.releasedAt !== undefined;
    stored.releasedAt ??= new Date().toISOString();
    sendJson(res, 200, { hold: stored.hold, releasedAt: stored.releasedAt, alreadyReleased });
  }

  async #postCreditMemo(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const key = idempotencyKeyOf(req, res);
    if (key === undefined) return;
    const body = creditMemoRequest.safeParse(await readJson(req));
    if (!body.success) return invalid(res, body.error);
    const existing = this.#memos.find((m) => m.idempotencyKey === key);
    if (existing) return sendJson(res, 200, { ...existing, duplicate: true });
    const invoice = this.#deps.invoices().find((i) => i.invoiceNumber === body.data.invoiceNumber);
    if (!invoice || invoice.customerId !== body.data.customerId) {
      return sendJson(res, 422, {
        error: 'unknown_invoice',
        message: `Invoice ${body.data.invoiceNumber} of customer ${body.data.customerId} does not exist`,
      });
    }
    const creditedSoFar = this.#memos
      .filter((m) => m.invoiceNumber === invoice.invoiceNumber)
      .reduce((sum, m) => sum + Math.round(m.amount * 100), 0);
    if (creditedSoFar + Math.round(body.data.amount * 100) > Math.round(invoice.total * 100)) {
      return sendJson(res, 422, {
        error: 'over_credit',
        message: `Credits on ${invoice.invoiceNumber} would exceed its total ${invoice.total}`,
      });
    }
    const memo: PostedCreditMemo = {
      ...body.data,
      creditMemoNumber: `CM-${String(this.#memos.length + 1).padStart(6, '0')}`,
      issuedAt: new Date().toISOString(),
      idempotencyKey: key,
    };
    this.#memos.push(memo);
    sendJson(res, 201, { ...memo, duplicate: false });
  }
}

function idempotencyKeyOf(req: IncomingMessage, res: ServerResponse): string | undefined {
  const key = req.headers['idempotency-key'];
  if (typeof key === 'string' && key.trim() !== '') return key;
  sendJson(res, 400, {
    error: 'idempotency_key_required',
    message: 'Idempotency-Key header is required',
  });
  return undefined;
}

function invalid(res: ServerResponse, error: z.ZodError): void {
  const fieldErrors = error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  sendJson(res, 400, {
    error: 'validation',
    message: fieldErrors.map((f) => `${f.path}: ${f.message}`).join('; '),
    fieldErrors,
  });
}
