/** The signed-in user, for components that show or hide by role (the user menu, admin links). */
import { createContext, useContext } from 'react';
import type { SessionUser } from './session.ts';

export interface AuthState {
  user: SessionUser;
  signOut: () => Promise<void>;
}

export const AuthContext = createContext<AuthState | null>(null);

/** The signed-in user (null outside the {@link AuthGate}, e.g. in component tests). */
export function useAuth(): AuthState | null {
  return useContext(AuthContext);
}
