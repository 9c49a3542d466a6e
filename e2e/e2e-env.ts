/**
 * Fixed addresses and keys of the platform the browser tests run against (see `serve.ts`).
 * The database is a throwaway one, so a fixed API key is harmless here.
 */
export const E2E_PORT = Number(process.env.E2E_PORT ?? 3100);
export const E2E_API_KEY = process.env.E2E_API_KEY ?? 'wb_e2e_throwaway_key_0001';
export const ERP_PORT = Number(process.env.E2E_ERP_PORT ?? 3199);
export const ERP_URL = `http://127.0.0.1:${ERP_PORT}`;
export const ERP_API_KEY = 'erp-sandbox-key';
/** The password of every user `serve.ts` seeds (the demo's users: `owner`, `operator`, `cora.credit`, …). */
export const E2E_PASSWORD = process.env.E2E_PASSWORD ?? 'waybill-e2e-password';
/** Who the designer specs sign in as: a process owner edits and publishes flows. */
export const E2E_USER = 'owner';
