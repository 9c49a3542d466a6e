/** The sign-in form: username and password; the platform's refusal (wrong password, lockout) shows as is. */
import { useState } from 'react';
import type { FormEvent, ReactElement } from 'react';
import { signIn, type SessionUser } from './session.ts';
import './auth.css';

function errorFromUrl(): string | null {
  return new URLSearchParams(window.location.search).get('signInError');
}

export function SignInPage({
  onSignedIn,
  initialError,
}: {
  onSignedIn: (user: SessionUser) => void;
  initialError?: string | null;
}): ReactElement {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(initialError ?? errorFromUrl());
  const [busy, setBusy] = useState(false);

  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    signIn(username, password)
      .then((user) => {
        setPassword('');
        onSignedIn(user);
      })
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)))
      .finally(() => setBusy(false));
  };

  return (
    <main className="sign-in">
      {/* Without scripts the form still posts to the platform, which answers with a redirect. */}
      <form
        className="sign-in__card"
        method="post"
        action="/auth/sign-in"
        onSubmit={submit}
        data-testid="sign-in-form"
      >
        <div className="sign-in__brand">
          <span className="topbar__logo" aria-hidden="true">
            W
          </span>
          <h1>Sign in to Waybill</h1>
        </div>
        {error && (
          <p className="banner banner--error" role="alert" data-testid="sign-in-error">
            {error}
          </p>
        )}
        <label className="field">
          <span className="field__label">Username</span>
          <input
            className="input"
            name="username"
            autoComplete="username"
            autoFocus
            required
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            data-testid="sign-in-username"
          />
        </label>
        <label className="field">
          <span className="field__label">Password</span>
          <input
            className="input"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            data-testid="sign-in-password"
          />
        </label>
        <button
          type="submit"
          className="btn btn--primary sign-in__submit"
          disabled={busy}
          data-testid="sign-in-submit"
        >
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
