/**
 * Settings shared by the property-based ("fuzz") tests: how many cases each property tries and
 * how long one case may take before it counts as a hang.
 *
 * `FUZZ_RUNS=5000 npx vitest run src/expression` tries 5,000 cases per property instead of the
 * suite's default.
 * @module
 */
import type fc from 'fast-check';

/** Cases per property: `FUZZ_RUNS` when set, else the suite's default. */
export function fuzzRuns(suiteDefault: number): number {
  const fromEnv = Number(process.env['FUZZ_RUNS']);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : suiteDefault;
}

/** fast-check parameters for one property: the run count, and a seed from `FUZZ_SEED` to replay. */
export function fuzzParameters(suiteDefault: number): fc.Parameters<unknown> {
  const seed = Number(process.env['FUZZ_SEED']);
  return {
    numRuns: fuzzRuns(suiteDefault),
    ...(Number.isInteger(seed) ? { seed } : {}),
  };
}

/** One case longer than this is a hang, however slow the machine: inputs are bounded in size. */
export const CASE_BUDGET_MS = 2_000;

/** The outcome of one call: its value or what it threw, and how long it took. */
export type Timed<T> =
  { ok: true; value: T; ms: number } | { ok: false; error: unknown; ms: number };

/** Calls `run` and reports its value or error and its duration. */
export function timed<T>(run: () => T): Timed<T> {
  const start = performance.now();
  try {
    const value = run();
    return { ok: true, value, ms: performance.now() - start };
  } catch (error) {
    return { ok: false, error, ms: performance.now() - start };
  }
}

/** The test's own time limit: every case may use its whole budget, so it never cuts a long run short. */
export function fuzzTimeout(suiteDefault: number): number {
  return fuzzRuns(suiteDefault) * CASE_BUDGET_MS;
}
