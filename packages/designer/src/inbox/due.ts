/** How the inbox writes due dates: relative to now, so an approver sees what burns first. */

function span(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  if (minutes < 60) return `${Math.max(minutes, 1)} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.round(hours / 24)} d`;
}

/**
 * "due in 3 h", "overdue by 2 d", or "no due date".
 *
 * ```ts
 * formatDue('2026-11-24T12:00:00Z', Date.parse('2026-11-24T09:00:00Z')); // 'due in 3 h'
 * ```
 */
export function formatDue(iso: string | null, now: number = Date.now()): string {
  if (!iso) return 'no due date';
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  const ms = time - now;
  return ms >= 0 ? `due in ${span(ms)}` : `overdue by ${span(ms)}`;
}

/** `soon` within 4 hours, `overdue` past due, else `later` (for the badge's colour). */
export function dueTone(
  iso: string | null,
  now: number = Date.now(),
): 'overdue' | 'soon' | 'later' {
  if (!iso) return 'later';
  const ms = Date.parse(iso) - now;
  if (ms < 0) return 'overdue';
  return ms < 4 * 3_600_000 ? 'soon' : 'later';
}
