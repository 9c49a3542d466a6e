import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { erpSandboxConnector } from '../connectors/erp-sandbox/erp-sandbox.connector.ts';
import { invokeOperation } from '../invoke-operation.ts';
import { ERP_SIMULATOR_API_KEY, startErpSimulator } from './erp-simulator.ts';
import type { ErpSimulator } from './erp-simulator.ts';
import { FaultInjector, seededRandom } from './faults.ts';

let erp: ErpSimulator;
beforeAll(async () => {
  erp = await startErpSimulator();
});
afterAll(async () => {
  await erp.close();
});

const readProfile = (timeoutMs?: number) =>
  invokeOperation(erpSandboxConnector, 'getBillingProfile', {
    config: { baseUrl: erp.url, apiKey: ERP_SIMULATOR_API_KEY },
    input: { customerId: 'C-100' },
    idempotencyKey: 'k',
    correlationId: 'SO-1',
    timeoutMs,
  });

const setFaults = async (faults: unknown) => {
  const response = await fetch(`${erp.url}/_faults`, {
    method: 'POST',
    body: JSON.stringify(faults),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe('fault injection', () => {
  test('the same seed gives the same faults', () => {
    const draw = (seed: number) => {
      const faults = new FaultInjector({ seed, duplicateRate: 0.5, outOfOrderRate: 0.5 });
      return Array.from({ length: 20 }, () => faults.eventFate());
    };
    expect(draw(9)).toEqual(draw(9));
    expect(draw(9)).not.toEqual(draw(10));
    expect(seededRandom(1)()).toBe(seededRandom(1)());
  });

  test('POST /_faults switches faults on at runtime and rejects bad settings', async () => {
    expect(await setFaults({ serverErrorRate: 2 })).toMatchObject({ status: 400 });

    await setFaults({ rateLimitRate: 1, retryAfterSeconds: 3 });
    await expect(readProfile()).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      retryable: true,
      retryAfterMs: 3_000,
    });

    await setFaults({ serverErrorRate: 1 });
    await expect(readProfile()).rejects.toMatchObject({ code: 'RETRYABLE' });

    await setFaults({ hangRate: 1 });
    await expect(readProfile(200)).rejects.toMatchObject({ code: 'TIMEOUT' });

    await setFaults({ latencyMs: 30 });
    await expect(readProfile()).resolves.toMatchObject({ customerId: 'C-100' });
    expect(erp.faults.stats().delayed).toBe(1);

    await setFaults({});
    await expect(readProfile()).resolves.toMatchObject({ customerId: 'C-100' });
  });

  test('health checks are never faulted', async () => {
    await setFaults({ serverErrorRate: 1, hangRate: 1 });
    expect((await fetch(`${erp.url}/healthz`)).status).toBe(200);
    await setFaults({});
  });
});
