/**
 * ERP sandbox connector: posts invoices to, and reads billing profiles from, the local ERP
 * simulator (`@waybill/connectors-sdk/simulators`). Copy this folder to start a new connector.
 *
 * @module
 */
import {
  creditHoldReasonSchema,
  creditHoldSchema,
  creditMemoReasonSchema,
  creditStatusSchema,
  paymentTermsSchema,
} from '@waybill/shared';
import { z } from 'zod';
import type { ConnectorContext } from '../../define-connector.ts';
import { defineConnector } from '../../define-connector.ts';

const config = z.object({
  baseUrl: z.url().meta({
    label: 'Base URL',
    description: 'Where the ERP API lives, e.g. http://127.0.0.1:4010',
  }),
  apiKey: z.string().min(1).meta({ label: 'API key', secret: true }),
});
type ErpConfig = z.output<typeof config>;

const invoiceLine = z.object({
  sku: z.string().min(1).meta({ label: 'SKU' }),
  quantity: z.number().positive().meta({ label: 'Quantity shipped' }),
  unitPrice: z.number().min(0).meta({ label: 'Unit price' }),
});

const postInvoiceInput = z.object({
  orderNumber: z.string().min(1).meta({ label: 'Order number' }),
  customerId: z.string().min(1).meta({ label: 'Customer' }),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be a 3-letter ISO 4217 code like USD')
    .meta({ label: 'Currency' }),
  lines: z.array(invoiceLine).min(1).meta({ label: 'Lines' }),
  freightAmount: z.number().min(0).optional().meta({ label: 'Freight' }),
  taxAmount: z.number().min(0).optional().meta({ label: 'Tax' }),
  shipmentId: z.string().min(1).optional().meta({ label: 'Shipment' }),
});

const postInvoiceOutput = z.object({
  invoiceNumber: z.string(),
  total: z.number(),
  postedAt: z.iso.datetime(),
  /** True when the ERP had already posted this invoice (same idempotency key). */
  duplicate: z.boolean(),
});

const billingProfile = z.object({
  customerId: z.string(),
  podRequired: z.boolean().meta({ label: 'Proof of delivery required' }),
  invoiceMode: z.enum(['per-shipment', 'consolidated']),
  paymentTermsDays: z.number().int().min(0),
  ediInvoiceRequired: z.boolean().meta({ label: 'EDI 810 invoice required' }),
});

const creditMemoInput = z.object({
  invoiceNumber: z.string().min(1).meta({ label: 'Invoice' }),
  customerId: z.string().min(1).meta({ label: 'Customer' }),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be a 3-letter ISO 4217 code like USD'),
  reason: creditMemoReasonSchema.meta({ label: 'Reason' }),
  amount: z.number().positive().meta({ label: 'Amount credited' }),
  note: z.string().optional().meta({ label: 'Note' }),
  disputeId: z.string().min(1).optional().meta({ label: 'Dispute' }),
});
const creditMemoOutput = z.object({
  creditMemoNumber: z.string(),
  invoiceNumber: z.string(),
  amount: z.number(),
  issuedAt: z.iso.datetime(),
  /** True when the ERP had already posted this memo (same idempotency key). */
  duplicate: z.boolean(),
});
const releaseOutput = z.object({
  hold: creditHoldSchema,
  releasedAt: z.iso.datetime(),
  /** True when the hold had already been released (by this call's earlier attempt or anyone). */
  alreadyReleased: z.boolean(),
});
const customerInput = z.object({ customerId: z.string().min(1).meta({ label: 'Customer' }) });

/**
 * The ERP sandbox connector, `waybill.erp-sandbox` version 1.
 *
 * ```ts
 * const { invoiceNumber } = await invokeOperation(erpSandboxConnector, 'postInvoice', {
 *   config: { baseUrl: erp.url, apiKey: ERP_SIMULATOR_API_KEY },
 *   input: { orderNumber: 'SO-1001', customerId: 'C-100', currency: 'USD',
 *            lines: [{ sku: 'PALLET-1', quantity: 2, unitPrice: 50 }] },
 *   idempotencyKey: 'inst-42:post#1',
 *   correlationId: 'SO-1001',
 * });
 * ```
 */
export const erpSandboxConnector = defineConnector({
  id: 'waybill.erp-sandbox',
  version: 1,
  kind: 'erp',
  displayName: 'ERP sandbox',
  description:
    'Posts invoices and credit memos to the local ERP simulator, reads billing profiles, payment terms and credit status, and places and releases credit holds.',
  config,
  operations: ({ defineOperation }) => ({
    postInvoice: defineOperation({
      displayName: 'Post invoice',
      description:
        'Posts an invoice for an order or shipment. Repeating the call with the same idempotency key returns the invoice already posted.',
      input: postInvoiceInput,
      output: postInvoiceOutput,
      idempotent: true,
      defaultTimeoutMs: 10_000,
      defaultRetry: {
        maxAttempts: 8,
        initialIntervalMs: 1_000,
        backoffCoefficient: 2,
        maxIntervalMs: 60_000,
      },
      run: async (ctx, input) => {
        const { body } = await ctx.http.request({
          method: 'POST',
          url: endpoint(ctx, '/invoices'),
          headers: headers(ctx, { 'idempotency-key': ctx.idempotencyKey }),
          json: input,
          schema: postInvoiceOutput,
        });
        ctx.logger.info(body.duplicate ? 'invoice already posted' : 'invoice posted', {
          orderNumber: input.orderNumber,
          invoiceNumber: body.invoiceNumber,
        });
        return body;
      },
    }),

    getBillingProfile: defineOperation({
      displayName: 'Get billing profile',
      description:
        'Reads how a customer is invoiced: proof of delivery required, per shipment or consolidated, payment terms, EDI.',
      input: z.object({ customerId: z.string().min(1).meta({ label: 'Customer' }) }),
      output: billingProfile,
      idempotent: true,
      defaultTimeoutMs: 5_000,
      run: async (ctx, input) => {
        const { body } = await ctx.http.request({
          method: 'GET',
          url: endpoint(ctx, `/customers/${encodeURIComponent(input.customerId)}/billing-profile`),
          headers: headers(ctx),
          schema: billingProfile,
        });
        return body;
      },
    }),

    postCreditMemo: defineOperation({
      displayName: 'Post credit memo',
      description:
        'Credits an amount against a posted invoice (re-pricing, short shipment, accepted deduction). Repeating the call with the same idempotency key returns the memo already posted.',
      input: creditMemoInput,
      output: creditMemoOutput,
      idempotent: true,
      defaultTimeoutMs: 10_000,
      defaultRetry: {
        maxAttempts: 8,
        initialIntervalMs: 1_000,
        backoffCoefficient: 2,
        maxIntervalMs: 60_000,
      },
      run: async (ctx, input) => {
        const { body } = await ctx.http.request({
          method: 'POST',
          url: endpoint(ctx, '/credit-memos'),
          headers: headers(ctx, { 'idempotency-key': ctx.idempotencyKey }),
          json: input,
          schema: creditMemoOutput,
        });
        return body;
      },
    }),

    getCreditStatus: defineOperation({
      displayName: 'Get credit status',
      description: 'Reads credit limit, exposure, past-due amount and the holds in force.',
      input: customerInput,
      output: creditStatusSchema,
      idempotent: true,
      defaultTimeoutMs: 5_000,
      run: async (ctx, input) => {
        const url = endpoint(
          ctx,
          `/customers/${encodeURIComponent(input.customerId)}/credit-status`,
        );
        return (
          await ctx.http.request({
            method: 'GET',
            url,
            headers: headers(ctx),
            schema: creditStatusSchema,
          })
        ).body;
      },
    }),

    getPaymentTerms: defineOperation({
      displayName: 'Get payment terms',
      description: "Reads a customer's payment terms (net days, early-payment discount).",
      input: customerInput,
      output: paymentTermsSchema,
      idempotent: true,
      defaultTimeoutMs: 5_000,
      run: async (ctx, input) => {
        const url = endpoint(
          ctx,
          `/customers/${encodeURIComponent(input.customerId)}/payment-terms`,
        );
        return (
          await ctx.http.request({
            method: 'GET',
            url,
            headers: headers(ctx),
            schema: paymentTermsSchema,
          })
        ).body;
      },
    }),

    placeHold: defineOperation({
      displayName: 'Place credit hold',
      description:
        'Puts a customer (or one order) on credit hold. A retry with the same idempotency key returns the same hold.',
      input: customerInput.extend({
        reason: creditHoldReasonSchema.meta({ label: 'Reason' }),
        orderNumber: z.string().min(1).optional().meta({ label: 'Order (only this order)' }),
        note: z.string().optional().meta({ label: 'Note' }),
      }),
      output: creditHoldSchema,
      idempotent: true,
      defaultTimeoutMs: 5_000,
      run: async (ctx, { customerId, ...hold }) => {
        const { body } = await ctx.http.request({
          method: 'POST',
          url: endpoint(ctx, `/customers/${encodeURIComponent(customerId)}/holds`),
          headers: headers(ctx, { 'idempotency-key': ctx.idempotencyKey }),
          json: hold,
          schema: creditHoldSchema,
        });
        return body;
      },
    }),

    releaseHold: defineOperation({
      displayName: 'Release credit hold',
      description:
        'Releases a credit hold. Releasing a hold already released reports the first release.',
      input: z.object({
        holdId: z.string().min(1).meta({ label: 'Hold' }),
        releasedBy: z.string().min(1).optional().meta({ label: 'Released by' }),
        note: z.string().optional().meta({ label: 'Note' }),
      }),
      output: releaseOutput,
      idempotent: true,
      defaultTimeoutMs: 5_000,
      run: async (ctx, { holdId, ...release }) => {
        const { body } = await ctx.http.request({
          method: 'POST',
          url: endpoint(ctx, `/holds/${encodeURIComponent(holdId)}/release`),
          headers: headers(ctx),
          json: release,
          schema: releaseOutput,
        });
        return body;
      },
    }),
  }),
});

/** `baseUrl` may carry a path prefix (`https://erp.example.com/api`), so join rather than resolve. */
function endpoint(ctx: ConnectorContext<ErpConfig>, path: string): string {
  return `${ctx.config.baseUrl.replace(/\/+$/, '')}${path}`;
}

function headers(
  ctx: ConnectorContext<ErpConfig>,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    authorization: `Bearer ${ctx.config.apiKey}`,
    'x-correlation-id': ctx.correlationId,
    ...extra,
  };
}
