/**
 * Shows the sign-in page until there is a session, then the app. When the platform answers
 * a call with 401 (session ended, signed out elsewhere), it goes back to the sign-in page.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { ReactElement, ReactNode } from 'react';
import { AuthContext, type AuthState } from './AuthContext.ts';
import { fetchSession, onSignedOut, signOut, type SessionUser } from './session.ts';
import { SignInPage } from './SignInPage.tsx';

type Status =
  { kind: 'loading' } | { kind: 'signed-out' } | { kind: 'signed-in'; user: SessionUser };

export function AuthGate({ children }: { children: ReactNode }): ReactElement {
  const [status, setStatus] = useState<Status>({ kind: 'loading' });
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    fetchSession()
      .then((user) => {
        if (live) setStatus(user ? { kind: 'signed-in', user } : { kind: 'signed-out' });
      })
      .catch((e: unknown) => {
        if (!live) return;
        setError(e instanceof Error ? e.message : String(e));
        setStatus({ kind: 'signed-out' });
      });
    const off = onSignedOut(() => setStatus({ kind: 'signed-out' }));
    return () => {
      live = false;
      off();
    };
  }, []);

  const doSignOut = useCallback(async () => {
    await signOut();
    setStatus({ kind: 'signed-out' });
  }, []);

  const state = useMemo<AuthState | null>(
    () => (status.kind === 'signed-in' ? { user: status.user, signOut: doSignOut } : null),
    [status, doSignOut],
  );

  if (status.kind === 'loading')
    return (
      <p className="empty-note" role="status">
        Loading…
      </p>
    );
  if (status.kind === 'signed-out' || !state)
    return (
      <SignInPage
        initialError={error}
        onSignedIn={(user) => {
          setError(null);
          setStatus({ kind: 'signed-in', user });
        }}
      />
    );
  return <AuthContext.Provider value={state}>{children}</AuthContext.Provider>;
}
