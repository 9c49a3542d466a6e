/**
 * The runtime's tables as Kysely sees them. Columns are snake_case as in SQL; jsonb columns are
 * written as JSON text (`jsonb(value)`) because `pg` would send JS arrays as Postgres arrays.
 * @module
 */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { Json } from '@waybill/shared';
import type { TriageExamplesTable, TriageModelsTable } from '../triage/triage.tables.ts';

/** A timestamptz: read as `Date`, written as `Date` or an ISO string. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A timestamptz with a database default. */
type TimestampDefault = ColumnType<Date, Date | string | undefined, Date | string>;
/** A jsonb column: read as the parsed value, written as JSON text. */
type Jsonb<T> = ColumnType<T, string, string>;
/** A nullable column that inserts may leave out. */
type Optional<T> = ColumnType<T | null, T | null | undefined, T | null>;
/** A jsonb column with a database default. */
type JsonbDefault<T> = ColumnType<T, string | undefined, string>;

/** Instance status values. */
export const InstanceStatus = {
  /** Waiting for events, effects, timers or tasks. */
  running: 'running',
  /** Reached an end node. */
  completed: 'completed',
  /** Stopped by an error the flow did not handle. */
  failed: 'failed',
  /** Stopped by an operator. */
  cancelled: 'cancelled',
} as const;
export type InstanceStatus = (typeof InstanceStatus)[keyof typeof InstanceStatus];

export type EventStatus = 'pending' | 'routed' | 'parked';
export type InboxKind = 'event' | 'effect' | 'timer' | 'task';
export type InboxStatus = 'pending' | 'done' | 'deferred';
export type EffectStatus = 'pending' | 'running' | 'succeeded' | 'failed';
export type TimerStatus = 'scheduled' | 'fired' | 'cancelled';
export type TaskStatus = 'open' | 'completed' | 'cancelled';
export type EffectOnFailure = 'feed' | 'incident';
export type IncidentStatus = 'open' | 'retried' | 'resolved';
export type ExceptionStatus = 'open' | 'resolved';

export interface FlowsTable {
  key: string;
  name: string;
  description: string | null;
  draft: Jsonb<unknown> | null;
  draft_updated_at: Timestamp | null;
  created_at: TimestampDefault;
  /** The business unit a template was deployed for (process intelligence dimension). */
  business_unit: Optional<string>;
}

/** Published versions: immutable once inserted. */
export interface FlowVersionsTable {
  key: string;
  version: number;
  definition: Jsonb<unknown>;
  checksum: string;
  note: string | null;
  published_by: string;
  published_at: TimestampDefault;
}

export interface InstancesTable {
  id: Generated<string>;
  flow_key: string;
  flow_version: number;
  correlation_key: string;
  status: InstanceStatus;
  snapshot: Jsonb<unknown>;
  current_nodes: JsonbDefault<string[]>;
  /** The instance context (`vars`), kept beside the snapshot for reads and queries. */
  context: JsonbDefault<Record<string, unknown>>;
  outcome: string | null;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
  completed_at: Timestamp | null;
  /** Set on a subflow instance: the parent it reports its outcome to, and the parent's node visit. */
  parent_instance_id: Optional<string>;
  parent_effect_key: Optional<string>;
  /** Dimensions for process intelligence, captured from the flow and the context by a trigger. */
  business_unit: Optional<string>;
  warehouse: Optional<string>;
  customer: Optional<string>;
}

export interface EventsTable {
  id: string;
  seq: Generated<number>;
  idempotency_key: string;
  request_hash: string;
  type: string;
  correlation_key: string;
  payload: Jsonb<{ [key: string]: Json }>;
  occurred_at: Timestamp | null;
  received_at: TimestampDefault;
  api_key_id: string | null;
  status: ColumnType<EventStatus, EventStatus | undefined, EventStatus>;
  routed_at: Timestamp | null;
}

export interface InboxTable {
  id: Generated<number>;
  instance_id: string;
  kind: InboxKind;
  body: Jsonb<unknown>;
  event_id: string | null;
  status: ColumnType<InboxStatus, InboxStatus | undefined, InboxStatus>;
  created_at: TimestampDefault;
}

export interface EffectsTable {
  id: Generated<number>;
  instance_id: string;
  node_id: string;
  effect_key: string;
  /** `<instanceId>:<effectKey>`: what the external system dedupes on. */
  idempotency_key: string;
  connector: string;
  connector_version: number;
  operation: string;
  input: Jsonb<unknown>;
  /** The node's retry policy (null: the runtime default). */
  retry: Jsonb<unknown> | null;
  timeout_ms: number | null;
  status: ColumnType<EffectStatus, EffectStatus | undefined, EffectStatus>;
  /** Once the call failed for good: feed `waybill.effect.failed` back, or open an incident. */
  on_failure: ColumnType<EffectOnFailure, EffectOnFailure | undefined, EffectOnFailure>;
  attempts: ColumnType<number, number | undefined, number>;
  next_run_at: TimestampDefault;
  /** While `running`: when the claim expires and another worker may retry. */
  lease_until: Timestamp | null;
  last_error: Jsonb<unknown> | null;
  result: Jsonb<unknown> | null;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

export interface TimersTable {
  id: Generated<number>;
  instance_id: string;
  timer_key: string;
  node_id: string;
  purpose: string;
  due_at: Timestamp;
  status: ColumnType<TimerStatus, TimerStatus | undefined, TimerStatus>;
  /** For runtime timers (task due dates, escalations): what they act on (JSON text when written). */
  payload: ColumnType<unknown, string | null | undefined, string | null>;
  created_at: TimestampDefault;
}

export interface TasksTable {
  id: Generated<string>;
  instance_id: string;
  node_id: string;
  task_key: string;
  title: string;
  instructions: string | null;
  candidate_roles: Jsonb<string[]>;
  form: Jsonb<unknown[]>;
  outcomes: Jsonb<{ id: string; label: string }[]>;
  status: ColumnType<TaskStatus, TaskStatus | undefined, TaskStatus>;
  due_at: Timestamp | null;
  outcome: string | null;
  data: Jsonb<Record<string, unknown>> | null;
  completed_by: string | null;
  created_at: TimestampDefault;
  completed_at: Timestamp | null;
  /** The role the task was escalated to (added to the candidates), and when. */
  escalated_to: Optional<string>;
  escalated_at: Optional<Date | string>;
  /** When the task passed its due date still open. */
  overdue_at: Optional<Date | string>;
  /** When the reminder before the due date went out. */
  reminded_at: Optional<Date | string>;
  /** When the task breached its SLA (still open at its due date): shown wherever tasks show. */
  breached_at: Optional<Date | string>;
  /** How many escalation steps have fired (0: none). */
  escalation_level: ColumnType<number, number | undefined, number>;
  /** Who claimed the task (one claimant at a time), and when. */
  claimed_by: Optional<string>;
  claimed_at: Optional<Date | string>;
  /** The user the task was delegated or reassigned to, besides its candidate groups. */
  assignee: Optional<string>;
  /** Inbox facets, kept by triggers from the instance context and exceptions (2026112450_inbox). */
  priority: ColumnType<number, number | undefined, number>;
  category: Optional<string>;
  severity: Optional<string>;
  customer_id: Optional<string>;
  warehouse: Optional<string>;
  business_unit: Optional<string>;
  /** numeric: `pg` reads it as text, so readers convert it. */
  amount: Optional<string>;
}

export interface TaskCommentsTable {
  id: Generated<number>;
  task_id: string;
  author: string;
  body: string;
  created_at: TimestampDefault;
}

export interface TaskAttachmentsTable {
  id: Generated<string>;
  task_id: string;
  file_name: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  content: Uint8Array;
  uploaded_by: string;
  created_at: TimestampDefault;
}

/** A connector call that failed for good where the flow has no `error` path: an operator decides. */
export interface IncidentsTable {
  id: Generated<string>;
  instance_id: string;
  node_id: string;
  effect_id: number | null;
  effect_key: string | null;
  error: Jsonb<unknown>;
  /** What was sent (the call's input). */
  payload: Jsonb<unknown> | null;
  attempts: ColumnType<number, number | undefined, number>;
  status: ColumnType<IncidentStatus, IncidentStatus | undefined, IncidentStatus>;
  resolution: Jsonb<unknown> | null;
  resolved_by: string | null;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

/** A business exception raised by an `exception` node (DOMAIN.md taxonomy). */
export interface ExceptionsTable {
  id: Generated<string>;
  instance_id: string;
  node_id: string;
  exception_key: string;
  category: string;
  owner_role: string;
  severity: string;
  sla_due_at: Timestamp | null;
  task_key: string | null;
  status: ColumnType<ExceptionStatus, ExceptionStatus | undefined, ExceptionStatus>;
  details: Jsonb<unknown> | null;
  created_at: TimestampDefault;
  resolved_at: Timestamp | null;
  /** Whether the flow waits for the resolution (false: it went on at once). */
  blocking: ColumnType<boolean, boolean | undefined, boolean>;
}

/** Append-only: rows are never updated or deleted. */
export interface AuditLogTable {
  id: Generated<number>;
  at: TimestampDefault;
  actor: string;
  instance_id: string | null;
  kind: string;
  flow_key: string | null;
  from_nodes: Jsonb<string[]> | null;
  to_nodes: Jsonb<string[]> | null;
  event_type: string | null;
  details: Jsonb<unknown> | null;
}

export interface ApiKeysTable {
  id: Generated<string>;
  name: string;
  /** sha256 of the key, hex; the key itself is never stored. */
  key_hash: string;
  /** The first characters of the key, to recognise it in lists. */
  prefix: string;
  scopes: JsonbDefault<string[]>;
  created_at: TimestampDefault;
  revoked_at: Timestamp | null;
}

export interface UsersTable {
  id: Generated<string>;
  /** Lower-case sign-in name. */
  username: string;
  display_name: string;
  email: Optional<string>;
  /** `scrypt$…` (see identity/passwords.ts); null for single-sign-on-only users. */
  password_hash: Optional<string>;
  /** Whom escalations go to when a task assigned to this user is overdue. */
  manager_id: Optional<string>;
  failed_attempts: ColumnType<number, number | undefined, number>;
  locked_until: Optional<Date | string>;
  disabled_at: Optional<Date | string>;
  last_sign_in_at: Optional<Date | string>;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

export interface UserRolesTable {
  user_id: string;
  role: string;
}

/** A work queue: tasks whose candidate roles name the group are visible to its members. */
export interface GroupsTable {
  key: string;
  name: string;
  created_at: TimestampDefault;
}

export interface GroupMembersTable {
  group_key: string;
  user_id: string;
}

export interface SessionsTable {
  /** sha256 (hex) of the session id the cookie carries. */
  id_hash: string;
  user_id: string;
  /** Must come back in the `X-CSRF-Token` header of every state-changing request. */
  csrf_token: string;
  created_at: TimestampDefault;
  last_seen_at: TimestampDefault;
  expires_at: Timestamp;
  revoked_at: Optional<Date | string>;
  ip: Optional<string>;
  user_agent: Optional<string>;
}

export type NotificationStatus = 'pending' | 'sent' | 'failed';

/** The notification outbox: written with the change that causes it, delivered after commit. */
export interface NotificationsTable {
  id: Generated<number>;
  kind: string;
  channel: string;
  recipient: string;
  task_id: Optional<string>;
  payload: Jsonb<unknown>;
  status: ColumnType<NotificationStatus, NotificationStatus | undefined, NotificationStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  next_run_at: TimestampDefault;
  last_error: Optional<string>;
  created_at: TimestampDefault;
  sent_at: Optional<Date | string>;
}

/** One installed connector's config: plain fields in `settings`, secret fields encrypted in `secrets`. */
export interface ConnectorConfigsTable {
  connector_id: string;
  settings: JsonbDefault<Record<string, unknown>>;
  /** `wbs1.<key id>.<iv>.<tag>.<ciphertext>` of the secret fields as JSON; null when none. */
  secrets: string | null;
  key_id: string | null;
  /** Names of the connector's triggers the platform activates. */
  triggers: JsonbDefault<string[]>;
  updated_by: string;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

/** A trigger's durable memory (polling cursors), by `<connector id>.<trigger name>`. */
export interface ConnectorTriggerStateTable {
  trigger_id: string;
  key: string;
  value: string;
  updated_at: TimestampDefault;
}

/** Process intelligence rollup: one row per day, flow, dimensions, metric and key. */
export interface IntelligenceDailyTable {
  day: ColumnType<string, string, string>;
  flow_key: string;
  business_unit: string;
  warehouse: string;
  customer: string;
  metric: string;
  key: string;
  n: ColumnType<string, number | string, number | string>;
  total: number;
}

export interface IntelligenceRollupStateTable {
  id: number;
  rolled_until: ColumnType<string, string, string>;
  updated_at: TimestampDefault;
}

/** Every table of the runtime's database. */
export interface Database {
  flows: FlowsTable;
  flow_versions: FlowVersionsTable;
  instances: InstancesTable;
  events: EventsTable;
  inbox: InboxTable;
  effects: EffectsTable;
  timers: TimersTable;
  tasks: TasksTable;
  audit_log: AuditLogTable;
  api_keys: ApiKeysTable;
  incidents: IncidentsTable;
  exceptions: ExceptionsTable;
  task_comments: TaskCommentsTable;
  task_attachments: TaskAttachmentsTable;
  intelligence_daily: IntelligenceDailyTable;
  intelligence_rollup_state: IntelligenceRollupStateTable;
  users: UsersTable;
  user_roles: UserRolesTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  sessions: SessionsTable;
  notifications: NotificationsTable;
  connector_configs: ConnectorConfigsTable;
  connector_trigger_state: ConnectorTriggerStateTable;
  triage_models: TriageModelsTable;
  triage_examples: TriageExamplesTable;
}

export type InstanceRow = Selectable<InstancesTable>;
export type EventRow = Selectable<EventsTable>;
export type EffectRow = Selectable<EffectsTable>;
export type TaskRow = Selectable<TasksTable>;
export type InboxRow = Selectable<InboxTable>;
export type IncidentRow = Selectable<IncidentsTable>;
export type NewAuditRow = Insertable<AuditLogTable>;

/** Serialises a value for a jsonb column. */
export function jsonb(value: unknown): string {
  return JSON.stringify(value ?? null);
}
