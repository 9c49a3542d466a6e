import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { ConnectorError, isConnectorError } from './connector.error.ts';
import { defineConnector } from './define-connector.ts';
import type { AnyConnector } from './define-connector.ts';
import { invokeOperation } from './invoke-operation.ts';

/** Records what each run saw, so tests can inspect the context after the call settles. */
const seen: { signal?: AbortSignal; config?: unknown } = {};

const calculator = defineConnector({
  id: 'test.calculator',
  version: 2,
  kind: 'erp',
  displayName: 'Calculator',
  description: 'Adds invoice lines; misbehaves on request.',
  config: z.object({
    region: z.enum(['eu', 'us']),
    precision: z.number().int().default(2),
  }),
  operations: ({ defineOperation }) => ({
    total: defineOperation({
      displayName: 'Total',
      description: 'Sums the lines.',
      input: z.object({
        currency: z.string().regex(/^[A-Z]{3}$/),
        lines: z.array(z.object({ quantity: z.number().positive(), unitPrice: z.number() })).min(1),
      }),
      output: z.object({ total: z.number(), currency: z.string() }),
      idempotent: true,
      defaultTimeoutMs: 1_000,
      run: (ctx, input) => {
        seen.config = ctx.config;
        const total = input.lines.reduce((sum, l) => sum + l.quantity * l.unitPrice, 0);
        return Promise.resolve({
          total: Number(total.toFixed(ctx.config.precision)),
          currency: input.currency,
        });
      },
    }),
    misbehave: defineOperation({
      displayName: 'Misbehave',
      description: 'Fails in the way the input says.',
      input: z.object({
        how: z.enum([
          'throw',
          'throwSync',
          'permanent',
          'wrongOutput',
          'waitForAbort',
          'ignoreAbort',
        ]),
      }),
      output: z.object({ done: z.boolean() }),
      idempotent: false,
      defaultTimeoutMs: 5_000,
      // Deliberately not async: 'throwSync' must throw before any promise exists.
      run: (ctx, input) => {
        seen.signal = ctx.signal;
        switch (input.how) {
          case 'throw':
            return Promise.reject(new TypeError('cannot read properties of undefined'));
          case 'throwSync':
            throw new RangeError('out of range');
          case 'permanent':
            return Promise.reject(new ConnectorError('PERMANENT', 'customer is blocked'));
          case 'wrongOutput':
            // Lies to the compiler on purpose: output validation must catch what types cannot.
            return Promise.resolve({ done: 'yes' } as unknown as { done: boolean });
          case 'waitForAbort':
            return new Promise((_, reject) => {
              ctx.signal.addEventListener('abort', () => reject(new Error('aborted by signal')));
            });
          case 'ignoreAbort':
            return new Promise(() => {});
        }
      },
    }),
  }),
});

const loose: AnyConnector = calculator;
const base = { idempotencyKey: 'inst-1:node#1', correlationId: 'SO-1' };
const validInput = { currency: 'USD', lines: [{ quantity: 2, unitPrice: 10 }] };

async function failureOf(promise: Promise<unknown>): Promise<ConnectorError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isConnectorError(error)) throw new Error(`expected a ConnectorError, got ${String(error)}`);
  return error;
}

describe('invokeOperation', () => {
  test('validates config and input, runs, and returns the validated output', async () => {
    const output = await invokeOperation(calculator, 'total', {
      ...base,
      config: { region: 'eu' },
      input: {
        currency: 'EUR',
        lines: [
          { quantity: 3, unitPrice: 0.5 },
          { quantity: 1, unitPrice: 2 },
        ],
      },
    });
    expect(output).toEqual({ total: 3.5, currency: 'EUR' });
    expect(seen.config).toEqual({ region: 'eu', precision: 2 }); // defaults applied
  });

  test('invalid input is VALIDATION naming every bad field path', async () => {
    const error = await failureOf(
      invokeOperation(calculator, 'total', {
        ...base,
        config: { region: 'eu' },
        input: { currency: 'usd', lines: [{ quantity: 0, unitPrice: 1 }] },
      }),
    );
    expect(error).toMatchObject({ code: 'VALIDATION', retryable: false });
    expect(error.message).toContain('test.calculator@2 total: invalid input');
    expect(error.message).toContain('currency:');
    expect(error.message).toContain('lines.0.quantity:');
    expect(error.details).toMatchObject({
      target: 'input',
      issues: [{ path: 'currency' }, { path: 'lines.0.quantity' }],
    });
  });

  test('invalid config is VALIDATION naming the config field', async () => {
    const error = await failureOf(
      // Held as AnyConnector, as the runtime holds it: config arrives untyped from storage.
      invokeOperation(loose, 'total', { ...base, config: { region: 'mars' }, input: validInput }),
    );
    expect(error.code).toBe('VALIDATION');
    expect(error.message).toContain('invalid config: region:');
    expect(error.details).toMatchObject({ target: 'config', issues: [{ path: 'region' }] });
  });

  test('output that breaks the output schema is VALIDATION on the output', async () => {
    const error = await failureOf(
      invokeOperation(calculator, 'misbehave', {
        ...base,
        config: { region: 'us' },
        input: { how: 'wrongOutput' },
      }),
    );
    expect(error.code).toBe('VALIDATION');
    expect(error.details).toMatchObject({ target: 'output', issues: [{ path: 'done' }] });
  });

  test.each(['throw', 'throwSync'] as const)(
    'an unknown error (%s) is wrapped as RETRYABLE with the original as cause',
    async (how) => {
      const error = await failureOf(
        invokeOperation(calculator, 'misbehave', {
          ...base,
          config: { region: 'us' },
          input: { how },
        }),
      );
      expect(error).toMatchObject({ code: 'RETRYABLE', retryable: true });
      expect(error.message).toContain('test.calculator@2 misbehave failed');
      expect(error.cause).toBeInstanceOf(Error);
    },
  );

  test('a ConnectorError thrown by the operation comes out unchanged', async () => {
    const error = await failureOf(
      invokeOperation(calculator, 'misbehave', {
        ...base,
        config: { region: 'us' },
        input: { how: 'permanent' },
      }),
    );
    expect(error).toMatchObject({
      code: 'PERMANENT',
      retryable: false,
      message: 'customer is blocked',
    });
  });

  test.each(['waitForAbort', 'ignoreAbort'] as const)(
    'an operation still running at its timeout (%s) fails with TIMEOUT and its signal is aborted',
    async (how) => {
      const error = await failureOf(
        invokeOperation(calculator, 'misbehave', {
          ...base,
          config: { region: 'us' },
          input: { how },
          timeoutMs: 30,
        }),
      );
      expect(error).toMatchObject({ code: 'TIMEOUT', retryable: true, details: { timeoutMs: 30 } });
      expect(error.message).toContain('did not finish within 30 ms');
      expect(seen.signal?.aborted).toBe(true);
    },
  );

  test('cancelling through the caller signal fails the call as RETRYABLE', async () => {
    const controller = new AbortController();
    const call = invokeOperation(calculator, 'misbehave', {
      ...base,
      config: { region: 'us' },
      input: { how: 'ignoreAbort' },
      signal: controller.signal,
    });
    controller.abort(new Error('worker shutting down'));
    const error = await failureOf(call);
    expect(error.code).toBe('RETRYABLE');
    expect(error.message).toContain('cancelled');
    expect(seen.signal?.aborted).toBe(true);
  });

  test('an unknown operation name is PERMANENT and lists the real ones', async () => {
    const error = await failureOf(
      invokeOperation(calculator, 'refund' as 'total', {
        ...base,
        config: { region: 'us' },
        input: validInput,
      }),
    );
    expect(error.code).toBe('PERMANENT');
    expect(error.message).toContain('no such operation (it has: total, misbehave)');
  });
});
