/** `connectors.*`: what the deployment can call, described for the designer's forms. */
import { publicProcedure, router } from '../trpc.ts';

export const connectorsRouter = router({
  list: publicProcedure.query(({ ctx }) => ctx.registry.list()),
});
