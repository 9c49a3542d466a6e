/**
 * Rate limits as token buckets: per API key for the external API, per client address for failed
 * sign-ins. Kept in the memory of each process (so N platform processes allow N times the rate;
 * put a shared limit in the load balancer if that matters).
 * @module
 */

/** Requests per second and the burst a key may spend at once; `ratePerSecond: 0` turns it off. */
export interface RateLimitConfig {
  ratePerSecond: number;
  burst: number;
}

/** The outcome of taking one token. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Buckets kept before idle (full) ones are dropped, so unknown keys cannot grow the map forever. */
const MAX_BUCKETS = 10_000;

/**
 * Reads `WAYBILL_RATE_LIMIT` (requests per second per key, default 1000; `0` turns limiting off)
 * and `WAYBILL_RATE_LIMIT_BURST` (default twice the rate).
 *
 * ```ts
 * const config = rateLimitFromEnv({ WAYBILL_RATE_LIMIT: '50' }); // { ratePerSecond: 50, burst: 100 }
 * ```
 */
export function rateLimitFromEnv(
  env: Record<string, string | undefined> = process.env,
): RateLimitConfig {
  const rate = parseNonNegative(env.WAYBILL_RATE_LIMIT, 'WAYBILL_RATE_LIMIT') ?? 1000;
  const burst = parseNonNegative(env.WAYBILL_RATE_LIMIT_BURST, 'WAYBILL_RATE_LIMIT_BURST');
  return { ratePerSecond: rate, burst: Math.max(1, burst ?? rate * 2) };
}

/**
 * Failed sign-ins allowed from one client address: `WAYBILL_SIGN_IN_FAILURES` at once (default
 * 20; `0` turns the limit off), then one more every `WAYBILL_SIGN_IN_FAILURE_INTERVAL` seconds
 * (default 30). Beyond that every sign-in from the address is refused with 429 and `Retry-After`
 * before its password is checked, so guessing across many accounts (which the per-account
 * lockout does not see) is slowed down, and no one can spend the server's CPU on scrypt at will.
 *
 * ```ts
 * signInThrottleFromEnv({ WAYBILL_SIGN_IN_FAILURES: '5' }); // { ratePerSecond: 1 / 30, burst: 5 }
 * ```
 */
export function signInThrottleFromEnv(
  env: Record<string, string | undefined> = process.env,
): RateLimitConfig {
  const burst = parseNonNegative(env.WAYBILL_SIGN_IN_FAILURES, 'WAYBILL_SIGN_IN_FAILURES') ?? 20;
  const interval =
    parseNonNegative(env.WAYBILL_SIGN_IN_FAILURE_INTERVAL, 'WAYBILL_SIGN_IN_FAILURE_INTERVAL') ??
    30;
  if (burst === 0) return { ratePerSecond: 0, burst: 1 };
  return { ratePerSecond: 1 / Math.max(1, interval), burst };
}

function parseNonNegative(value: string | undefined, name: string): number | null {
  if (value === undefined || value.trim() === '') return null;
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0)
    throw new Error(`${name} must be a number ≥ 0 (got ${JSON.stringify(value)}).`);
  return number;
}

/**
 * A token bucket per key: each key holds up to `burst` tokens, refilled at `ratePerSecond`;
 * a request takes one.
 *
 * ```ts
 * const limiter = new RateLimiter({ ratePerSecond: 10, burst: 20 });
 * const decision = limiter.take(apiKeyId);
 * if (!decision.allowed) reply.code(429).header('Retry-After', decision.retryAfterSeconds);
 * ```
 */
export class RateLimiter {
  readonly config: RateLimitConfig;
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;

  constructor(config: RateLimitConfig, options: { now?: () => number } = {}) {
    this.config = config;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Takes a token for `key`, or says how many whole seconds until one is available. */
  take(key: string): RateDecision {
    if (this.config.ratePerSecond <= 0) return { allowed: true };
    const bucket = this.#refilled(key);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return this.#refusal(bucket);
  }

  /**
   * Whether `key` has a token left, without taking it: for limits that count only some requests
   * (failed sign-ins) but must refuse every request once spent.
   *
   * ```ts
   * if (!failures.peek(ip).allowed) return refuse();
   * if (!(await signIn())) failures.take(ip);
   * ```
   */
  peek(key: string): RateDecision {
    if (this.config.ratePerSecond <= 0) return { allowed: true };
    const bucket = this.#buckets.get(key);
    if (bucket === undefined) return { allowed: true };
    const refilled = this.#refilled(key);
    return refilled.tokens >= 1 ? { allowed: true } : this.#refusal(refilled);
  }

  #refilled(key: string): Bucket {
    const { ratePerSecond, burst } = this.config;
    const now = this.#now();
    const bucket = this.#buckets.get(key) ?? { tokens: burst, updatedAt: now };
    bucket.tokens = Math.min(
      burst,
      bucket.tokens + ((now - bucket.updatedAt) / 1000) * ratePerSecond,
    );
    bucket.updatedAt = now;
    if (!this.#buckets.has(key)) {
      if (this.#buckets.size >= MAX_BUCKETS) this.#dropFullBuckets(now);
      this.#buckets.set(key, bucket);
    }
    return bucket;
  }

  /** Retry-After is whole seconds (RFC 9110); rounded up so a client that waits is let in. */
  #refusal(bucket: Bucket): RateDecision {
    return {
      allowed: false,
      // (less a nanosecond, so that a float sum such as 10.000000000000002 s says 10)
      retryAfterSeconds: Math.max(
        1,
        Math.ceil((1 - bucket.tokens) / this.config.ratePerSecond - 1e-9),
      ),
    };
  }

  #dropFullBuckets(now: number): void {
    const { ratePerSecond, burst } = this.config;
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + ((now - bucket.updatedAt) / 1000) * ratePerSecond >= burst)
        this.#buckets.delete(key);
    }
  }
}
