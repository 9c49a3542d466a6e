/**
 * TMS / carrier sandbox connector: freight ratings, delivery status and proof of delivery from
 * the TMS simulator, by webhook or polling, mapped to `freight.rated`, `delivery.updated` and
 * `pod.received`; plus lookups of a shipment's freight charge and of a POD document.
 *
 * @module
 */
import { freightChargeSchema, proofOfDeliverySchema } from '@waybill/shared';
import type { DeliveryEvent, FreightCharge, ProofOfDelivery } from '@waybill/shared';
import { z } from 'zod';
import type { ConnectorContext } from '../../define-connector.ts';
import { defineConnector } from '../../define-connector.ts';
import type { PublishEvent } from '../../define-trigger.ts';
import { nativeData, sandboxFeedTriggers } from '../sandbox-feed.ts';
import type { WireEvent } from '../sandbox-feed.ts';

const config = z.object({
  baseUrl: z.url().meta({ label: 'Base URL', description: 'Where the TMS API lives' }),
  apiKey: z.string().min(1).meta({ label: 'API key', secret: true }),
  webhookSecret: z.string().min(8).meta({ label: 'Webhook secret', secret: true }),
  pollIntervalMs: z.number().int().min(100).default(5_000).meta({ label: 'Poll interval (ms)' }),
});
type TmsConfig = z.output<typeof config>;

const nativeRating = z.object({
  shipmentRef: z.string().min(1),
  orderRef: z.string().min(1),
  scac: z.string().min(1),
  proNumber: z.string().min(1),
  currency: z.string().length(3),
  totalCharge: z.number().min(0),
  ratedAt: z.iso.datetime({ offset: true }),
  charges: z.array(
    z.object({
      code: z.enum(['LH', 'FSC', 'ACC', 'DSC']),
      amount: z.number(),
      desc: z.string().optional(),
    }),
  ),
});
const nativeStatus = z.object({
  shipmentRef: z.string().min(1),
  orderRef: z.string().min(1),
  scac: z.string().min(1),
  proNumber: z.string().min(1),
  statusCode: z.enum(['PU', 'IT', 'OFD', 'D1', 'EX']),
  at: z.iso.datetime({ offset: true }),
  city: z.string().optional(),
  remark: z.string().optional(),
});
const nativePod = z.object({
  documentId: z.string().min(1),
  shipmentRef: z.string().min(1),
  orderRef: z.string().min(1),
  scac: z.string().min(1),
  signedBy: z.string().min(1),
  deliveredAt: z.iso.datetime({ offset: true }),
  imageUrl: z.url().optional(),
  uploadedAt: z.iso.datetime({ offset: true }).optional(),
  damageNotes: z.string().optional(),
});

const chargeTypes = { LH: 'linehaul', FSC: 'fuel', ACC: 'accessorial', DSC: 'discount' } as const;
const statuses = {
  PU: 'picked-up',
  IT: 'in-transit',
  OFD: 'out-for-delivery',
  D1: 'delivered',
  EX: 'exception',
} as const;

function toFreightCharge(native: z.output<typeof nativeRating>): FreightCharge {
  return {
    shipmentId: native.shipmentRef,
    orderNumber: native.orderRef,
    carrier: native.scac,
    proNumber: native.proNumber,
    amount: native.totalCharge,
    currency: native.currency,
    ratedAt: native.ratedAt,
    terms: 'prepaid-and-add',
    components: native.charges.map((c) => ({
      type: chargeTypes[c.code],
      amount: c.amount,
      description: c.desc,
    })),
  };
}

function toProofOfDelivery(native: z.output<typeof nativePod>): ProofOfDelivery {
  return {
    documentId: native.documentId,
    // When the document reached the TMS; stable, so a redelivered POD maps to the same payload.
    receivedAt: native.uploadedAt ?? native.deliveredAt,
    shipmentId: native.shipmentRef,
    orderNumber: native.orderRef,
    deliveredAt: native.deliveredAt,
    signedBy: native.signedBy,
    carrier: native.scac,
    documentUrl: native.imageUrl,
    contentType: native.imageUrl === undefined ? undefined : 'image/png',
    exceptions:
      native.damageNotes === undefined
        ? undefined
        : [{ kind: 'damaged', note: native.damageNotes }],
  };
}

function toEvent(event: WireEvent): PublishEvent | null {
  const idempotencyKey = `tms:${event.eventId}`;
  switch (event.eventType) {
    case 'FREIGHT_RATED': {
      const charge = toFreightCharge(nativeData(nativeRating, event));
      return {
        type: 'freight.rated',
        correlationKey: charge.orderNumber ?? charge.shipmentId,
        idempotencyKey,
        occurredAt: charge.ratedAt,
        payload: charge,
      };
    }
    case 'STATUS': {
      const native = nativeData(nativeStatus, event);
      const update: DeliveryEvent = {
        shipmentId: native.shipmentRef,
        orderNumber: native.orderRef,
        carrier: native.scac,
        proNumber: native.proNumber,
        status: statuses[native.statusCode],
        occurredAt: native.at,
        location: native.city,
        note: native.remark,
      };
      return {
        type: 'delivery.updated',
        correlationKey: native.orderRef,
        idempotencyKey,
        occurredAt: native.at,
        payload: update,
      };
    }
    case 'POD': {
      const native = nativeData(nativePod, event);
      const pod = toProofOfDelivery(native);
      return {
        type: 'pod.received',
        correlationKey: native.orderRef,
        idempotencyKey,
        occurredAt: native.deliveredAt,
        payload: pod,
      };
    }
    default:
      return null;
  }
}

/**
 * The TMS / carrier sandbox connector, `waybill.tms-sandbox` version 1.
 *
 * ```ts
 * const charge = await invokeOperation(tmsSandboxConnector, 'getFreightCharge', {
 *   config: { baseUrl: tms.url, apiKey: TMS_SIMULATOR_API_KEY, webhookSecret: 'whsec-tms-1' },
 *   input: { shipmentId: 'SH-1001' }, idempotencyKey: 'inst-1:freight#1', correlationId: 'SO-1001',
 * });
 * ```
 */
export const tmsSandboxConnector = defineConnector({
  id: 'waybill.tms-sandbox',
  version: 1,
  kind: 'tms',
  displayName: 'TMS / carrier sandbox',
  description:
    'Freight charges, delivery status and proof of delivery from the local TMS simulator.',
  config,
  operations: ({ defineOperation }) => ({
    getFreightCharge: defineOperation({
      displayName: 'Get freight charge',
      description: "Reads a shipment's rated freight charge (linehaul, fuel, accessorials).",
      input: z.object({ shipmentId: z.string().min(1).meta({ label: 'Shipment' }) }),
      output: freightChargeSchema,
      idempotent: true,
      defaultTimeoutMs: 5_000,
      defaultRetry: {
        maxAttempts: 6,
        initialIntervalMs: 1_000,
        backoffCoefficient: 2,
        maxIntervalMs: 30_000,
      },
      run: async (ctx, input) => {
        const { body } = await ctx.http.request({
          method: 'GET',
          url: endpoint(ctx, `/shipments/${encodeURIComponent(input.shipmentId)}/freight`),
          headers: headers(ctx),
          schema: nativeRating,
        });
        return toFreightCharge(body);
      },
    }),
    getProofOfDelivery: defineOperation({
      displayName: 'Get proof of delivery',
      description: 'Reads a POD document: who signed, when it was delivered, where the image is.',
      input: z.object({ documentId: z.string().min(1).meta({ label: 'POD document' }) }),
      output: proofOfDeliverySchema,
      idempotent: true,
      defaultTimeoutMs: 5_000,
      run: async (ctx, input) => {
        const { body } = await ctx.http.request({
          method: 'GET',
          url: endpoint(ctx, `/pod/${encodeURIComponent(input.documentId)}`),
          headers: headers(ctx),
          schema: nativePod,
        });
        return toProofOfDelivery(body);
      },
    }),
  }),
  triggers: (helpers) =>
    sandboxFeedTriggers(helpers, {
      system: 'TMS',
      events: ['freight.rated', 'delivery.updated', 'pod.received'],
      toEvent,
    }),
});

function endpoint(ctx: ConnectorContext<TmsConfig>, path: string): string {
  return `${ctx.config.baseUrl.replace(/\/+$/, '')}${path}`;
}

function headers(ctx: ConnectorContext<TmsConfig>): Record<string, string> {
  return { authorization: `Bearer ${ctx.config.apiKey}`, 'x-correlation-id': ctx.correlationId };
}
