/* eslint-disable @typescript-eslint/no-unsafe-assignment -- the @ts-expect-error cases below produce error-typed values on purpose */
import { describe, expectTypeOf, test } from 'vitest';
import { z } from 'zod';
import { erpSandboxConnector } from './connectors/erp-sandbox/erp-sandbox.connector.ts';
import { defineConnector } from './define-connector.ts';
import type {
  AnyConnector,
  ConnectorConfig,
  ConnectorContext,
  OperationInput,
  OperationOutput,
} from './define-connector.ts';
import type { HttpResponse } from './http-client.ts';
import { invokeOperation } from './invoke-operation.ts';

const shipments = defineConnector({
  id: 'test.shipments',
  version: 1,
  kind: 'wms',
  displayName: 'Shipments',
  description: 'Type inference fixture.',
  config: z.object({
    baseUrl: z.url(),
    token: z.string().meta({ secret: true }),
    pageSize: z.number().int().default(50),
  }),
  operations: ({ defineOperation }) => ({
    confirm: defineOperation({
      displayName: 'Confirm',
      description: 'Confirms a shipment.',
      input: z.object({
        shipmentId: z.string(),
        quantity: z.number().optional(),
        mode: z.enum(['full', 'partial']).default('full'),
      }),
      output: z.object({ confirmedAt: z.string(), lines: z.number() }),
      idempotent: true,
      defaultTimeoutMs: 1_000,
      run: async (ctx, input) => {
        expectTypeOf(ctx).toEqualTypeOf<
          ConnectorContext<{ baseUrl: string; token: string; pageSize: number }>
        >();
        expectTypeOf(input).toEqualTypeOf<{
          shipmentId: string;
          quantity?: number | undefined;
          mode: 'full' | 'partial';
        }>();
        const typed = await ctx.http.request({
          method: 'GET',
          url: ctx.config.baseUrl,
          schema: z.object({ n: z.number() }),
        });
        expectTypeOf(typed).toEqualTypeOf<HttpResponse<{ n: number }>>();
        const untyped = await ctx.http.request({ method: 'GET', url: ctx.config.baseUrl });
        expectTypeOf(untyped.body).toBeUnknown();
        return { confirmedAt: new Date().toISOString(), lines: typed.body.n };
      },
    }),
  }),
});

describe('defineConnector infers types from the zod schemas', () => {
  test('config, input and output helper types', () => {
    expectTypeOf<ConnectorConfig<typeof shipments>>().toEqualTypeOf<{
      baseUrl: string;
      token: string;
      pageSize: number;
    }>();
    expectTypeOf<OperationInput<typeof shipments, 'confirm'>>().toEqualTypeOf<{
      shipmentId: string;
      quantity?: number | undefined;
      mode?: 'full' | 'partial' | undefined;
    }>();
    expectTypeOf<OperationOutput<typeof shipments, 'confirm'>>().toEqualTypeOf<{
      confirmedAt: string;
      lines: number;
    }>();
    expectTypeOf(shipments).toExtend<AnyConnector>();
    expectTypeOf(erpSandboxConnector).toExtend<AnyConnector>();
  });

  test('run must return what the output schema accepts', () => {
    defineConnector({
      id: 'test.bad',
      version: 1,
      kind: 'erp',
      displayName: 'Bad',
      description: 'Returns the wrong type.',
      config: z.object({ baseUrl: z.url() }),
      operations: ({ defineOperation }) => ({
        op: defineOperation({
          displayName: 'Op',
          description: 'Op',
          input: z.object({ a: z.string() }),
          output: z.object({ total: z.number() }),
          idempotent: true,
          defaultTimeoutMs: 1_000,
          // @ts-expect-error total must be a number
          run: (_ctx, input) => Promise.resolve({ total: input.a }),
        }),
      }),
    });
  });

  test('ctx.config only has the declared fields', () => {
    defineConnector({
      id: 'test.bad',
      version: 1,
      kind: 'erp',
      displayName: 'Bad',
      description: 'Reads an undeclared config field.',
      config: z.object({ baseUrl: z.url() }),
      operations: ({ defineOperation }) => ({
        op: defineOperation({
          displayName: 'Op',
          description: 'Op',
          input: z.object({}),
          output: z.object({ url: z.string() }),
          idempotent: true,
          defaultTimeoutMs: 1_000,
          // @ts-expect-error apiKey is not part of the config
          run: (ctx) => Promise.resolve({ url: ctx.config.apiKey }),
        }),
      }),
    });
  });
});

describe('invokeOperation is typed by the connector', () => {
  const options = {
    config: { baseUrl: 'http://erp', apiKey: 'k' },
    idempotencyKey: 'k',
    correlationId: 'c',
  };

  test('resolves to the operation output', () => {
    expectTypeOf(
      invokeOperation(erpSandboxConnector, 'getBillingProfile', {
        ...options,
        input: { customerId: 'C-1' },
      }),
    ).resolves.toEqualTypeOf<{
      customerId: string;
      podRequired: boolean;
      invoiceMode: 'per-shipment' | 'consolidated';
      paymentTermsDays: number;
      ediInvoiceRequired: boolean;
    }>();
    expectTypeOf(
      invokeOperation(erpSandboxConnector, 'postInvoice', {
        ...options,
        input: { orderNumber: 'SO-1', customerId: 'C-1', currency: 'USD', lines: [] },
      }),
    ).resolves.toEqualTypeOf<{
      invoiceNumber: string;
      total: number;
      postedAt: string;
      duplicate: boolean;
    }>();
  });

  test('rejects unknown operations and mistyped input at compile time', () => {
    // @ts-expect-error no such operation
    void invokeOperation(erpSandboxConnector, 'voidInvoice', { ...options, input: {} });
    // @ts-expect-error customerId is required
    void invokeOperation(erpSandboxConnector, 'getBillingProfile', { ...options, input: {} });
  });

  test('a connector held as AnyConnector accepts any operation name and unknown input', () => {
    const held: AnyConnector = erpSandboxConnector;
    expectTypeOf(
      invokeOperation(held, 'postInvoice', { ...options, input: { anything: 1 } }),
    ).resolves.toBeUnknown();
  });
});

describe('triggers', () => {
  test('ctx.config is typed in a trigger, and publish only takes known events with their payloads', () => {
    defineConnector({
      id: 'test.typed-trigger',
      version: 1,
      kind: 'wms',
      displayName: 'Typed trigger',
      description: 'Type test.',
      config: z.object({ folder: z.string(), pollIntervalMs: z.number().default(1_000) }),
      operations: ({ defineOperation }) => ({
        ping: defineOperation({
          displayName: 'Ping',
          description: 'Nothing.',
          input: z.object({}),
          output: z.object({}),
          idempotent: true,
          defaultTimeoutMs: 1_000,
          run: () => Promise.resolve({}),
        }),
      }),
      triggers: ({ defineTrigger }) => ({
        inbound: defineTrigger({
          kind: 'polling',
          displayName: 'Inbound',
          description: 'Type test.',
          events: ['pod.received'],
          activate: async (ctx) => {
            expectTypeOf(ctx.config).toEqualTypeOf<{ folder: string; pollIntervalMs: number }>();
            await ctx.publish({
              type: 'pod.received',
              correlationKey: 'SO-1',
              idempotencyKey: 'k',
              payload: { documentId: 'POD-1', receivedAt: '2026-11-24T09:30:00Z' },
            });
            await ctx.publish({
              type: 'pod.received',
              correlationKey: 'SO-1',
              idempotencyKey: 'k',
              // @ts-expect-error documentId is required by the pod.received payload
              payload: { receivedAt: '2026-11-24T09:30:00Z' },
            });
            const unknownEvent = {
              type: 'order.shipped',
              correlationKey: 'SO-1',
              idempotencyKey: 'k',
              payload: {},
            } as const;
            // @ts-expect-error not a publishable event type
            await ctx.publish(unknownEvent);
            return { deactivate: () => {} };
          },
        }),
      }),
    });
  });
});
