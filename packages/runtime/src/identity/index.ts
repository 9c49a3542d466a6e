/**
 * Identity and authorization: users, roles, groups, password sign-in with lockout, server-side
 * sessions with CSRF tokens, the audit of every identity change and refusal, and the seam for
 * single sign-on (see `oidc.ts` and docs/security.md).
 * @module
 */
export { audit } from './audit.ts';
export type { AuditEntry } from './audit.ts';
export { DEMO_GROUPS, DEMO_PASSWORD, DEMO_USERS, ensureAdmin, seedDemoUsers } from './bootstrap.ts';
export type { AdminBootstrap, DemoUser } from './bootstrap.ts';
export { authRoutes, cookiesOf, requestAuth, sameOrigin } from './http.ts';
export type { RequestAuth } from './http.ts';
export { IdentityError, IdentityErrorCodes, isIdentityError } from './identity.error.ts';
export type { IdentityErrorCode } from './identity.error.ts';
export { DEFAULT_SCRYPT, hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from './passwords.ts';
export type { ScryptParams } from './passwords.ts';
export { APPROVER_ROLES, isRole, Permissions, permissionsOf, ROLE_NAMES, Roles } from './roles.ts';
export type { Permission, Role } from './roles.ts';
export {
  CSRF_COOKIE,
  CSRF_HEADER,
  createSession,
  resolveSession,
  revokeSession,
  SESSION_COOKIE,
} from './sessions.ts';
export { assertCanSeeTask, canSeeTask, taskGroupsOf } from './task-access.ts';
export {
  authenticatePassword,
  createGroup,
  createUser,
  getUser,
  listGroups,
  listUsers,
  LOCKOUT,
  principalFor,
  setGroupMembers,
  unlockUser,
  updateUser,
} from './users.ts';
export type { GroupView, NewUser, Principal, UserPatch, UserView } from './users.ts';
