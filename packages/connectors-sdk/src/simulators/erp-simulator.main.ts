/**
 * Runs the ERP simulator as a process:
 *
 * ```sh
 * PORT=4010 ERP_API_KEY=erp-sandbox-key ERP_DATA_FILE=.waybill/erp.json node packages/connectors-sdk/src/simulators/erp-simulator.main.ts
 * ```
 *
 * Prints the URL it listens on; stops on SIGINT/SIGTERM.
 * @module
 */
import { startErpSimulator } from './erp-simulator.ts';
import { faultConfigSchema } from './faults.ts';

const erp = await startErpSimulator({
  port: Number(process.env.PORT ?? 4010),
  host: process.env.HOST ?? '127.0.0.1',
  apiKey: process.env.ERP_API_KEY,
  dataFile: process.env.ERP_DATA_FILE,
  // e.g. ERP_FAULTS='{"seed":7,"serverErrorRate":0.1}'; also settable at runtime with POST /_faults.
  faults: faultConfigSchema.parse(JSON.parse(process.env.ERP_FAULTS ?? '{}')),
});
process.stdout.write(`ERP simulator listening on ${erp.url}\n`);

const stop = (): void => {
  erp.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
