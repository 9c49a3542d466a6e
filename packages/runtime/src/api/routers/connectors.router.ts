/**
 * `connectors.*`: what the deployment can call, described for the designer's forms, and each
 * connector's stored config. Secret fields never leave the runtime: they come back masked
 * (`********`), and saving a config with a secret left out or masked keeps the stored one.
 */
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import {
  isConnectorConfigError,
  type ConnectorConfigErrorCode,
} from '../../connectors/config-store.ts';
import type { ConnectorService } from '../../connectors/connector-service.ts';
import { requires, router, type TrpcContext } from '../trpc.ts';

const connectorIdInput = z.object({ connectorId: z.string().min(1).max(200) });

const trpcCodes: Record<ConnectorConfigErrorCode, TRPCError['code']> = {
  CONNECTOR_NOT_FOUND: 'NOT_FOUND',
  TRIGGER_NOT_FOUND: 'BAD_REQUEST',
  CONFIG_INVALID: 'BAD_REQUEST',
  CONFIG_UNREADABLE: 'PRECONDITION_FAILED',
};

function serviceOf(ctx: TrpcContext): ConnectorService {
  if (ctx.connectors) return ctx.connectors;
  throw new TRPCError({
    code: 'PRECONDITION_FAILED',
    message: 'This server keeps no connector configs.',
  });
}

/** Maps config store errors to tRPC codes (messages name the config and fields, never values). */
async function mapped<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isConnectorConfigError(error)) {
      throw new TRPCError({ code: trpcCodes[error.code], message: error.message, cause: error });
    }
    throw error;
  }
}

export const connectorsRouter = router({
  /** Every registered connector with its operations, triggers and schemas (the designer's forms). */
  list: requires('flows:read').query(({ ctx }) => ctx.registry.list()),
  /** Every stored config, secrets masked. */
  configs: requires('connectors:manage').query(({ ctx }) => mapped(() => serviceOf(ctx).list())),
  /** One connector's stored config, secrets masked; null when it has none. */
  config: requires('connectors:manage')
    .input(connectorIdInput)
    .query(({ ctx, input }) => mapped(() => serviceOf(ctx).get(input.connectorId))),
  /** Stores a config (secrets encrypted) and restarts the connector's triggers. */
  saveConfig: requires('connectors:manage')
    .input(
      connectorIdInput.extend({
        values: z.record(z.string(), z.unknown()),
        triggers: z.array(z.string().min(1)).optional(),
      }),
    )
    .mutation(({ ctx, input }) =>
      mapped(() =>
        serviceOf(ctx).save(input.connectorId, {
          values: input.values,
          ...(input.triggers ? { triggers: input.triggers } : {}),
          actor: ctx.actor,
        }),
      ),
    ),
  /** The inbound triggers running now (webhook URLs, pollers, folder watchers). */
  triggers: requires('connectors:manage').query(({ ctx }) => serviceOf(ctx).triggers.active()),
});
