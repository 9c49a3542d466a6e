/**
 * Encryption at rest of connector secrets: AES-256-GCM with a random 96-bit IV per value, the
 * owner (the connector id) as additional authenticated data, and the id of the key in the
 * ciphertext, so a key can be rotated while rows encrypted under the previous one stay readable.
 *
 * ```text
 * wbs1.<key id>.<iv>.<auth tag>.<ciphertext>      (base64url parts)
 * ```
 *
 * The key comes from `WAYBILL_SECRET_KEY` (32 bytes as 64 hex digits or base64); previous keys,
 * still accepted for reading, from `WAYBILL_SECRET_KEY_PREVIOUS` (comma-separated). Without
 * `WAYBILL_SECRET_KEY`, a key is generated once into `$WAYBILL_DATA_DIR/secret-key` (mode 0600).
 * @module
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

const FORMAT = 'wbs1';
const KEY_BYTES = 32;
const IV_BYTES = 12;

/** One key: its bytes and the id written into what it encrypts. */
export interface SecretKey {
  /** First 12 hex digits of a hash of the key: identifies it without revealing it. */
  readonly id: string;
  readonly bytes: Buffer;
}

/** The key that encrypts, and every key that may decrypt (the current one included). */
export interface SecretKeyring {
  readonly current: SecretKey;
  readonly keys: ReadonlyMap<string, SecretKey>;
  /** Where the current key came from. */
  readonly source: 'env' | 'file' | 'created' | 'ephemeral';
  /** The key file, when the key lives in one. */
  readonly file: string | null;
}

/** Why a secret could not be encrypted or decrypted. */
export type SecretErrorCode = 'INVALID_KEY' | 'UNKNOWN_KEY' | 'WRONG_KEY' | 'MALFORMED';

/**
 * A key that cannot be used, or a ciphertext that cannot be decrypted with the keys at hand.
 *
 * ```ts
 * try { openSecret(keyring, stored, 'waybill.erp-sandbox'); }
 * catch (e) { if (e instanceof SecretBoxError && e.code === 'UNKNOWN_KEY') console.error(e.message); }
 * ```
 */
export class SecretBoxError extends Error {
  override readonly name = 'SecretBoxError';
  readonly code: SecretErrorCode;
  /** The key id named by the ciphertext, when it names one. */
  readonly keyId: string | null;
  constructor(code: SecretErrorCode, message: string, keyId: string | null = null) {
    super(message);
    this.code = code;
    this.keyId = keyId;
  }
}

/**
 * Reads a 32-byte key written as 64 hex digits or as base64; `where` names its origin in errors.
 *
 * ```ts
 * const key = parseSecretKey(process.env.WAYBILL_SECRET_KEY ?? '', 'WAYBILL_SECRET_KEY');
 * ```
 */
export function parseSecretKey(text: string, where: string): SecretKey {
  const trimmed = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : /^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)
      ? Buffer.from(trimmed, 'base64')
      : null;
  if (bytes?.length !== KEY_BYTES) {
    throw new SecretBoxError(
      'INVALID_KEY',
      `${where} must be 32 random bytes written as 64 hex digits or base64 ` +
        '(e.g. the output of `openssl rand -hex 32`)',
    );
  }
  return keyOf(bytes);
}

function keyOf(bytes: Buffer): SecretKey {
  const id = createHash('sha256')
    .update('waybill-secret-key:')
    .update(bytes)
    .digest('hex')
    .slice(0, 12);
  return { id, bytes };
}

/**
 * A keyring from explicit keys: the first encrypts, all decrypt (tests, key rotation).
 *
 * ```ts
 * const keyring = keyringOf([parseSecretKey(newKey, 'new key'), parseSecretKey(oldKey, 'old key')]);
 * ```
 */
export function keyringOf(
  keys: readonly SecretKey[],
  source: SecretKeyring['source'] = 'env',
  file: string | null = null,
): SecretKeyring {
  const [current] = keys;
  if (!current) throw new SecretBoxError('INVALID_KEY', 'a keyring needs at least one key');
  return { current, keys: new Map(keys.map((k) => [k.id, k])), source, file };
}

/**
 * Generates a fresh random key (what `openssl rand -hex 32` prints).
 *
 * ```ts
 * const keyring = keyringOf([generateSecretKey()], 'ephemeral');
 * ```
 */
export function generateSecretKey(): SecretKey {
  return keyOf(randomBytes(KEY_BYTES));
}

/**
 * Loads the keyring: `WAYBILL_SECRET_KEY` (+ `WAYBILL_SECRET_KEY_PREVIOUS`) when set; else the
 * key saved under `dataDir` (created on first use with mode 0600 and reported through `onCreate`);
 * with no data dir (an in-memory database), a key that lives as long as the process.
 *
 * ```ts
 * const keyring = loadSecretKeyring({ env: process.env, dataDir: './.waybill',
 *   onCreate: (file) => logger.warn('generated a secret key', { file }) });
 * ```
 */
export function loadSecretKeyring(options: {
  env: Readonly<Record<string, string | undefined>>;
  dataDir: string | null;
  onCreate?: (file: string) => void;
}): SecretKeyring {
  const previous = (options.env.WAYBILL_SECRET_KEY_PREVIOUS ?? '')
    .split(',')
    .map((text) => text.trim())
    .filter((text) => text !== '')
    .map((text, index) =>
      parseSecretKey(text, `WAYBILL_SECRET_KEY_PREVIOUS (key ${String(index + 1)})`),
    );
  const fromEnv = options.env.WAYBILL_SECRET_KEY;
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    return keyringOf([parseSecretKey(fromEnv, 'WAYBILL_SECRET_KEY'), ...previous], 'env');
  }
  if (options.dataDir === null) return keyringOf([generateSecretKey(), ...previous], 'ephemeral');
  const file = join(options.dataDir, 'secret-key');
  if (existsSync(file)) {
    return keyringOf([parseSecretKey(readFileSync(file, 'utf8'), file), ...previous], 'file', file);
  }
  const key = generateSecretKey();
  mkdirSync(options.dataDir, { recursive: true });
  // Written aside, then linked into place: the key file appears complete or not at all, and a
  // process starting at the same moment (several workers) that linked first wins; its key is used.
  const draft = `${file}.${String(process.pid)}.${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, key.bytes.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  try {
    chmodSync(draft, 0o600);
    linkSync(draft, file);
  } catch (error) {
    if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) throw error;
    return keyringOf([parseSecretKey(readFileSync(file, 'utf8'), file), ...previous], 'file', file);
  } finally {
    unlinkSync(draft);
  }
  options.onCreate?.(file);
  return keyringOf([key, ...previous], 'created', file);
}

/**
 * Encrypts `plaintext` for `owner` (bound as additional data: the ciphertext of one connector's
 * secrets cannot be passed off as another's).
 *
 * ```ts
 * const stored = sealSecret(keyring, JSON.stringify({ apiKey }), 'waybill.erp-sandbox');
 * ```
 */
export function sealSecret(keyring: SecretKeyring, plaintext: string, owner: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyring.current.bytes, iv);
  cipher.setAAD(Buffer.from(owner, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [
    FORMAT,
    keyring.current.id,
    iv.toString('base64url'),
    cipher.getAuthTag().toString('base64url'),
    ciphertext.toString('base64url'),
  ].join('.');
}

/**
 * The key id a sealed value names (`null` when it is not a sealed value).
 *
 * ```ts
 * if (sealedKeyId(stored) !== keyring.current.id) reseal(); // rotation
 * ```
 */
export function sealedKeyId(sealed: string): string | null {
  const parts = sealed.split('.');
  return parts.length === 5 && parts[0] === FORMAT ? (parts[1] ?? null) : null;
}

/**
 * Decrypts what {@link sealSecret} produced for the same `owner`. Fails with `UNKNOWN_KEY` when
 * the key it names is not in the keyring, `WRONG_KEY` when authentication fails (a different key
 * with a colliding id, a tampered value, or another owner's value), `MALFORMED` otherwise.
 *
 * ```ts
 * const secrets = JSON.parse(openSecret(keyring, stored, 'waybill.erp-sandbox'));
 * ```
 */
export function openSecret(keyring: SecretKeyring, sealed: string, owner: string): string {
  const [format, keyId, iv, tag, ciphertext] = sealed.split('.');
  if (
    format !== FORMAT ||
    keyId === undefined ||
    iv === undefined ||
    tag === undefined ||
    ciphertext === undefined
  ) {
    throw new SecretBoxError('MALFORMED', `not a ${FORMAT} sealed value`);
  }
  const key = keyring.keys.get(keyId);
  if (!key) {
    throw new SecretBoxError(
      'UNKNOWN_KEY',
      `encrypted with key ${keyId}, which is neither WAYBILL_SECRET_KEY (key ${keyring.current.id}) ` +
        'nor one of WAYBILL_SECRET_KEY_PREVIOUS',
      keyId,
    );
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.bytes, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(owner, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([
      decipher.update(Buffer.from(ciphertext, 'base64url')),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    throw new SecretBoxError(
      'WRONG_KEY',
      `cannot be decrypted with key ${keyId}: the key differs from the one that encrypted it, ` +
        'or the stored value was altered',
      keyId,
    );
  }
}
