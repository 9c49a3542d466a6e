/**
 * ISO-8601 durations as used by timers, timeouts and task due dates.
 * @module
 */
import type { Duration, ParameterDeclaration } from './flow.schema.ts';

const isoDuration = /^P(?!$)(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/**
 * Milliseconds in an ISO-8601 duration of days, hours, minutes and seconds (a day is 24 h).
 *
 * ```ts
 * durationToMs('PT48H'); // 172_800_000
 * durationToMs('P1DT30M'); // 88_200_000
 * ```
 * @throws DurationError (`DURATION_INVALID`) for any other text.
 */
export function durationToMs(duration: string): number {
  const match = isoDuration.exec(duration);
  if (!match) {
    throw new DurationError(
      'DURATION_INVALID',
      `'${duration}' is not an ISO-8601 duration like PT48H`,
    );
  }
  const [days, hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0));
  return ((((days ?? 0) * 24 + (hours ?? 0)) * 60 + (minutes ?? 0)) * 60 + (seconds ?? 0)) * 1000;
}

/**
 * Milliseconds of a duration written in a flow: ISO text, or `{ param }` resolved from the
 * flow's parameters (`value ?? default`).
 *
 * ```ts
 * resolveDuration({ param: 'readinessSla' }, flow.parameters); // e.g. 259_200_000 for P3D
 * ```
 * @throws DurationError (`DURATION_UNKNOWN_PARAMETER`, `DURATION_NOT_A_DURATION_PARAMETER`,
 * `DURATION_UNSET`, `DURATION_INVALID`).
 */
export function resolveDuration(
  duration: Duration,
  parameters: readonly ParameterDeclaration[],
): number {
  if (typeof duration === 'string') return durationToMs(duration);
  const parameter = parameters.find((p) => p.name === duration.param);
  if (!parameter) {
    throw new DurationError('DURATION_UNKNOWN_PARAMETER', `no parameter named '${duration.param}'`);
  }
  if (parameter.type !== 'duration') {
    throw new DurationError(
      'DURATION_NOT_A_DURATION_PARAMETER',
      `parameter '${duration.param}' is a ${parameter.type}, not a duration`,
    );
  }
  const value = parameter.value ?? parameter.default;
  if (typeof value !== 'string') {
    throw new DurationError(
      'DURATION_UNSET',
      `parameter '${duration.param}' has no duration value`,
    );
  }
  return durationToMs(value);
}

export type DurationErrorCode =
  | 'DURATION_INVALID'
  | 'DURATION_UNKNOWN_PARAMETER'
  | 'DURATION_NOT_A_DURATION_PARAMETER'
  | 'DURATION_UNSET';

/**
 * A duration that cannot be turned into milliseconds.
 *
 * ```ts
 * try { durationToMs('2 days'); } catch (e) { if (e instanceof DurationError) console.log(e.code); }
 * ```
 */
export class DurationError extends Error {
  override readonly name = 'DurationError';
  readonly code: DurationErrorCode;

  constructor(code: DurationErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
