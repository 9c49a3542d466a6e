/**
 * Runs the WMS simulator as a process:
 *
 * ```sh
 * PORT=4020 WMS_API_KEY=wms-sandbox-key WMS_FAULTS='{"seed":7,"duplicateRate":0.1}' node packages/connectors-sdk/src/simulators/wms-simulator.main.ts
 * ```
 *
 * Prints the URL it listens on; stops on SIGINT/SIGTERM. Faults can also be changed at runtime
 * with `POST /_faults`.
 * @module
 */
import { faultConfigSchema } from './faults.ts';
import { startWmsSimulator } from './wms-simulator.ts';

const faults = faultConfigSchema.parse(JSON.parse(process.env.WMS_FAULTS ?? '{}'));
const simulator = await startWmsSimulator({
  port: Number(process.env.PORT ?? 4020),
  host: process.env.HOST ?? '127.0.0.1',
  apiKey: process.env.WMS_API_KEY,
  faults,
});
process.stdout.write(`WMS simulator listening on ${simulator.url}\n`);

const stop = (): void => {
  simulator.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
