/**
 * The designer's API (tRPC at `/trpc`). The designer imports only its type:
 *
 * ```ts
 * import type { AppRouter } from '@waybill/runtime';
 * const trpc = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: '/trpc' })] });
 * ```
 * @module
 */
import { publicProcedure, router } from '../trpc.ts';
import { adminRouter } from './admin.router.ts';
import { authRouter } from './auth.router.ts';
import { connectorsRouter } from './connectors.router.ts';
import { flowsRouter } from './flows.router.ts';
import { incidentsRouter } from './incidents.router.ts';
import { instancesRouter } from './instances.router.ts';
import { intelligenceRouter } from './intelligence.router.ts';
import { overlayRouter } from './overlay.router.ts';
import { tasksRouter } from './tasks.router.ts';
import { templatesRouter } from './templates.router.ts';

export const appRouter = router({
  health: publicProcedure.query(({ ctx }) => ({
    status: 'ok' as const,
    database: ctx.databaseKind,
    version: ctx.version,
  })),
  flows: flowsRouter,
  connectors: connectorsRouter,
  instances: instancesRouter,
  tasks: tasksRouter,
  incidents: incidentsRouter,
  overlay: overlayRouter,
  templates: templatesRouter,
  intelligence: intelligenceRouter,
  auth: authRouter,
  admin: adminRouter,
});

/** The type the designer's tRPC client is built from. */
export type AppRouter = typeof appRouter;
