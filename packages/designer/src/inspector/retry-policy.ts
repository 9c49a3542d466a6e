/** How a connector call's retry policy reads to a user, and the policy used when none is set. */
import { retryPolicySchema } from '@waybill/shared';
import type { RetryPolicy } from '@waybill/shared';

/** The platform's retry policy when a node sets none (the schema's defaults). */
export const defaultRetry: RetryPolicy = retryPolicySchema.parse({});

function seconds(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  return s < 60 ? `${Number(s.toFixed(1))} s` : `${Number((s / 60).toFixed(1))} min`;
}

/** "Up to 5 attempts, waiting 1 s, 2 s, 4 s, 8 s between them." */
export function describeRetry(policy: RetryPolicy): string {
  if (policy.maxAttempts <= 1) return 'One attempt, no retries.';
  const waits: string[] = [];
  let wait = policy.initialIntervalMs;
  for (let i = 1; i < policy.maxAttempts && waits.length < 5; i += 1) {
    waits.push(seconds(Math.min(wait, policy.maxIntervalMs)));
    wait *= policy.backoffCoefficient;
  }
  const more = policy.maxAttempts - 1 > waits.length ? ', …' : '';
  return `Up to ${policy.maxAttempts} attempts, waiting ${waits.join(', ')}${more} between them.`;
}
