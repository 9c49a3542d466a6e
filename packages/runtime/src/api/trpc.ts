/**
 * tRPC building blocks: the context every procedure sees, `router`, `publicProcedure`, and the
 * error formatter that hands the designer flow `problems` and zod `fieldErrors`.
 * @module
 */
import { initTRPC, TRPCError } from '@trpc/server';
import type { ConnectorRegistry } from '@waybill/connectors-sdk';
import type { Problem } from '@waybill/shared';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { ConnectorService } from '../connectors/connector-service.ts';
import type { DatabaseKind } from '../db/connect.ts';
import type { Database } from '../db/schema.ts';
import { EngineErrorCodes, isEngineError, type EngineErrorCode } from '../engine/engine.error.ts';
import { isRuntimeError, type RuntimeErrorCode } from '../engine/runtime.error.ts';

/** What each procedure can use. */
export interface TrpcContext {
  db: Kysely<Database>;
  databaseKind: DatabaseKind;
  version: string;
  registry: ConnectorRegistry;
  /** Stored connector configs (secrets masked on the way out); absent where none are kept. */
  connectors?: ConnectorService;
  /** Who is acting (recorded in audit rows); users and roles come with authentication. */
  actor: string;
}

/**
 * The tRPC code of a runtime error, by the shape of its code (so codes the engine adds map
 * without touching the API): `*_NOT_FOUND` → NOT_FOUND; exists already, no longer open or running
 * → CONFLICT; everything else is a refused request.
 */
export function trpcCodeOf(code: RuntimeErrorCode): TRPCError['code'] {
  if (code.endsWith('_NOT_FOUND')) return 'NOT_FOUND';
  if (code.endsWith('_EXISTS') || code.endsWith('_NOT_OPEN') || code.endsWith('_NOT_RUNNING'))
    return 'CONFLICT';
  return 'BAD_REQUEST';
}

const t = initTRPC.context<TrpcContext>().create({
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    const problems: Problem[] = isRuntimeError(cause) ? cause.problems : [];
    const fieldErrors = cause instanceof z.ZodError ? z.flattenError(cause).fieldErrors : null;
    // Operator actions explain refusals in `details` (e.g. a migration's refused instances).
    const details = isEngineError(cause) ? cause.details : null;
    return { ...shape, data: { ...shape.data, problems, fieldErrors, details } };
  },
});

/** The tRPC code of an engine error (operator actions), from the HTTP status it documents. */
export function trpcCodeOfEngineError(code: EngineErrorCode): TRPCError['code'] {
  const status: number = EngineErrorCodes[code].status;
  if (status === 404) return 'NOT_FOUND';
  if (status === 409) return 'CONFLICT';
  if (status === 422) return 'UNPROCESSABLE_CONTENT';
  return 'BAD_REQUEST';
}

/** Maps the runtime's typed errors to tRPC codes at the API edge. */
const runtimeErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && isRuntimeError(result.error.cause)) {
    const cause = result.error.cause;
    throw new TRPCError({ code: trpcCodeOf(cause.code), message: cause.message, cause });
  }
  if (!result.ok && isEngineError(result.error.cause)) {
    const cause = result.error.cause;
    throw new TRPCError({ code: trpcCodeOfEngineError(cause.code), message: cause.message, cause });
  }
  return result;
});

export const router = t.router;
export const publicProcedure = t.procedure.use(runtimeErrors);
export const createCallerFactory = t.createCallerFactory;
