/**
 * The designer's session with the platform: sign-in and sign-out over `/auth`, the CSRF token
 * every state-changing request echoes, and a signal when the server says the session ended.
 */

/** The signed-in user as `/auth/session` describes it. */
export interface SessionUser {
  id: string;
  username: string;
  displayName: string;
  roles: string[];
  groups: string[];
  permissions: string[];
}

/** The header the platform checks on every state-changing request. */
export const CSRF_HEADER = 'x-csrf-token';
const CSRF_COOKIE = 'waybill_csrf';

let csrfToken: string | null = null;

/** The session's CSRF token: as the last sign-in or session probe returned it, else its cookie. */
export function currentCsrfToken(): string | null {
  if (csrfToken) return csrfToken;
  for (const part of document.cookie.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === CSRF_COOKIE) return decodeURIComponent(rest.join('='));
  }
  return null;
}

/** Headers that prove a request comes from the designer (sent with every tRPC call). */
export function csrfHeaders(): Record<string, string> {
  const token = currentCsrfToken();
  return token ? { [CSRF_HEADER]: token } : {};
}

const SIGNED_OUT = 'waybill:signed-out';

/** Tells the app the server no longer knows the session (it shows the sign-in page). */
export function announceSignedOut(): void {
  csrfToken = null;
  window.dispatchEvent(new Event(SIGNED_OUT));
}

/** Calls `listener` whenever the session ends; returns the unsubscribe function. */
export function onSignedOut(listener: () => void): () => void {
  window.addEventListener(SIGNED_OUT, listener);
  return () => window.removeEventListener(SIGNED_OUT, listener);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function sessionOf(body: unknown): SessionUser | null {
  if (!isRecord(body) || !isRecord(body.user) || typeof body.csrfToken !== 'string') return null;
  csrfToken = body.csrfToken;
  const user = body.user;
  const strings = (value: unknown): string[] =>
    Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  return {
    id: String(user.id),
    username: String(user.username),
    displayName: String(user.displayName),
    roles: strings(user.roles),
    groups: strings(user.groups),
    permissions: strings(user.permissions),
  };
}

/** The live session's user, or null when signed out. */
export async function fetchSession(): Promise<SessionUser | null> {
  const response = await fetch('/auth/session', { credentials: 'same-origin' });
  if (response.status === 401) return null;
  if (!response.ok) throw new Error(`The platform answered ${response.status} to /auth/session.`);
  return sessionOf(await response.json());
}

/** A refused sign-in, with the platform's message (wrong password, locked until …). */
export class SignInError extends Error {
  override readonly name = 'SignInError';
}

/** Signs in with a password; resolves to the user or throws a {@link SignInError}. */
export async function signIn(username: string, password: string): Promise<SessionUser> {
  const response = await fetch('/auth/sign-in', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const message =
      isRecord(body) && typeof body.message === 'string'
        ? body.message
        : `Sign-in failed (${response.status}).`;
    throw new SignInError(message);
  }
  const user = sessionOf(body);
  if (!user) throw new SignInError('The platform answered without a session.');
  return user;
}

/** Ends the session on the server and forgets the CSRF token. */
export async function signOut(): Promise<void> {
  await fetch('/auth/sign-out', {
    method: 'POST',
    credentials: 'same-origin',
    headers: csrfHeaders(),
  });
  announceSignedOut();
}
