/**
 * Connector secrets: encrypted at rest, masked by the API, kept when a form is saved without
 * them, never logged, and a wrong key is reported by connector config, not decrypted to garbage.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '../src/api/routers/_app.ts';
import { signInOverHttp, type HttpSession } from '../src/identity/testing.ts';
import { createUser } from '../src/identity/users.ts';
import { ConnectorConfigStore, SECRET_MASK } from '../src/connectors/config-store.ts';
import { createConnectorService } from '../src/connectors/connector-service.ts';
import {
  generateSecretKey,
  keyringOf,
  loadSecretKeyring,
  parseSecretKey,
} from '../src/connectors/secret-box.ts';
import { createLogger } from '../src/log.ts';
import { createPlatform, type Platform } from '../src/platform.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing.ts';

const execFileAsync = promisify(execFile);
const ERP = 'waybill.erp-sandbox';
const WMS = 'waybill.wms-sandbox';
const API_KEY = 'erp-live-key-7f3a9c2e51';
const WEBHOOK_SECRET = 'whsec-wms-0c8d4b1a';

let testDb: TestDatabase;
let platform: Platform;
let baseUrl: string;
/** An operator: holds `connectors:manage`. */
let session: HttpSession;
const lines: string[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
  platform = await createPlatform({
    connection: testDb.connection,
    logger: createLogger({ level: 'debug', write: (line) => lines.push(line) }),
    worker: false,
    designerDir: null,
    apiKey: 'wb_secrets_test',
  });
  baseUrl = await platform.listen({ port: 0, host: '127.0.0.1' });
  await createUser(
    testDb.db,
    {
      username: 'ops',
      displayName: 'Ops',
      password: 'a long test passphrase',
      roles: ['operator'],
    },
    { actor: 'test' },
  );
  session = await signInOverHttp(baseUrl, 'ops', 'a long test passphrase');
});
afterAll(async () => {
  await platform.close();
  await testDb.drop();
});

const client = () =>
  createTRPCClient<AppRouter>({
    links: [httpBatchLink({ url: `${baseUrl}/trpc`, headers: () => session.headers })],
  });

describe('connector configs over the API', () => {
  it('stores secret fields encrypted and returns them masked', async () => {
    const api = client();
    const saved = await api.connectors.saveConfig.mutate({
      connectorId: ERP,
      values: { baseUrl: 'http://127.0.0.1:4010', apiKey: API_KEY },
    });
    expect(saved.values).toEqual({ baseUrl: 'http://127.0.0.1:4010', apiKey: SECRET_MASK });
    expect(saved.secretsSet).toEqual(['apiKey']);

    const row = await testDb.db
      .selectFrom('connector_configs')
      .selectAll()
      .where('connector_id', '=', ERP)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(API_KEY);
    expect(row.settings).toEqual({ baseUrl: 'http://127.0.0.1:4010' });
    expect(row.secrets).toMatch(/^wbs1\./);

    const listed = JSON.stringify([
      await api.connectors.configs.query(),
      await api.connectors.config.query({ connectorId: ERP }),
    ]);
    expect(listed).not.toContain(API_KEY);
    expect(listed).toContain(SECRET_MASK);
    // The worker's view is decrypted.
    expect(platform.connectorConfigs[ERP]).toEqual({
      baseUrl: 'http://127.0.0.1:4010',
      apiKey: API_KEY,
    });
  });

  it('keeps a stored secret when a form is saved without it or with the mask', async () => {
    const api = client();
    await api.connectors.saveConfig.mutate({
      connectorId: ERP,
      values: { baseUrl: 'http://127.0.0.1:4011', apiKey: SECRET_MASK },
    });
    expect(platform.connectorConfigs[ERP]).toEqual({
      baseUrl: 'http://127.0.0.1:4011',
      apiKey: API_KEY,
    });
    await api.connectors.saveConfig.mutate({
      connectorId: ERP,
      values: { baseUrl: 'http://127.0.0.1:4012' },
    });
    expect(platform.connectorConfigs[ERP]?.apiKey).toBe(API_KEY);
    await api.connectors.saveConfig.mutate({
      connectorId: ERP,
      values: { baseUrl: 'http://127.0.0.1:4012', apiKey: 'erp-rotated-key-2' },
    });
    expect(platform.connectorConfigs[ERP]?.apiKey).toBe('erp-rotated-key-2');
    await api.connectors.saveConfig.mutate({
      connectorId: ERP,
      values: { baseUrl: 'http://127.0.0.1:4010', apiKey: API_KEY },
    });
  });

  it('refuses an invalid config naming the field, without echoing the secret', async () => {
    const error = await client()
      .connectors.saveConfig.mutate({
        connectorId: WMS,
        values: { baseUrl: 'not a url', apiKey: API_KEY, webhookSecret: WEBHOOK_SECRET },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    const message = error instanceof Error ? error.message : '';
    expect(message).toContain(`connector config ${WMS}`);
    expect(message).toContain('baseUrl');
    expect(JSON.stringify(error)).not.toContain(API_KEY);
    expect(JSON.stringify(error)).not.toContain(WEBHOOK_SECRET);
    await expect(
      client().connectors.saveConfig.mutate({ connectorId: 'acme.nope', values: {} }),
    ).rejects.toMatchObject({ data: { code: 'NOT_FOUND' } });
  });

  it('never writes a secret to the log', () => {
    platform.logger.info('calling the ERP', {
      url: `http://127.0.0.1:4010/invoices?key=${API_KEY}`,
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    const log = lines.join('\n');
    expect(log).toContain('connector config saved');
    expect(log).toContain('[REDACTED]');
    expect(log).not.toContain(API_KEY);
  });
});

describe('keys', () => {
  it('reports a wrong key by connector config instead of decrypting garbage', async () => {
    const store = new ConnectorConfigStore({
      db: testDb.db,
      registry: platform.registry,
      keyring: keyringOf([generateSecretKey()]),
    });
    const error = await store.resolveAll().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CONFIG_UNREADABLE', connectorId: ERP });
    expect(error instanceof Error ? error.message : '').toMatch(
      /^connector config waybill\.erp-sandbox: the secrets encrypted with key [0-9a-f]{12}, which is neither WAYBILL_SECRET_KEY/,
    );
    // Listing still works, masked.
    const listed = await store.list();
    expect(listed.find((c) => c.connectorId === ERP)?.values.apiKey).toBe(SECRET_MASK);
    await expect(
      createConnectorService({
        db: testDb.db,
        registry: platform.registry,
        logger: createLogger({ level: 'silent' }),
        keyDir: null,
        keyring: keyringOf([generateSecretKey()]),
      }),
    ).rejects.toThrow(/connector config waybill\.erp-sandbox/);
  });

  it('rotates: secrets under the previous key are re-encrypted under the new one', async () => {
    const oldKey = generateSecretKey();
    const newKey = generateSecretKey();
    const db = await createTestDatabase();
    try {
      const before = new ConnectorConfigStore({
        db: db.db,
        registry: platform.registry,
        keyring: keyringOf([oldKey]),
      });
      await before.save(ERP, {
        values: { baseUrl: 'http://127.0.0.1:4010', apiKey: API_KEY },
        actor: 'ops',
      });
      const service = await createConnectorService({
        db: db.db,
        registry: platform.registry,
        logger: createLogger({ level: 'silent' }),
        keyDir: null,
        keyring: keyringOf([newKey, oldKey]),
      });
      expect(service.configs[ERP]?.apiKey).toBe(API_KEY);
      const row = await db.db
        .selectFrom('connector_configs')
        .select('key_id')
        .executeTakeFirstOrThrow();
      expect(row.key_id).toBe(newKey.id);
      const after = new ConnectorConfigStore({
        db: db.db,
        registry: platform.registry,
        keyring: keyringOf([newKey]),
      });
      expect((await after.resolveAll())[ERP]?.apiKey).toBe(API_KEY);
    } finally {
      await db.drop();
    }
  });

  it('generates the embedded key once, readable by its owner only, and says so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'waybill-key-'));
    try {
      const created: string[] = [];
      const first = loadSecretKeyring({ env: {}, dataDir: dir, onCreate: (f) => created.push(f) });
      expect(first.source).toBe('created');
      expect(created).toEqual([join(dir, 'secret-key')]);
      expect(statSync(join(dir, 'secret-key')).mode & 0o777).toBe(0o600);
      const again = loadSecretKeyring({ env: {}, dataDir: dir, onCreate: (f) => created.push(f) });
      expect(again.source).toBe('file');
      expect(again.current.id).toBe(first.current.id);
      expect(created).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives processes that start together on a fresh data dir the same key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'waybill-key-'));
    const module = new URL('../src/connectors/secret-box.ts', import.meta.url).href;
    const script = `const { loadSecretKeyring } = await import(${JSON.stringify(module)});
      process.stdout.write(loadSecretKeyring({ env: {}, dataDir: ${JSON.stringify(dir)} }).current.id);`;
    try {
      const ids = await Promise.all(
        Array.from({ length: 4 }, () =>
          execFileAsync(process.execPath, ['--input-type=module', '-e', script]).then(
            ({ stdout }) => stdout,
          ),
        ),
      );
      expect(new Set(ids).size).toBe(1);
      expect(ids[0]).toBe(loadSecretKeyring({ env: {}, dataDir: dir }).current.id);
      expect(readdirSync(dir)).toEqual(['secret-key']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes WAYBILL_SECRET_KEY as hex or base64 and refuses anything else', () => {
    const hex = 'a'.repeat(64);
    const fromHex = loadSecretKeyring({ env: { WAYBILL_SECRET_KEY: hex }, dataDir: null });
    const base64 = Buffer.from(hex, 'hex').toString('base64');
    expect(parseSecretKey(base64, 'test').id).toBe(fromHex.current.id);
    expect(() =>
      loadSecretKeyring({ env: { WAYBILL_SECRET_KEY: 'hunter2' }, dataDir: null }),
    ).toThrow(/WAYBILL_SECRET_KEY must be 32 random bytes/);
  });
});
