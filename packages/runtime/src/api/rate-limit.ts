/**
 * Per-key rate limiting for the external API: a token bucket per API key, in the memory of each
 * process (so N platform processes allow N times the rate; put a shared limit in the load
 * balancer if that matters).
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
    const { ratePerSecond, burst } = this.config;
    if (ratePerSecond <= 0) return { allowed: true };
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
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    // Retry-After is whole seconds (RFC 9110); round up so a client that waits is let in.
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerSecond)),
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
