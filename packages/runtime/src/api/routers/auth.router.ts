/** `auth.*`: who is signed in (sign-in and sign-out are HTTP routes under `/auth`, see identity/http.ts). */
import { userJson } from '../../identity/http.ts';
import { authedProcedure, router } from '../trpc.ts';

export const authRouter = router({
  /** The signed-in user: roles, groups and permissions (the designer shows or hides by them). */
  me: authedProcedure.query(({ ctx }) => userJson(ctx.principal)),
});
