/**
 * The API process of the soak benchmark: the platform serving the HTTP API (events, instances,
 * metrics) with its in-process worker turned off, so that all processing happens in the
 * `waybill worker` processes next to it, as in a production deployment with separate workers.
 *
 * Reads `DATABASE_URL`, `WAYBILL_DATA_DIR`, `WAYBILL_API_KEY`, `WAYBILL_ERP_URL` and `PORT`;
 * prints `listening <url>` once the server accepts requests; closes on SIGTERM or SIGINT.
 * @module
 */
import { ERP_SIMULATOR_API_KEY } from '@waybill/connectors-sdk/simulators';
import { createLogger } from '../src/log.ts';
import { createPlatform } from '../src/platform.ts';

const databaseUrl = process.env.DATABASE_URL;
const erpUrl = process.env.WAYBILL_ERP_URL;
if (!databaseUrl || !erpUrl) {
  process.stderr.write('soak-api needs DATABASE_URL and WAYBILL_ERP_URL\n');
  process.exit(2);
}
const logger = createLogger({ base: { role: 'api', pid: process.pid } });
const platform = await createPlatform({
  databaseUrl,
  dataDir: process.env.WAYBILL_DATA_DIR,
  logger,
  worker: false,
  designerDir: null,
  connectorConfigs: { 'waybill.erp-sandbox': { baseUrl: erpUrl, apiKey: ERP_SIMULATOR_API_KEY } },
});
const url = await platform.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
process.stdout.write(`listening ${url}\n`);

let closing = false;
const close = (): void => {
  if (closing) return;
  closing = true;
  platform.close().then(
    () => process.exit(0),
    (error: unknown) => {
      logger.error('soak api could not close', { err: error });
      process.exit(1);
    },
  );
};
process.on('SIGTERM', close);
process.on('SIGINT', close);
