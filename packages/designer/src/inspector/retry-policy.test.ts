import { describe, expect, it } from 'vitest';
import { defaultRetry, describeRetry } from './retry-policy.ts';

describe('describeRetry', () => {
  it('spells out the waits between attempts, capped by the longest wait', () => {
    expect(describeRetry(defaultRetry)).toBe(
      'Up to 5 attempts, waiting 1 s, 2 s, 4 s, 8 s between them.',
    );
    expect(
      describeRetry({
        maxAttempts: 4,
        initialIntervalMs: 500,
        backoffCoefficient: 3,
        maxIntervalMs: 2000,
      }),
    ).toBe('Up to 4 attempts, waiting 500 ms, 1.5 s, 2 s between them.');
    expect(describeRetry({ ...defaultRetry, maxAttempts: 1 })).toBe('One attempt, no retries.');
    expect(describeRetry({ ...defaultRetry, maxAttempts: 20 })).toMatch(/, … between them\.$/);
  });
});
