/**
 * The example connector of docs/connectors.md: a customer's invoice portal. The guide includes the
 * regions marked below; `guide.test.ts` checks the guide still matches them, and
 * `customer-portal.test.ts` runs them.
 */
// #region imports
import { z } from 'zod';
import { ConnectorError, defineConnector } from '@waybill/connectors-sdk';
// #endregion imports

// #region config
const config = z.object({
  baseUrl: z.url().meta({ label: 'Portal URL' }),
  apiKey: z.string().min(1).meta({ label: 'API key', secret: true }),
  webhookSecret: z.string().min(8).meta({ label: 'Webhook secret', secret: true }),
});
// #endregion config

// #region schemas
const upload = z.object({
  uploadId: z.string(),
  invoiceNumber: z.string(),
  status: z.enum(['received', 'accepted', 'rejected']),
});
// #endregion schemas

// #region connector
export const customerPortalConnector = defineConnector({
  id: 'acme.customer-portal',
  version: 1,
  kind: 'erp',
  displayName: 'Customer invoice portal',
  description: 'Uploads invoices to a customer portal and receives the disputes opened there.',
  config,
  operations: ({ defineOperation }) => ({
    uploadInvoice: defineOperation({
      displayName: 'Upload invoice',
      description: 'Uploads an invoice; a retry with the same idempotency key uploads nothing new.',
      input: z.object({
        invoiceNumber: z.string().min(1).meta({ label: 'Invoice' }),
        total: z.number().min(0).meta({ label: 'Total' }),
        currency: z
          .string()
          .regex(/^[A-Z]{3}$/)
          .meta({ label: 'Currency' }),
      }),
      output: upload,
      idempotent: true,
      defaultTimeoutMs: 10_000,
      defaultRetry: {
        maxAttempts: 6,
        initialIntervalMs: 1_000,
        backoffCoefficient: 2,
        maxIntervalMs: 60_000,
      },
      run: async (ctx, input) => {
        const { body } = await ctx.http.request({
          method: 'POST',
          url: `${ctx.config.baseUrl}/uploads`,
          headers: {
            authorization: `Bearer ${ctx.config.apiKey}`,
            'idempotency-key': ctx.idempotencyKey,
          },
          json: input,
          schema: upload,
        });
        if (body.status === 'rejected') {
          throw new ConnectorError('PERMANENT', `Portal rejected invoice ${input.invoiceNumber}`, {
            details: { uploadId: body.uploadId },
          });
        }
        ctx.logger.info('invoice uploaded', { uploadId: body.uploadId });
        return body;
      },
    }),
  }),
  // #region trigger
  triggers: ({ defineTrigger }) => ({
    disputes: defineTrigger({
      kind: 'webhook',
      displayName: 'Disputes',
      description: 'The portal posts each dispute a customer opens.',
      events: ['dispute.opened'],
      activate: (ctx) => {
        const notice = z.object({
          id: z.string(),
          invoice: z.string(),
          customer: z.string(),
          amount: z.number(),
          currency: z.string(),
          reason: z.string(),
          openedAt: z.string(),
        });
        const { unmount } = ctx.webhook.mount(ctx.triggerId, async (request) => {
          if (request.headers['x-portal-secret'] !== ctx.config.webhookSecret) {
            return { status: 401 };
          }
          const parsed = notice.safeParse(JSON.parse(request.body));
          if (!parsed.success) return { status: 400, body: { error: parsed.error.message } };
          const dispute = parsed.data;
          const { duplicate } = await ctx.publish({
            type: 'dispute.opened',
            correlationKey: dispute.invoice, // disputes correlate by invoice number
            idempotencyKey: `portal-dispute:${dispute.id}`, // from the source: redeliveries dedupe
            payload: {
              disputeId: dispute.id,
              invoiceNumber: dispute.invoice,
              customerId: dispute.customer,
              amount: dispute.amount,
              currency: dispute.currency,
              description: dispute.reason,
              openedAt: dispute.openedAt,
              status: 'open',
            },
          });
          return { status: duplicate ? 200 : 202 };
        });
        return { deactivate: unmount };
      },
    }),
  }),
  // #endregion trigger
});
// #endregion connector
