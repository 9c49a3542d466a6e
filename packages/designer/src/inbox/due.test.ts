import { describe, expect, test } from 'vitest';
import { dueTone, formatDue } from './due.ts';

const now = Date.parse('2026-11-24T09:00:00Z');

describe('formatDue', () => {
  test.each([
    ['2026-11-24T12:00:00Z', 'due in 3 h', 'soon'],
    ['2026-11-24T09:20:00Z', 'due in 20 min', 'soon'],
    ['2026-11-27T09:00:00Z', 'due in 3 d', 'later'],
    ['2026-11-24T07:00:00Z', 'overdue by 2 h', 'overdue'],
    ['2026-11-21T09:00:00Z', 'overdue by 3 d', 'overdue'],
  ])('%s reads "%s"', (iso, text, tone) => {
    expect(formatDue(iso, now)).toBe(text);
    expect(dueTone(iso, now)).toBe(tone);
  });

  test('a task without a due date says so', () => {
    expect(formatDue(null, now)).toBe('no due date');
    expect(dueTone(null, now)).toBe('later');
  });
});
