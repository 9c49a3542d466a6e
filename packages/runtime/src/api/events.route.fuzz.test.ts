import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHttpFixture } from '../../test/helpers.ts';
import type { HttpFixture } from '../../test/helpers.ts';
import { eventBodySchema } from './events.route.ts';

/** Cases per property: `FUZZ_RUNS` when set (for longer runs), else the suite's default. */
function fuzzRuns(suiteDefault: number): number {
  const fromEnv = Number(process.env['FUZZ_RUNS']);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : suiteDefault;
}

/** One request longer than this is a hang, however slow the machine: bodies are bounded in size. */
const CASE_BUDGET_MS = 5_000;
const MAX_EVENT_BYTES = 4096;

let fx: HttpFixture;
beforeAll(async () => {
  fx = await startHttpFixture({ maxEventBytes: MAX_EVENT_BYTES });
});
afterAll(() => fx.close());

const valid = {
  type: 'shipment.confirmed',
  correlationKey: 'SO-1001',
  payload: { shipmentId: 'SH-1', lines: [{ sku: 'A-1', qty: 4 }] },
  occurredAt: '2026-11-23T10:00:00Z',
};

/** Strings that upset databases, parsers and dates. */
const nasty = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '😀',
  "'; drop table events; --",
  'waybill.timer.fired',
  '2026-13-45T99:00:00Z',
  '2026-11-23T10:00:00',
  'x'.repeat(201),
  '__proto__',
  'constructor',
);
const text = fc.oneof(nasty, fc.string({ maxLength: 40, unit: 'grapheme' }));
const value = fc.oneof(
  text,
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, 0, -1, 1e308, true, [], {}),
);
const key = fc.oneof(
  fc.constantFrom('type', 'correlationKey', 'payload', 'occurredAt', 'extra', '__proto__'),
  text,
);

/** The valid event with fields removed, replaced and added, or any JSON value at all. */
const bodies = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(
        fc.array(fc.constantFrom('type', 'correlationKey', 'payload', 'occurredAt'), {
          maxLength: 2,
        }),
        fc.dictionary(key, value, { maxKeys: 3 }),
        fc.dictionary(text, value, { maxKeys: 4 }),
      )
      .map(([removed, replaced, payloadExtra]) => {
        const body: Record<string, unknown> = {
          ...valid,
          payload: { ...valid.payload, ...payloadExtra },
        };
        for (const field of removed) delete body[field];
        for (const [field, v] of Object.entries(replaced)) body[field] = v;
        return JSON.stringify(body);
      }),
  },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.nat(), fc.string({ maxLength: 5 })).map(([at, insert]) => {
      const json = JSON.stringify(valid);
      const i = at % json.length;
      return json.slice(0, i) + insert + json.slice(i + 1);
    }),
  },
  {
    weight: 1,
    arbitrary: fc
      .nat({ max: 3 * MAX_EVENT_BYTES })
      .map((n) => JSON.stringify({ ...valid, payload: { notes: 'x'.repeat(n) } })),
  },
);

let keys = 0;

describe('POST /api/v1/events under arbitrary bodies', () => {
  test(
    'answers 202 for a valid event and a JSON error naming the field for anything else, never 5xx',
    async () => {
      await fc.assert(
        fc.asyncProperty(bodies, async (body) => {
          keys += 1;
          const idempotencyKey = `fuzz-${keys}`;
          const started = performance.now();
          const res = await fetch(`${fx.baseUrl}/api/v1/events`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${fx.apiKey}`,
              'idempotency-key': idempotencyKey,
            },
            body,
          });
          const answer = (await res.json()) as {
            eventId?: string;
            error?: string;
            message?: string;
            fieldErrors?: { path: string; message: string }[];
          };
          expect(performance.now() - started).toBeLessThan(CASE_BUDGET_MS);
          const stored = await fx.testDb.db
            .selectFrom('events')
            .select(['id', 'payload'])
            .where('idempotency_key', '=', idempotencyKey)
            .execute();

          if (res.status === 202) {
            // Only a body the contract accepts is stored, once, exactly as sent.
            const parsed = eventBodySchema.safeParse(JSON.parse(body));
            expect(parsed.success).toBe(true);
            expect(stored.map((row) => row.id)).toEqual([answer.eventId]);
            if (parsed.success) expect(stored[0]!.payload).toEqual(parsed.data.payload);
            return;
          }
          expect([400, 413]).toContain(res.status);
          expect(stored).toEqual([]);
          expect(answer.error).toMatch(/^[a-z_]+$/);
          expect(answer.message?.trim()).not.toBe('');
          if (res.status === 400 && answer.error === 'invalid_event' && answer.fieldErrors) {
            for (const fieldError of answer.fieldErrors) {
              expect(fieldError.path).not.toBe('');
              expect(fieldError.message.trim()).not.toBe('');
            }
          }
        }),
        { numRuns: fuzzRuns(100) },
      );
    },
    fuzzRuns(100) * CASE_BUDGET_MS,
  );

  test('refuses text the database cannot store with a 400 naming the field', async () => {
    const post = (body: unknown, idempotencyKey: string) =>
      fetch(`${fx.baseUrl}/api/v1/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${fx.apiKey}`,
          'idempotency-key': idempotencyKey,
        },
        body: JSON.stringify(body),
      });
    const nul = await post(
      { ...valid, payload: { lines: [{ sku: 'A\u0000B', qty: 1 }] } },
      'unstorable-1',
    );
    expect(nul.status).toBe(400);
    expect(await nul.json()).toMatchObject({
      error: 'invalid_event',
      fieldErrors: [{ path: 'payload.lines.0.sku', message: expect.stringMatching(/U\+0000/) }],
    });
    const surrogate = await post({ ...valid, correlationKey: 'SO-\ud800' }, 'unstorable-2');
    expect(surrogate.status).toBe(400);
    expect(await surrogate.json()).toMatchObject({
      fieldErrors: [{ path: 'correlationKey' }],
    });
  });
});
