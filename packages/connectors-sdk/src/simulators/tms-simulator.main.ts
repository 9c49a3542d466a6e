/**
 * Runs the TMS simulator as a process:
 *
 * ```sh
 * PORT=4030 TMS_API_KEY=tms-sandbox-key TMS_FAULTS='{"seed":7,"duplicateRate":0.1}' node packages/connectors-sdk/src/simulators/tms-simulator.main.ts
 * ```
 *
 * Prints the URL it listens on; stops on SIGINT/SIGTERM. Faults can also be changed at runtime
 * with `POST /_faults`.
 * @module
 */
import { faultConfigSchema } from './faults.ts';
import { startTmsSimulator } from './tms-simulator.ts';

const faults = faultConfigSchema.parse(JSON.parse(process.env.TMS_FAULTS ?? '{}'));
const simulator = await startTmsSimulator({
  port: Number(process.env.PORT ?? 4030),
  host: process.env.HOST ?? '127.0.0.1',
  apiKey: process.env.TMS_API_KEY,
  faults,
});
process.stdout.write(`TMS simulator listening on ${simulator.url}\n`);

const stop = (): void => {
  simulator.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
