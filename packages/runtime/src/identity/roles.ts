/**
 * Roles and what they permit. A user holds any number of roles; a permission is granted when
 * one of them grants it. Approver roles work tasks; which tasks is decided by group membership.
 * @module
 */

/** What a procedure or route may require. */
export const Permissions = {
  /** Read flows, drafts, versions and the connector catalogue. */
  'flows:read': 'Read flows, drafts, versions and connectors',
  /** Create flows, save drafts and simulation scenarios. */
  'flows:edit': 'Create flows and edit drafts',
  /** Publish a draft as a new version. */
  'flows:publish': 'Publish flow versions',
  /** Read instances, their history and the live overlay. */
  'instances:read': 'Read instances and the live overlay',
  /** Migrate running instances to another version. */
  'instances:migrate': 'Migrate running instances',
  /** Read incidents (calls that failed for good). */
  'incidents:read': 'Read incidents',
  /** Retry or resolve incidents. */
  'incidents:act': 'Retry and resolve incidents',
  /** Read and change connector configs (secrets stay masked) and their triggers. */
  'connectors:manage': 'Manage connector configs and triggers',
  /** Work tasks of one's own groups: list, open, claim, complete. */
  'tasks:work': "Work the tasks of one's groups",
  /** See and reassign every task, whatever its group. */
  'tasks:manage': 'See and reassign every task',
  /** Manage users, roles and group membership. */
  'users:manage': 'Manage users, roles and groups',
  /** Read the audit log. */
  'audit:read': 'Read the audit log',
} as const;
export type Permission = keyof typeof Permissions;

/** The approver roles of the billing domain (DOMAIN.md): each works exceptions from the inbox. */
export const APPROVER_ROLES = [
  'finance',
  'warehouse',
  'credit',
  'logistics',
  'customer-service',
  'sales',
] as const;

const approver: readonly Permission[] = ['tasks:work'];

/** Every role and its permissions. */
export const Roles = {
  finance: { label: 'Finance approver', permissions: approver },
  warehouse: { label: 'Warehouse approver', permissions: approver },
  credit: { label: 'Credit approver', permissions: approver },
  logistics: { label: 'Logistics approver', permissions: approver },
  'customer-service': { label: 'Customer service approver', permissions: approver },
  sales: { label: 'Sales approver', permissions: approver },
  'process-owner': {
    label: 'Process owner',
    permissions: [
      'flows:read',
      'flows:edit',
      'flows:publish',
      'instances:read',
      'incidents:read',
      'tasks:work',
      'tasks:manage',
    ],
  },
  operator: {
    label: 'Operator',
    permissions: [
      'flows:read',
      'instances:read',
      'instances:migrate',
      'incidents:read',
      'incidents:act',
      'connectors:manage',
    ],
  },
  admin: {
    label: 'Administrator',
    permissions: ['users:manage', 'audit:read', 'connectors:manage', 'tasks:work', 'tasks:manage'],
  },
} as const satisfies Record<string, { label: string; permissions: readonly Permission[] }>;
export type Role = keyof typeof Roles;

export const ROLE_NAMES: readonly Role[] = Object.keys(Roles).filter(isRole);

export function isRole(value: string): value is Role {
  return Object.hasOwn(Roles, value);
}

/**
 * The permissions a set of roles grants (unknown role names grant nothing).
 *
 * ```ts
 * permissionsOf(['credit']); // Set { 'tasks:work' }
 * ```
 */
export function permissionsOf(roles: readonly string[]): Set<Permission> {
  const granted = new Set<Permission>();
  for (const role of roles)
    if (isRole(role)) for (const p of Roles[role].permissions) granted.add(p);
  return granted;
}
