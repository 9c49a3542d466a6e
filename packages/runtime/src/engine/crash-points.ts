/**
 * Crash points: named places in the engine where a test can make the process die with SIGKILL,
 * to prove that a crash exactly there loses and repeats nothing. A testing facility only:
 * armed by `WAYBILL_CRASH_AT=<point>[:<nth>]` (read once, when this module loads), and a no-op
 * function otherwise.
 *
 * ```sh
 * # The worker dies in its second transition transaction, after all writes, before COMMIT.
 * WAYBILL_CRASH_AT=advance.before-commit:2 waybill worker
 * ```
 * Before dying the process writes `waybill crash point <point> reached (pid <pid>)` to stderr,
 * so a test can tell the point was reached rather than the process dying of something else.
 * @module
 */
import { writeSync } from 'node:fs';

/** Where the engine can be made to crash. */
export const CRASH_POINTS = [
  /** Transition transaction: snapshots, outbox, timers, audit rows and inbox written; no COMMIT yet. */
  'advance.before-commit',
  /** Transition committed; workers not yet woken. */
  'advance.after-commit',
  /** Routing transaction: instances started, messages written, events marked; no COMMIT yet. */
  'route.before-commit',
  /** A connector call returned successfully; its result is not recorded yet. */
  'effect.after-call',
  /** Result and the instance's inbox message written (and applied, if the instance was free); no COMMIT yet. */
  'effect.before-record-commit',
  /** Result recorded (and applied, if the instance was free) and committed; workers not yet woken. */
  'effect.after-record',
  /** Due timers marked fired and their messages written; no COMMIT yet. */
  'timer.before-commit',
  /** Events about to be written (one statement that commits on its own); nothing stored, the client gets no answer. */
  'ingest.before-commit',
  /** Events committed; the client is not answered yet (it must send again). */
  'ingest.after-commit',
] as const;

export type CrashPoint = (typeof CRASH_POINTS)[number];

/** The environment variable that arms a crash point. */
export const CRASH_AT_ENV = 'WAYBILL_CRASH_AT';

/** Parses `<point>[:<nth>]`; throws on anything else so a typo never passes silently. */
export function parseCrashAt(text: string): { point: CrashPoint; nth: number } {
  const [name = '', nthText, ...rest] = text.split(':');
  const point = CRASH_POINTS.find((p) => p === name);
  const nth = nthText === undefined ? 1 : Number(nthText);
  if (!point || rest.length > 0 || !Number.isInteger(nth) || nth < 1) {
    throw new Error(
      `${CRASH_AT_ENV}=${text}: expected <point>[:<nth>] with a point among ${CRASH_POINTS.join(', ')} and nth a positive integer.`,
    );
  }
  return { point, nth };
}

function armed(setting: { point: CrashPoint; nth: number }): (point: CrashPoint) => void {
  let passes = 0;
  return (point) => {
    if (point !== setting.point || ++passes < setting.nth) return;
    // Synchronous, so the line is out before the process is gone.
    writeSync(2, `waybill crash point ${point} reached (pid ${process.pid})\n`);
    process.kill(process.pid, 'SIGKILL');
  };
}

function disarmed(): void {}

const setting = process.env[CRASH_AT_ENV];

/**
 * Dies here with SIGKILL if `WAYBILL_CRASH_AT` names this point (on its nth pass); does
 * nothing otherwise.
 */
export const crashPoint: (point: CrashPoint) => void = setting
  ? armed(parseCrashAt(setting))
  : disarmed;
