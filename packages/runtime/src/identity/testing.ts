/**
 * Signing in over HTTP from tests and scripts: the session cookie and CSRF header a client sends.
 *
 * ```ts
 * const session = await signInOverHttp(baseUrl, 'owner', 'waybill-demo-2026');
 * createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${baseUrl}/trpc`, headers: () => session.headers })] });
 * ```
 * @module
 */
import { CSRF_HEADER, SESSION_COOKIE } from './sessions.ts';

/** A signed-in HTTP client's credentials. */
export interface HttpSession {
  cookie: string;
  csrfToken: string;
  /** `Cookie` and `X-CSRF-Token`, ready to send. */
  headers: Record<string, string>;
}

/** Signs in with a password; throws with the server's message when refused. */
export async function signInOverHttp(
  baseUrl: string,
  username: string,
  password: string,
): Promise<HttpSession> {
  const response = await fetch(`${baseUrl}/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body: unknown = await response.json();
  if (!response.ok)
    throw new Error(`sign-in as ${username} refused (${response.status}): ${JSON.stringify(body)}`);
  const setCookies = response.headers.getSetCookie();
  const session = setCookies.find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  const csrfToken =
    typeof body === 'object' &&
    body !== null &&
    'csrfToken' in body &&
    typeof body.csrfToken === 'string'
      ? body.csrfToken
      : null;
  if (!session || csrfToken === null) throw new Error(`sign-in as ${username} set no session`);
  const cookie = session.split(';')[0] ?? '';
  return { cookie, csrfToken, headers: { cookie, [CSRF_HEADER]: csrfToken } };
}
