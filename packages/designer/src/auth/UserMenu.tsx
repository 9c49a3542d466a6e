/** The signed-in user's name in the top bar; opens a menu with their roles and "Sign out". */
import { useEffect, useRef, useState } from 'react';
import type { ReactElement } from 'react';
import { useAuth } from './AuthContext.ts';
import './auth.css';

export function UserMenu(): ReactElement | null {
  const auth = useAuth();
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (event: MouseEvent): void => {
      const target = event.target;
      if (ref.current && target instanceof Node && !ref.current.contains(target)) setOpen(false);
    };
    const onKey = (event: KeyboardEvent): void => {
      if (event.key === 'Escape') setOpen(false);
    };
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);
  if (!auth) return null;
  const { user } = auth;
  return (
    <div className="user-menu" ref={ref}>
      <button
        type="button"
        className="btn btn--ghost"
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen((v) => !v)}
        data-testid="user-menu-button"
      >
        {user.displayName}
      </button>
      {open && (
        <div className="user-menu__panel" role="menu" data-testid="user-menu">
          <p className="user-menu__who">
            <strong>{user.username}</strong>
            <span className="muted">{user.roles.join(', ') || 'no roles'}</span>
          </p>
          <button
            type="button"
            role="menuitem"
            className="btn btn--small"
            onClick={() => void auth.signOut()}
            data-testid="sign-out"
          >
            Sign out
          </button>
        </div>
      )}
    </div>
  );
}
