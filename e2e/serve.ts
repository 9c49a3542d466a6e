/**
 * The platform the browser tests run against: the real runtime (on a fresh PostgreSQL database when
 * DATABASE_URL is set, else in-memory PGlite) serving the designer's production build, with the
 * billing-readiness template deployed and a real ERP simulator on its own port.
 *
 * Ports: the platform on E2E_PORT (default 3100), the ERP simulator on E2E_ERP_PORT (default 3199).
 * The API key is fixed (E2E_API_KEY) so tests can call the external API; the demo's users are
 * seeded with the password E2E_PASSWORD (fixtures/auth.ts signs tests in).
 */
import { ERP_SIMULATOR_API_KEY, startErpSimulator } from '@waybill/connectors-sdk/simulators';
import { createLogger, createPlatform, loadTemplate, seedDemoUsers } from '@waybill/runtime';
import { createTestDatabase, type TestDatabase } from '@waybill/runtime/testing';

import { E2E_API_KEY, E2E_PASSWORD, E2E_PORT, ERP_PORT } from './e2e-env.ts';

const port = E2E_PORT;
const erpPort = ERP_PORT;
const apiKey = E2E_API_KEY;

const testDb: TestDatabase = await createTestDatabase();
const erp = await startErpSimulator({ port: erpPort, host: '127.0.0.1' });
const platform = await createPlatform({
  connection: testDb.connection,
  apiKey,
  // The administrator `admin` signs in with the same password as the demo users.
  adminPassword: E2E_PASSWORD,
  logger: createLogger({ level: 'warn' }),
  pollIntervalMs: 100,
  connectorConfigs: { 'waybill.erp-sandbox': { baseUrl: erp.url, apiKey: ERP_SIMULATOR_API_KEY } },
});
await platform.deploy(loadTemplate('billing-readiness').definition, {
  note: 'Shipped template',
  publishedBy: 'e2e',
});
// Opens a human task (for the credit group) on every `credit.held`: the inbox specs work it.
await platform.deploy(loadTemplate('credit-hold-review').definition, {
  note: 'Shipped template',
  publishedBy: 'e2e',
});
// The demo's users (a process owner, an operator, two approvers per approver role), all with one password.
await seedDemoUsers(platform.db, { password: E2E_PASSWORD });
const url = await platform.listen({ port, host: '127.0.0.1' });
console.log(`e2e platform at ${url} (database: ${testDb.url}, ERP simulator: ${erp.url})`);

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await platform.close();
  await erp.close();
  await testDb.drop();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
