/**
 * A scripted ledger connector and a one-call flow for the incident tests: the next calls fail as
 * `ledger.script` says (then as `ledger.otherwise`), and every call is recorded.
 */
import { ConnectorError, defineConnector } from '@waybill/connectors-sdk';
import type { FlowDefinitionInput } from '@waybill/shared';
import { z } from 'zod';

type LedgerOutcome = 'ok' | 'permanent' | 'retryable' | 'rateLimited';

/** What the ledger does on the next calls, and what it saw. */
export const ledger = {
  script: [] as LedgerOutcome[],
  otherwise: 'ok' as LedgerOutcome,
  calls: [] as { key: string; at: number }[],
  reset(): void {
    ledger.script = [];
    ledger.otherwise = 'ok';
    ledger.calls = [];
  },
};

export const ledgerConnector = defineConnector({
  id: 'test.ledger',
  version: 1,
  kind: 'erp',
  displayName: 'Test ledger',
  description: 'Posts entries; fails as the test scripts it.',
  config: z.object({}),
  operations: ({ defineOperation }) => ({
    post: defineOperation({
      displayName: 'Post',
      description: 'Posts an entry.',
      input: z.object({ orderNumber: z.string() }),
      output: z.object({ entry: z.string() }),
      idempotent: true,
      defaultTimeoutMs: 5_000,
      run: (ctx, input) => {
        ledger.calls.push({ key: ctx.idempotencyKey, at: Date.now() });
        const next = ledger.script.shift() ?? ledger.otherwise;
        if (next === 'permanent')
          return Promise.reject(new ConnectorError('PERMANENT', 'account closed'));
        if (next === 'retryable')
          return Promise.reject(new ConnectorError('RETRYABLE', 'ledger busy'));
        if (next === 'rateLimited')
          return Promise.reject(
            new ConnectorError('RATE_LIMITED', 'slow down', { retryAfterMs: 60_000 }),
          );
        return Promise.resolve({ entry: `E-${input.orderNumber}` });
      },
    }),
  }),
});

/**
 * `order.released` → post to the ledger (no `error` exit, so a failure opens an incident) → end.
 * Another connector with a `post({ orderNumber })` operation may stand in for the ledger.
 */
export function ledgerPostFlow(maxAttempts: number, connector = 'test.ledger') {
  return {
    key: connector === 'test.ledger' ? 'post-entry' : `post-${connector.replace('.', '-')}`,
    name: 'Post entry',
    trigger: { event: 'order.released', assign: 'order' },
    variables: [
      { name: 'order', type: { object: { orderNumber: 'string' } } },
      { name: 'entry', type: 'any' },
    ],
    nodes: [
      { id: 'start', type: 'start' },
      {
        id: 'post',
        type: 'connectorCall',
        connector,
        operation: 'post',
        input: { orderNumber: { kind: 'expr', expr: 'order.orderNumber' } },
        resultVariable: 'entry',
        retry: { maxAttempts, initialIntervalMs: 0, backoffCoefficient: 1, maxIntervalMs: 0 },
      },
      { id: 'done', type: 'end', outcome: 'posted' },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'post' },
      { id: 'e2', source: 'post', sourceHandle: 'success', target: 'done' },
    ],
  } satisfies FlowDefinitionInput;
}
