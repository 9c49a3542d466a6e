/**
 * Fault injection shared by every simulator: the ways real ERP, WMS and TMS endpoints misbehave,
 * switched on by probability with a seeded random generator, so a test that sets a seed sees the
 * same faults on every run.
 *
 * Set faults when starting a simulator (`faults` option) or at runtime:
 *
 * ```sh
 * curl -X POST localhost:4010/_faults -d '{"seed":7,"serverErrorRate":0.3,"rateLimitRate":0.1}'
 * ```
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';

const rate = z.number().min(0).max(1);

/**
 * What to inject; every `…Rate` is a probability in [0, 1] (0 = never, the default).
 *
 * ```ts
 * const faults: FaultConfig = { seed: 42, serverErrorRate: 0.2, rateLimitRate: 0.1, retryAfterSeconds: 1 };
 * ```
 */
export const faultConfigSchema = z.object({
  /** Seed of the random generator; the same seed gives the same sequence of faults. */
  seed: z.number().int().default(1),
  /** Added to every answer: a fixed delay or a `[min, max]` range in ms. */
  latencyMs: z
    .union([z.number().min(0), z.tuple([z.number().min(0), z.number().min(0)])])
    .default(0),
  /** Answer 500/502/503. */
  serverErrorRate: rate.default(0),
  /** Never answer (the connection hangs until the client gives up). */
  hangRate: rate.default(0),
  /**
   * Handle the request (an invoice is booked) but lose the answer: the connection drops, as when
   * a proxy times out after the system committed. Only an idempotency key prevents a double booking.
   */
  lostResponseRate: rate.default(0),
  /** Answer 429 with `Retry-After: retryAfterSeconds`. */
  rateLimitRate: rate.default(0),
  retryAfterSeconds: z.number().int().min(0).default(1),
  /** Deliver (or list) an event twice. */
  duplicateRate: rate.default(0),
  /** Hold an event back and deliver it after the next one. */
  outOfOrderRate: rate.default(0),
  /** Corrupt an event's payload (a required field dropped, a number turned into text). */
  malformedRate: rate.default(0),
  /** Request faults apply to these path prefixes only; all routes but `/healthz` and `/_faults` when empty. */
  paths: z.array(z.string()).default([]),
});
/**
 * Fault settings, defaults applied.
 *
 * ```ts
 * const none: FaultConfig = faultConfigSchema.parse({});
 * ```
 */
export type FaultConfig = z.output<typeof faultConfigSchema>;
/**
 * Fault settings as given (everything optional).
 *
 * ```ts
 * const faults: FaultOptions = { seed: 7, hangRate: 0.05 };
 * ```
 */
export type FaultOptions = z.input<typeof faultConfigSchema>;

/**
 * Mulberry32: a tiny, fast, seeded generator of numbers in [0, 1). Not for cryptography.
 *
 * ```ts
 * const random = seededRandom(42);
 * random(); // always the same first number for seed 42
 * ```
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * How one event is to be mangled on the wire.
 *
 * ```ts
 * const fate: EventFate = injector.eventFate(); // { duplicate: false, outOfOrder: true, malformed: false }
 * ```
 */
export interface EventFate {
  duplicate: boolean;
  outOfOrder: boolean;
  malformed: boolean;
}

/**
 * Counts of faults injected so far, for tests to check that a scenario really met them.
 *
 * ```ts
 * expect(wms.faults.stats().rateLimited).toBeGreaterThan(0);
 * ```
 */
export interface FaultStats {
  delayed: number;
  serverErrors: number;
  hung: number;
  lostResponses: number;
  rateLimited: number;
  duplicated: number;
  reordered: number;
  malformed: number;
}

/**
 * The fault state of one simulator.
 *
 * ```ts
 * const faults = new FaultInjector({ seed: 3, serverErrorRate: 0.5 });
 * if (await faults.interceptRequest(req, res)) return; // answered with a fault
 * ```
 */
export class FaultInjector {
  #config: FaultConfig;
  #random: () => number;
  #stats: FaultStats = emptyStats();
  readonly #hanging = new Set<ServerResponse>();

  constructor(options: FaultOptions = {}) {
    this.#config = faultConfigSchema.parse(options);
    this.#random = seededRandom(this.#config.seed);
  }

  get config(): FaultConfig {
    return structuredClone(this.#config);
  }

  /** Replaces the settings (and restarts the random sequence from the seed). */
  configure(options: FaultOptions): FaultConfig {
    this.#config = faultConfigSchema.parse(options);
    this.#random = seededRandom(this.#config.seed);
    this.#stats = emptyStats();
    return this.config;
  }

  stats(): FaultStats {
    return { ...this.#stats };
  }

  /**
   * Handles `GET`/`POST /_faults`, or applies request faults: returns true when the request was
   * answered (or left hanging) by a fault, false when the simulator should answer normally.
   */
  async interceptRequest(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
  ): Promise<boolean> {
    if (path === '/_faults') {
      await this.#control(req, res);
      return true;
    }
    if (path === '/healthz' || !this.#applies(path)) return false;
    const config = this.#config;
    if (this.#chance(config.hangRate)) {
      this.#stats.hung += 1;
      this.#hanging.add(res);
      res.once('close', () => this.#hanging.delete(res));
      return true;
    }
    const latency = this.#latency();
    if (latency > 0) {
      this.#stats.delayed += 1;
      await new Promise((resolve) => setTimeout(resolve, latency));
    }
    if (this.#chance(config.rateLimitRate)) {
      this.#stats.rateLimited += 1;
      res.writeHead(429, {
        'content-type': 'application/json',
        'retry-after': String(config.retryAfterSeconds),
      });
      res.end(JSON.stringify({ error: 'rate_limited', message: 'Too many requests' }));
      return true;
    }
    if (this.#chance(config.serverErrorRate)) {
      this.#stats.serverErrors += 1;
      const status = [500, 502, 503][Math.floor(this.#random() * 3)] ?? 503;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'server_error', message: `Injected ${status}` }));
      return true;
    }
    if (this.#chance(config.lostResponseRate)) {
      this.#stats.lostResponses += 1;
      loseResponse(res);
    }
    return false;
  }

  /** Decides, once per event, how it goes out on the wire. */
  eventFate(): EventFate {
    const fate = {
      duplicate: this.#chance(this.#config.duplicateRate),
      outOfOrder: this.#chance(this.#config.outOfOrderRate),
      malformed: this.#chance(this.#config.malformedRate),
    };
    if (fate.duplicate) this.#stats.duplicated += 1;
    if (fate.outOfOrder) this.#stats.reordered += 1;
    if (fate.malformed) this.#stats.malformed += 1;
    return fate;
  }

  /** Ends connections left hanging (on close, so the server can stop). */
  releaseHanging(): void {
    for (const res of this.#hanging) res.destroy();
    this.#hanging.clear();
  }

  #applies(path: string): boolean {
    const { paths } = this.#config;
    return paths.length === 0 || paths.some((prefix) => path.startsWith(prefix));
  }

  #chance(probability: number): boolean {
    return probability > 0 && this.#random() < probability;
  }

  #latency(): number {
    const { latencyMs } = this.#config;
    if (typeof latencyMs === 'number') return latencyMs;
    const [min, max] = latencyMs;
    return min + Math.floor(this.#random() * Math.max(0, max - min));
  }

  async #control(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET') return reply(200, { config: this.config, stats: this.stats() });
    if (req.method !== 'POST') return reply(405, { error: 'method_not_allowed' });
    let body: unknown;
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req)
        chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
      const text = Buffer.concat(chunks).toString('utf8');
      body = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      return reply(400, { error: 'invalid_json', message: 'Body must be JSON' });
    }
    const parsed = faultConfigSchema.safeParse(body);
    if (!parsed.success) {
      return reply(400, {
        error: 'validation',
        fieldErrors: parsed.error.issues.map((i) => ({
          path: i.path.join('.'),
          message: i.message,
        })),
      });
    }
    return reply(200, { config: this.configure(parsed.data) });
  }
}

/** Lets the handler run, then drops the connection instead of sending its answer. */
function loseResponse(res: ServerResponse): void {
  const drop = (): ServerResponse => {
    res.socket?.destroy();
    return res;
  };
  Object.defineProperty(res, 'writeHead', { value: () => res });
  Object.defineProperty(res, 'setHeader', { value: () => res });
  Object.defineProperty(res, 'write', { value: () => true });
  Object.defineProperty(res, 'end', { value: drop });
}

function emptyStats(): FaultStats {
  return {
    delayed: 0,
    serverErrors: 0,
    hung: 0,
    lostResponses: 0,
    rateLimited: 0,
    duplicated: 0,
    reordered: 0,
    malformed: 0,
  };
}
