/**
 * A small stand-in for an ERP's invoicing API, for tests, demos and benchmarks. It is a real HTTP
 * server with the behaviour that matters to billing flows: bearer-key auth, validated payloads,
 * idempotent invoice posting (a repeated `Idempotency-Key` returns the same invoice and is not
 * recorded twice), customer billing profiles, and optional persistence to a JSON file.
 *
 * | route                                   | answers |
 * |-----------------------------------------|---------|
 * | `GET /healthz`                          | `200 { status: 'ok' }` (no auth) |
 * | `POST /invoices`                        | `201` new, `200` repeat (`duplicate: true`), `400` bad body or no `Idempotency-Key`, `401`, `409` key reused with another body |
 * | `GET /invoices`                         | `200 { invoices: PostedInvoice[] }` |
 * | `GET /customers/:id/billing-profile`    | `200 BillingProfile`, `404` unknown customer |
 * | `GET`/`POST /_faults`                   | read / replace the injected faults (see `faults.ts`) |
 *
 * Credit status, holds, credit memos and payment terms: see `erp-credit.ts`.
 *
 * @module
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { ErpCredit, demoCredit } from './erp-credit.ts';
import type { CustomerCredit, PostedCreditMemo } from './erp-credit.ts';
import { FaultInjector } from './faults.ts';
import type { FaultOptions, FaultStats } from './faults.ts';

/**
 * The API key the simulator accepts unless told otherwise.
 *
 * ```ts
 * const config = { baseUrl: erp.url, apiKey: ERP_SIMULATOR_API_KEY };
 * ```
 */
export const ERP_SIMULATOR_API_KEY = 'erp-sandbox-key';

const billingProfileSchema = z.object({
  customerId: z.string().min(1),
  podRequired: z.boolean(),
  invoiceMode: z.enum(['per-shipment', 'consolidated']),
  paymentTermsDays: z.number().int().min(0),
  ediInvoiceRequired: z.boolean(),
});
/**
 * How a customer wants to be invoiced.
 *
 * ```ts
 * const profile: BillingProfile = { customerId: 'C-9', podRequired: true, invoiceMode: 'per-shipment', paymentTermsDays: 30, ediInvoiceRequired: false };
 * ```
 */
export type BillingProfile = z.infer<typeof billingProfileSchema>;

const invoiceRequestSchema = z.object({
  orderNumber: z.string().min(1),
  customerId: z.string().min(1),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be a 3-letter ISO 4217 code'),
  lines: z
    .array(
      z.object({
        sku: z.string().min(1),
        quantity: z.number().positive(),
        unitPrice: z.number().min(0),
      }),
    )
    .min(1),
  freightAmount: z.number().min(0).optional(),
  taxAmount: z.number().min(0).optional(),
  shipmentId: z.string().min(1).optional(),
});
/**
 * The body of `POST /invoices`.
 *
 * ```ts
 * const body: InvoiceRequest = { orderNumber: 'SO-1', customerId: 'C-100', currency: 'USD', lines: [{ sku: 'A', quantity: 1, unitPrice: 9.5 }] };
 * ```
 */
export type InvoiceRequest = z.infer<typeof invoiceRequestSchema>;

const postedInvoiceSchema = z.object({
  invoiceNumber: z.string(),
  total: z.number(),
  postedAt: z.string(),
  idempotencyKey: z.string(),
  /** How many `POST /invoices` carried this key (1 = never repeated). */
  requestCount: z.number().int(),
  request: invoiceRequestSchema,
});
/**
 * An invoice the simulated ERP accepted, once per idempotency key.
 *
 * ```ts
 * const postedTwice = erp.invoices().filter((i: PostedInvoice) => i.requestCount > 1);
 * ```
 */
export type PostedInvoice = z.infer<typeof postedInvoiceSchema>;

const stateSchema = z.object({
  lastSequence: z.number().int(),
  invoices: z.array(postedInvoiceSchema),
});
type SimulatorState = z.infer<typeof stateSchema>;

/**
 * Demo customers: two need proof of delivery before invoicing, one is invoiced consolidated,
 * two want EDI 810 invoices.
 *
 * ```ts
 * const podCustomers = demoCustomers.filter((c) => c.podRequired).map((c) => c.customerId); // ['C-200', 'C-300']
 * ```
 */
export const demoCustomers: readonly BillingProfile[] = Object.freeze([
  {
    customerId: 'C-100',
    podRequired: false,
    invoiceMode: 'per-shipment',
    paymentTermsDays: 30,
    ediInvoiceRequired: false,
  },
  {
    customerId: 'C-200',
    podRequired: true,
    invoiceMode: 'per-shipment',
    paymentTermsDays: 45,
    ediInvoiceRequired: true,
  },
  {
    customerId: 'C-300',
    podRequired: true,
    invoiceMode: 'consolidated',
    paymentTermsDays: 60,
    ediInvoiceRequired: true,
  },
  {
    customerId: 'C-400',
    podRequired: false,
    invoiceMode: 'consolidated',
    paymentTermsDays: 15,
    ediInvoiceRequired: false,
  },
]);

/**
 * Options of {@link startErpSimulator}.
 *
 * ```ts
 * await startErpSimulator({ port: 4010, dataFile: '.waybill/erp.json' });
 * ```
 */
export interface ErpSimulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Defaults to `127.0.0.1`. */
  host?: string;
  /** Bearer key every route but `/healthz` requires; defaults to {@link ERP_SIMULATOR_API_KEY}. */
  apiKey?: string;
  /** Billing profiles served by `GET /customers/:id/billing-profile`; defaults to {@link demoCustomers}. */
  customers?: readonly BillingProfile[];
  /** Keep posted invoices in this JSON file, so a restart does not forget them. */
  dataFile?: string;
  /** Credit limits, balances and terms; defaults to {@link demoCredit}. */
  credit?: readonly CustomerCredit[];
  /** Faults to inject from the start (also settable with `POST /_faults`). */
  faults?: FaultOptions;
}

/**
 * A running simulator.
 *
 * ```ts
 * const erp: ErpSimulator = await startErpSimulator();
 * ```
 */
export interface ErpSimulator {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  url: string;
  port: number;
  /** Accepted invoices, each once, in posting order. */
  invoices(): PostedInvoice[];
  /** HTTP requests received so far, `/healthz` excepted. */
  requests(): number;
  /** Credit memos posted, once per idempotency key. */
  creditMemos(): PostedCreditMemo[];
  /** Holds in force. */
  holds(): ReturnType<ErpCredit['holds']>;
  faults: { configure(options: FaultOptions): void; stats(): FaultStats };
  /** Forgets every invoice, memo, hold and request (and numbering restarts at `INV-000001`). */
  reset(): void;
  close(): Promise<void>;
}

/**
 * Starts the simulated ERP on a real port.
 *
 * ```ts
 * const erp = await startErpSimulator();
 * // ... point the erp-sandbox connector at erp.url with apiKey ERP_SIMULATOR_API_KEY ...
 * erp.invoices().length; // 1
 * await erp.close();
 * ```
 */
export async function startErpSimulator(options: ErpSimulatorOptions = {}): Promise<ErpSimulator> {
  const apiKey = options.apiKey ?? ERP_SIMULATOR_API_KEY;
  const profiles = z.array(billingProfileSchema).parse(options.customers ?? demoCustomers);
  const customers = new Map(profiles.map((c) => [c.customerId, c]));
  const store = new InvoiceStore(options.dataFile);
  let requestCount = 0;
  const faults = new FaultInjector(options.faults);
  const credit = new ErpCredit(options.credit ?? demoCredit, {
    invoices: () =>
      store.all().map((i) => ({
        invoiceNumber: i.invoiceNumber,
        customerId: i.request.customerId,
        total: i.total,
      })),
    currencyOf: (customerId) =>
      store.all().find((i) => i.request.customerId === customerId)?.request.currency ?? 'USD',
  });

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://erp.local');
    if (url.pathname !== '/healthz' && url.pathname !== '/_faults') requestCount += 1;
    const respond = async (): Promise<void> => {
      if (await faults.interceptRequest(req, res, url.pathname)) return;
      await handle({ req, res, url, apiKey, customers, store, credit });
    };
    respond().catch((error: unknown) => {
      send(res, 500, {
        error: 'internal',
        message: error instanceof Error ? error.message : String(error),
      });
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = addressOf(server.address());

  return {
    url: `http://${host}:${port}`,
    port,
    invoices: () => store.all(),
    requests: () => requestCount,
    creditMemos: () => credit.creditMemos(),
    holds: () => credit.holds(),
    faults,
    reset: () => {
      requestCount = 0;
      store.reset();
      credit.reset();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        faults.releaseHanging();
        server.close((error) => (error ? reject(error) : resolve()));
        // fetch keeps connections alive; without this, close() waits for them to time out.
        server.closeAllConnections();
      }),
  };
}

interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  apiKey: string;
  customers: ReadonlyMap<string, BillingProfile>;
  store: InvoiceStore;
  credit: ErpCredit;
}

async function handle(exchange: Exchange): Promise<void> {
  const { req, res, url } = exchange;
  if (url.pathname === '/healthz') return send(res, 200, { status: 'ok' });
  if (req.headers.authorization !== `Bearer ${exchange.apiKey}`) {
    return send(res, 401, { error: 'unauthorized', message: 'Missing or wrong API key' });
  }
  if (url.pathname === '/invoices') {
    if (req.method === 'POST') return postInvoice(exchange);
    if (req.method === 'GET') return send(res, 200, { invoices: exchange.store.all() });
    return send(res, 405, {
      error: 'method_not_allowed',
      message: `${req.method} is not allowed here`,
    });
  }
  if (await exchange.credit.route(req, res, url.pathname)) return;
  const profile = /^\/customers\/([^/]+)\/billing-profile$/.exec(url.pathname);
  if (profile?.[1] !== undefined && req.method === 'GET') {
    const customerId = decodeURIComponent(profile[1]);
    const found = exchange.customers.get(customerId);
    return found
      ? send(res, 200, found)
      : send(res, 404, { error: 'not_found', message: `Unknown customer ${customerId}` });
  }
  return send(res, 404, { error: 'not_found', message: `No route ${req.method} ${url.pathname}` });
}

async function postInvoice({ req, res, store }: Exchange): Promise<void> {
  const idempotencyKey = req.headers['idempotency-key'];
  if (typeof idempotencyKey !== 'string' || idempotencyKey.trim() === '') {
    return send(res, 400, {
      error: 'idempotency_key_required',
      message: 'Idempotency-Key header is required',
    });
  }
  const text = await readBody(req);
  if (text === null) return send(res, 413, { error: 'too_large', message: 'Body over 1 MB' });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return send(res, 400, { error: 'invalid_json', message: 'Body must be JSON' });
  }
  const parsed = invoiceRequestSchema.safeParse(body);
  if (!parsed.success) {
    const fieldErrors = parsed.error.issues.map((i) => ({
      path: i.path.join('.'),
      message: i.message,
    }));
    const summary = fieldErrors.map((f) => `${f.path}: ${f.message}`).join('; ');
    return send(res, 400, {
      error: 'validation',
      message: `Invalid invoice: ${summary}`,
      fieldErrors,
    });
  }
  // No await between the lookup and the insert: two concurrent posts with one key cannot both insert.
  const existing = store.byKey(idempotencyKey);
  if (existing) {
    if (JSON.stringify(existing.request) !== JSON.stringify(parsed.data)) {
      return send(res, 409, {
        error: 'idempotency_conflict',
        message: `Idempotency-Key ${idempotencyKey} was already used for a different invoice (${existing.invoiceNumber})`,
      });
    }
    const repeated = store.countRepeat(idempotencyKey);
    return send(res, 200, receipt(repeated, true));
  }
  return send(res, 201, receipt(store.add(idempotencyKey, parsed.data), false));
}

function receipt(invoice: PostedInvoice, duplicate: boolean) {
  return {
    invoiceNumber: invoice.invoiceNumber,
    total: invoice.total,
    postedAt: invoice.postedAt,
    duplicate,
  };
}

/** Invoices by idempotency key, optionally mirrored to a JSON file after every change. */
class InvoiceStore {
  readonly #dataFile: string | undefined;
  #state: SimulatorState;

  constructor(dataFile: string | undefined) {
    this.#dataFile = dataFile;
    this.#state =
      dataFile !== undefined && existsSync(dataFile)
        ? stateSchema.parse(JSON.parse(readFileSync(dataFile, 'utf8')))
        : { lastSequence: 0, invoices: [] };
  }

  all(): PostedInvoice[] {
    return structuredClone(this.#state.invoices);
  }

  byKey(idempotencyKey: string): PostedInvoice | undefined {
    return this.#state.invoices.find((i) => i.idempotencyKey === idempotencyKey);
  }

  add(idempotencyKey: string, request: InvoiceRequest): PostedInvoice {
    const sequence = this.#state.lastSequence + 1;
    const invoice: PostedInvoice = {
      invoiceNumber: `INV-${String(sequence).padStart(6, '0')}`,
      total: totalOf(request),
      postedAt: new Date().toISOString(),
      idempotencyKey,
      requestCount: 1,
      request,
    };
    this.#state = { lastSequence: sequence, invoices: [...this.#state.invoices, invoice] };
    this.#save();
    return invoice;
  }

  countRepeat(idempotencyKey: string): PostedInvoice {
    const invoice = this.byKey(idempotencyKey);
    if (!invoice) throw new Error(`No invoice for Idempotency-Key ${idempotencyKey}`);
    invoice.requestCount += 1;
    this.#save();
    return invoice;
  }

  reset(): void {
    this.#state = { lastSequence: 0, invoices: [] };
    this.#save();
  }

  #save(): void {
    if (this.#dataFile === undefined) return;
    // Write then rename, so a crash mid-write never leaves a truncated file behind.
    const temporary = `${this.#dataFile}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.#state, null, 2));
    renameSync(temporary, this.#dataFile);
  }
}

/** Lines plus freight plus tax, rounded to cents. */
function totalOf(request: InvoiceRequest): number {
  const lines = request.lines.reduce((sum, line) => sum + line.quantity * line.unitPrice, 0);
  return Math.round((lines + (request.freightAmount ?? 0) + (request.taxAmount ?? 0)) * 100) / 100;
}

const maxBodyBytes = 1_000_000;

/** The body as text, or `null` when it is over the size limit. */
async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > maxBodyBytes) return null;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

function addressOf(address: string | AddressInfo | null): AddressInfo {
  if (address === null || typeof address === 'string')
    throw new Error('ERP simulator is not listening on TCP');
  return address;
}
