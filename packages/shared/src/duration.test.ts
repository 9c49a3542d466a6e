import { describe, expect, test } from 'vitest';
import { DurationError, durationToMs, resolveDuration } from './duration.ts';

describe('durationToMs', () => {
  test.each([
    ['PT48H', 48 * 3_600_000],
    ['P2D', 2 * 86_400_000],
    ['PT30M', 30 * 60_000],
    ['PT45S', 45_000],
    ['P1DT2H3M4S', 86_400_000 + 2 * 3_600_000 + 3 * 60_000 + 4_000],
  ])('%s is %i ms', (text, ms) => {
    expect(durationToMs(text)).toBe(ms);
  });

  test.each(['', 'P', 'PT', '48h', 'P1W', 'P1Y'])('%j is rejected', (text) => {
    expect(() => durationToMs(text)).toThrow(DurationError);
  });
});

describe('resolveDuration', () => {
  const parameters = [
    { name: 'sla', type: 'duration' as const, default: 'P3D', value: 'P1D' },
    { name: 'fallback', type: 'duration' as const, default: 'PT1H' },
    { name: 'unset', type: 'duration' as const },
    { name: 'tolerance', type: 'number' as const, default: 2 },
  ];

  test('uses the deployed value, else the default', () => {
    expect(resolveDuration({ param: 'sla' }, parameters)).toBe(86_400_000);
    expect(resolveDuration({ param: 'fallback' }, parameters)).toBe(3_600_000);
  });

  test.each([
    ['missing', 'DURATION_UNKNOWN_PARAMETER'],
    ['tolerance', 'DURATION_NOT_A_DURATION_PARAMETER'],
    ['unset', 'DURATION_UNSET'],
  ])('{ param: %s } fails with %s', (param, code) => {
    expect(() => resolveDuration({ param }, parameters)).toThrow(expect.objectContaining({ code }));
  });
});
