/**
 * Password hashing with scrypt (node:crypto). The stored form carries its parameters, so the
 * cost can rise later without invalidating existing hashes:
 * `scrypt$<log2 N>$<r>$<p>$<salt base64url>$<hash base64url>`.
 * @module
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** scrypt cost parameters. */
export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  logN: number;
  r: number;
  p: number;
}

/**
 * The default: N = 2^17, r = 8, p = 1 (OWASP's scrypt minimum; 128 MiB and about 0.3 s per hash
 * on one core of the reference machine). `WAYBILL_SCRYPT_LOG_N` lowers it for test databases.
 */
export const DEFAULT_SCRYPT: ScryptParams = {
  logN: scryptLogNFromEnv() ?? 17,
  r: 8,
  p: 1,
};

function scryptLogNFromEnv(): number | null {
  const value = Number(process.env.WAYBILL_SCRYPT_LOG_N);
  return Number.isInteger(value) && value >= 10 && value <= 20 ? value : null;
}

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.logN;
  const options: ScryptOptions = {
    N,
    r: params.r,
    p: params.p,
    // scrypt needs 128·N·r bytes; leave headroom above Node's 32 MiB default.
    maxmem: 256 * N * params.r + 1024 * 1024,
  };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

/**
 * Hashes a password with a fresh random salt.
 *
 * ```ts
 * const stored = await hashPassword('correct horse battery staple');
 * await verifyPassword('correct horse battery staple', stored); // true
 * ```
 */
export async function hashPassword(
  password: string,
  params: ScryptParams = DEFAULT_SCRYPT,
): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, params);
  return [
    'scrypt',
    params.logN,
    params.r,
    params.p,
    salt.toString('base64url'),
    key.toString('base64url'),
  ].join('$');
}

/** A hash of a random password: verifying against it costs the same as against a real one. */
let decoy: Promise<string> | null = null;

/**
 * Checks a password against a stored hash in constant time. A null or malformed hash is checked
 * against a decoy, so an unknown user takes as long as a wrong password.
 */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const parsed = stored === null ? null : parseHash(stored);
  if (!parsed) {
    decoy ??= hashPassword(randomBytes(16).toString('hex'));
    const fallback = parseHash(await decoy);
    if (fallback) await derive(password, fallback.salt, fallback.params);
    return false;
  }
  const key = await derive(password, parsed.salt, parsed.params);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}

function parseHash(stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [logN, r, p] = parts.slice(1, 4).map(Number);
  if (!Number.isInteger(logN) || !Number.isInteger(r) || !Number.isInteger(p)) return null;
  if (logN === undefined || r === undefined || p === undefined || logN < 10 || logN > 22)
    return null;
  const salt = Buffer.from(parts[4] ?? '', 'base64url');
  const key = Buffer.from(parts[5] ?? '', 'base64url');
  if (salt.length === 0 || key.length !== KEY_LENGTH) return null;
  return { params: { logN, r, p }, salt, key };
}

/** Whether a stored hash uses weaker parameters than the default (re-hash on next sign-in). */
export function needsRehash(stored: string, params: ScryptParams = DEFAULT_SCRYPT): boolean {
  const parsed = parseHash(stored);
  return !parsed || parsed.params.logN < params.logN || parsed.params.r < params.r;
}

/** The smallest acceptable password: 12 characters (NIST SP 800-63B allows 8; we ask more). */
export const MIN_PASSWORD_LENGTH = 12;
