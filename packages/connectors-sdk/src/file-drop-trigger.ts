/**
 * File drop triggers: a {@link FileDropWatcher} on a folder from the connector's config, turning
 * each file into canonical events.
 *
 * @module
 */
import { publishableEvents } from '@waybill/shared';
import type { PublishableEventType } from '@waybill/shared';
import type { z } from 'zod';
import { ConnectorError } from './connector.error.ts';
import type { PublishEvent, TriggerContext, TriggerDefinition } from './define-trigger.ts';
import { FileDropWatcher } from './file-drop-watcher.ts';
import type { DroppedFile } from './file-drop-watcher.ts';

/**
 * How to turn dropped files into events, for `defineFileDropTrigger`. Throw (any error) to send
 * the file to `failed/` with an error file; derive idempotency keys from `file.sha256` or from
 * identifiers inside the file.
 *
 * ```ts
 * inbound: defineFileDropTrigger({
 *   displayName: 'Inbound folder', description: 'Shipment files dropped by the 3PL.',
 *   events: ['shipment.confirmed'],
 *   folder: (config) => config.inboundFolder,
 *   toEvents: (file) => JSON.parse(file.text).map(toShipmentEvent),
 * }),
 * ```
 */
export interface FileDropTriggerSpec<TConfig> {
  displayName: string;
  description: string;
  events: readonly PublishableEventType[];
  folder(config: TConfig): string;
  intervalMs?: number | ((config: TConfig) => number);
  pattern?: RegExp;
  toEvents(
    file: DroppedFile,
    ctx: TriggerContext<TConfig>,
  ): PublishEvent[] | Promise<PublishEvent[]>;
}

/**
 * Builds a file drop trigger definition (given to connectors as `defineFileDropTrigger`).
 *
 * ```ts
 * const trigger = defineFileDropTrigger<{ inboundFolder: string }>({ displayName, description, events, folder: (c) => c.inboundFolder, toEvents });
 * ```
 */
export function defineFileDropTrigger<TConfig>(
  spec: FileDropTriggerSpec<TConfig>,
): TriggerDefinition<TConfig> {
  return Object.freeze({
    kind: 'fileDrop',
    displayName: spec.displayName,
    description: spec.description,
    events: spec.events,
    activate: (ctx: TriggerContext<TConfig>) => {
      const watcher = new FileDropWatcher({
        folder: spec.folder(ctx.config),
        intervalMs:
          typeof spec.intervalMs === 'function' ? spec.intervalMs(ctx.config) : spec.intervalMs,
        pattern: spec.pattern,
        logger: ctx.logger,
        handle: async (file) => {
          const events = await spec.toEvents(file, ctx);
          // All or nothing: a file with one bad event publishes none of them and goes to failed/.
          events.forEach((event, index) => checkPayload(event, index, file.name));
          for (const event of events) await ctx.publish(event);
        },
      });
      watcher.start();
      return { deactivate: () => watcher.stop() };
    },
  });
}

function checkPayload(event: PublishEvent, index: number, fileName: string): void {
  const schema: z.ZodType = publishableEvents[event.type];
  const result = schema.safeParse(event.payload);
  if (result.success) return;
  const issues = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  throw new ConnectorError(
    'VALIDATION',
    `${fileName}: event ${index + 1} (${event.type}) is invalid: ${summary}`,
    { details: { file: fileName, eventIndex: index, issues } },
  );
}
