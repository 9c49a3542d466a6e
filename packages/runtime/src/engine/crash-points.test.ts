import { describe, expect, it } from 'vitest';
import { CRASH_POINTS, crashPoint, parseCrashAt } from './crash-points.ts';

describe('WAYBILL_CRASH_AT', () => {
  it('names a point and optionally the pass to die on', () => {
    expect(parseCrashAt('effect.after-call')).toEqual({ point: 'effect.after-call', nth: 1 });
    expect(parseCrashAt('advance.before-commit:3')).toEqual({
      point: 'advance.before-commit',
      nth: 3,
    });
  });

  it.each(['', 'effect.after', 'advance.before-commit:0', 'timer.before-commit:x', 'a:1:2'])(
    'refuses %j with the list of points',
    (text) => {
      expect(() => parseCrashAt(text)).toThrow(
        new RegExp(`expected <point>\\[:<nth>\\] with a point among ${CRASH_POINTS[0]}`),
      );
    },
  );

  it('does nothing when unset', () => {
    // The test process runs without WAYBILL_CRASH_AT: passing every point must not kill it.
    for (const point of CRASH_POINTS) crashPoint(point);
    expect(process.env.WAYBILL_CRASH_AT).toBeUndefined();
  });
});
