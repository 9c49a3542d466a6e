/**
 * tRPC building blocks: the context every procedure sees, `router`, the procedure builders that
 * carry each procedure's access rule (`publicProcedure`, `authedProcedure`, `requires(permission)`),
 * and the error formatter that hands the designer flow `problems` and zod `fieldErrors`.
 *
 * Every procedure states who may call it in its `meta.access`; one middleware enforces it before
 * input is even parsed, and a procedure without a rule is refused (deny by default). Mutations
 * also need the session's CSRF token. Refusals are audited.
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
import { audit } from '../identity/audit.ts';
import { isIdentityError, type IdentityErrorCode } from '../identity/identity.error.ts';
import { Permissions, type Permission } from '../identity/roles.ts';
import type { Principal } from '../identity/users.ts';

/** What each procedure can use. */
export interface TrpcContext {
  db: Kysely<Database>;
  databaseKind: DatabaseKind;
  version: string;
  registry: ConnectorRegistry;
  /** Stored connector configs (secrets masked on the way out); absent where none are kept. */
  connectors?: ConnectorService;
  /** Who is acting (recorded in audit rows): the signed-in user's username. */
  actor: string;
  /** The signed-in user (null: no valid session). */
  principal: Principal | null;
  /** Whether the request echoed the session's CSRF token from our own origin (mutations need it). */
  csrfOk: boolean;
}

/**
 * Who may call a procedure: anyone (`public`), any signed-in user (`signed-in`, e.g. the inbox,
 * which then shows only the user's groups' tasks), or holders of one permission.
 */
export type Access = 'public' | 'signed-in' | Permission;

/** Procedure metadata: the access rule every procedure must state. */
export interface ProcedureMeta {
  access: Access;
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

const t = initTRPC
  .context<TrpcContext>()
  .meta<ProcedureMeta>()
  .create({
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

/** The tRPC code of an identity error, from the HTTP status it documents. */
export function trpcCodeOfIdentityError(code: IdentityErrorCode): TRPCError['code'] {
  if (code === 'UNAUTHENTICATED' || code === 'SIGN_IN_FAILED') return 'UNAUTHORIZED';
  if (code === 'FORBIDDEN' || code === 'CSRF_FAILED' || code === 'ACCOUNT_DISABLED')
    return 'FORBIDDEN';
  if (code.endsWith('_NOT_FOUND')) return 'NOT_FOUND';
  if (code.endsWith('_EXISTS')) return 'CONFLICT';
  return 'BAD_REQUEST';
}

const identityErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && isIdentityError(result.error.cause)) {
    const cause = result.error.cause;
    throw new TRPCError({
      code: trpcCodeOfIdentityError(cause.code),
      message: cause.message,
      cause,
    });
  }
  return result;
});

function isAccess(value: unknown): value is Access {
  return (
    value === 'public' ||
    value === 'signed-in' ||
    (typeof value === 'string' && Object.hasOwn(Permissions, value))
  );
}

/** Enforces `meta.access` before the input is parsed; refusals are audited. */
const authorize = t.middleware(async ({ ctx, meta, path, type, next }) => {
  const access: unknown = meta?.access;
  const deny = async (code: 'UNAUTHORIZED' | 'FORBIDDEN', reason: string, message: string) => {
    await audit(ctx.db, {
      actor: ctx.principal?.username ?? 'anonymous',
      kind: 'access.denied',
      subject: `trpc:${path}`,
      details: { reason, access: isAccess(access) ? access : null, type },
    });
    throw new TRPCError({ code, message });
  };
  if (!isAccess(access))
    return deny('FORBIDDEN', 'no rule', `${path} states no access rule, so nobody may call it.`);
  if (access === 'public') return next();
  const principal = ctx.principal;
  if (!principal)
    return deny(
      'UNAUTHORIZED',
      'unauthenticated',
      'Not signed in (or the session ended): sign in.',
    );
  if (type === 'mutation' && !ctx.csrfOk)
    return deny(
      'FORBIDDEN',
      'csrf',
      'The request lacks the session CSRF token (X-CSRF-Token) or came from another origin.',
    );
  if (access !== 'signed-in' && !principal.permissions.has(access))
    return deny(
      'FORBIDDEN',
      'permission',
      `${principal.username} may not call ${path}: it needs the permission ${access} (${Permissions[access]}).`,
    );
  return next();
});

/** Narrows the context to a signed-in principal (after {@link authorize} checked it). */
const signedIn = t.middleware(({ ctx, next }) => {
  const principal = ctx.principal;
  if (!principal) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Not signed in.' });
  return next({ ctx: { principal, actor: principal.username } });
});

const base = t.procedure.use(runtimeErrors).use(identityErrors).use(authorize);

export const router = t.router;

/** Anyone, signed in or not (health, the session probe). */
export const publicProcedure = base.meta({ access: 'public' });

/**
 * Any signed-in user; `ctx.principal` is set. For procedures that scope their answer to the user
 * (the inbox shows only the user's groups' tasks).
 */
export const authedProcedure = base.meta({ access: 'signed-in' }).use(signedIn);

/**
 * Signed-in users holding `permission`.
 *
 * ```ts
 * publish: requires('flows:publish').input(z.object({ key: z.string() })).mutation(({ ctx, input }) => …)
 * ```
 */
export function requires(permission: Permission) {
  return base.meta({ access: permission }).use(signedIn);
}

export const createCallerFactory = t.createCallerFactory;
