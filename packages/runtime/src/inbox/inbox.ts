/**
 * The approvers' inbox: the open tasks of a user and of the user's groups, filtered and sorted
 * on the facets the database keeps on each task (migration `2026112450_inbox`), paged by keyset
 * so a page costs the same on the first and the hundredth page; and one task with the instance
 * context that matters for the decision.
 * @module
 */
import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import type { Database, TaskStatus } from '../db/schema.ts';
import { isUuid } from '../engine/queries.ts';
import { RuntimeError } from '../engine/runtime.error.ts';
import { assertCanSeeTask, type TaskViewer } from '../engine/tasks.ts';
import { iso } from '../util.ts';
import { decisionContext, type DecisionContext } from './decision-context.ts';
import { lowRiskOf, type LowRiskRule } from './low-risk.ts';

/** `mine`: claimed by, delegated or reassigned to me; `groups`: my groups' tasks. */
export type InboxScope = 'mine' | 'groups';
export type InboxSort = 'priority' | 'due';
/** `overdue`: past due; `24h` / `7d`: due within that time (overdue included). */
export type InboxDue = 'overdue' | '24h' | '7d';

export interface InboxQuery {
  scope: InboxScope;
  status?: TaskStatus | undefined;
  category?: string | undefined;
  customerId?: string | undefined;
  warehouse?: string | undefined;
  businessUnit?: string | undefined;
  due?: InboxDue | undefined;
  breached?: boolean | undefined;
  sort?: InboxSort | undefined;
  limit?: number | undefined;
  /** `nextCursor` of the previous page. */
  cursor?: string | null | undefined;
}

export interface InboxTask {
  id: string;
  instanceId: string;
  nodeId: string;
  title: string;
  correlationKey: string;
  flowKey: string;
  candidateRoles: string[];
  status: TaskStatus;
  priority: number;
  category: string | null;
  severity: string | null;
  customerId: string | null;
  warehouse: string | null;
  businessUnit: string | null;
  amount: number | null;
  dueAt: string | null;
  createdAt: string;
  /** Past its SLA while open (flagged by the SLA timer, or simply past due). */
  breached: boolean;
  claimedBy: string | null;
  assignee: string | null;
  escalatedTo: string | null;
  outcomes: { id: string; label: string }[];
  /** Bulk approval: the outcome it would take, or why it cannot be approved in bulk. */
  lowRisk: { outcome: string } | { reason: string };
}

export interface InboxPage {
  tasks: InboxTask[];
  nextCursor: string | null;
}

interface Cursor {
  /** The sort key of the last row: [priority, due ISO or 'infinity'] or [due, priority]. */
  a: number | string;
  b: number | string;
  id: string;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(text: string): Cursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (
      typeof value === 'object' &&
      value !== null &&
      'a' in value &&
      'b' in value &&
      'id' in value &&
      (typeof value.a === 'number' || typeof value.a === 'string') &&
      (typeof value.b === 'number' || typeof value.b === 'string') &&
      typeof value.id === 'string' &&
      isUuid(value.id)
    ) {
      return { a: value.a, b: value.b, id: value.id };
    }
  } catch {
    // fall through to the refusal below
  }
  throw new RuntimeError('TASK_INVALID_FIELDS', 'The inbox cursor is not one the inbox gave.', {
    problems: [
      {
        code: 'inbox.cursor',
        severity: 'error',
        nodeId: null,
        field: 'cursor',
        message: 'Bad cursor.',
      },
    ],
  });
}

const dueKey = sql<Date>`coalesce(tasks.due_at, 'infinity'::timestamptz)`;
const breachedExpr = sql<boolean>`(tasks.breached_at is not null or (tasks.status = 'open' and tasks.due_at is not null and tasks.due_at < now()))`;

/** Tasks of any of the groups (a GIN index on `candidate_roles` serves `?|`). */
function inGroups(groups: readonly string[]): Expression<SqlBool> {
  return sql<SqlBool>`tasks.candidate_roles ?| array[${sql.join(groups.map((g) => sql.val(g)))}]::text[]`;
}

function baseQuery(db: Kysely<Database>) {
  return db
    .selectFrom('tasks')
    .innerJoin('instances', 'instances.id', 'tasks.instance_id')
    .select([
      'tasks.id',
      'tasks.instance_id',
      'tasks.node_id',
      'tasks.title',
      'tasks.candidate_roles',
      'tasks.status',
      'tasks.priority',
      'tasks.category',
      'tasks.severity',
      'tasks.customer_id',
      'tasks.warehouse',
      'tasks.business_unit',
      'tasks.amount',
      'tasks.due_at',
      'tasks.created_at',
      'tasks.claimed_by',
      'tasks.assignee',
      'tasks.escalated_to',
      'tasks.outcomes',
      'tasks.form',
      'instances.correlation_key',
      'instances.flow_key',
      breachedExpr.as('breached'),
    ]);
}

type InboxRow = Awaited<ReturnType<ReturnType<typeof baseQuery>['execute']>>[number];

function taskOf(row: InboxRow, rule: LowRiskRule): InboxTask {
  const amount = row.amount === null ? null : Number(row.amount);
  return {
    id: row.id,
    instanceId: row.instance_id,
    nodeId: row.node_id,
    title: row.title,
    correlationKey: row.correlation_key,
    flowKey: row.flow_key,
    candidateRoles: row.candidate_roles,
    status: row.status,
    priority: row.priority,
    category: row.category,
    severity: row.severity,
    customerId: row.customer_id,
    warehouse: row.warehouse,
    businessUnit: row.business_unit,
    amount,
    dueAt: iso(row.due_at),
    createdAt: iso(row.created_at) ?? '',
    breached: row.breached,
    claimedBy: row.claimed_by,
    assignee: row.assignee,
    escalatedTo: row.escalated_to,
    outcomes: row.outcomes,
    lowRisk: lowRiskOf(
      {
        severity: row.severity,
        amount,
        outcomes: row.outcomes,
        form: row.form,
        status: row.status,
      },
      rule,
    ),
  };
}

/**
 * One page of a viewer's inbox.
 *
 * ```ts
 * const page = await listInbox(db, { userId: 'ana', groups: ['credit'] }, { scope: 'groups', sort: 'due' });
 * const next = await listInbox(db, viewer, { scope: 'groups', sort: 'due', cursor: page.nextCursor });
 * ```
 */
export async function listInbox(
  db: Kysely<Database>,
  viewer: TaskViewer,
  query: InboxQuery,
  rule: LowRiskRule,
): Promise<InboxPage> {
  const limit = Math.min(Math.max(query.limit ?? 50, 1), 200);
  const sort = query.sort ?? 'priority';
  let q = baseQuery(db).where('tasks.status', '=', query.status ?? 'open');
  if (query.scope === 'mine') {
    q = q.where((eb) =>
      eb.or([eb('tasks.claimed_by', '=', viewer.userId), eb('tasks.assignee', '=', viewer.userId)]),
    );
  } else if (viewer.groups !== null) {
    if (viewer.groups.length === 0) return { tasks: [], nextCursor: null };
    q = q.where(inGroups(viewer.groups));
  }
  if (query.category) q = q.where('tasks.category', '=', query.category);
  if (query.customerId) q = q.where('tasks.customer_id', '=', query.customerId);
  if (query.warehouse) q = q.where('tasks.warehouse', '=', query.warehouse);
  if (query.businessUnit) q = q.where('tasks.business_unit', '=', query.businessUnit);
  if (query.breached !== undefined) q = q.where(breachedExpr, '=', query.breached);
  if (query.due === 'overdue') q = q.where(sql<SqlBool>`tasks.due_at < now()`);
  if (query.due === '24h') q = q.where(sql<SqlBool>`tasks.due_at < now() + interval '1 day'`);
  if (query.due === '7d') q = q.where(sql<SqlBool>`tasks.due_at < now() + interval '7 days'`);
  if (query.cursor) {
    const c = decodeCursor(query.cursor);
    q =
      sort === 'priority'
        ? q.where(
            sql<SqlBool>`(tasks.priority, ${dueKey}, tasks.id) > (${Number(c.a)}, ${String(c.b)}::timestamptz, ${c.id}::uuid)`,
          )
        : q.where(
            sql<SqlBool>`(${dueKey}, tasks.priority, tasks.id) > (${String(c.a)}::timestamptz, ${Number(c.b)}, ${c.id}::uuid)`,
          );
  }
  q =
    sort === 'priority'
      ? q.orderBy('tasks.priority').orderBy(dueKey).orderBy('tasks.id')
      : q.orderBy(dueKey).orderBy('tasks.priority').orderBy('tasks.id');
  const rows = await q.limit(limit + 1).execute();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  let nextCursor: string | null = null;
  if (rows.length > limit && last) {
    const due = iso(last.due_at) ?? 'infinity';
    nextCursor = encodeCursor(
      sort === 'priority'
        ? { a: last.priority, b: due, id: last.id }
        : { a: due, b: last.priority, id: last.id },
    );
  }
  return { tasks: page.map((row) => taskOf(row, rule)), nextCursor };
}

/** The values the inbox filters offer: what occurs among the open tasks a viewer can see. */
export interface InboxFacets {
  categories: string[];
  customers: string[];
  warehouses: string[];
  businessUnits: string[];
}

/**
 * Filter values of a viewer's open tasks.
 *
 * ```ts
 * const { categories } = await inboxFacets(db, viewer);
 * ```
 */
export async function inboxFacets(db: Kysely<Database>, viewer: TaskViewer): Promise<InboxFacets> {
  if (viewer.groups !== null && viewer.groups.length === 0) {
    return { categories: [], customers: [], warehouses: [], businessUnits: [] };
  }
  let q = db
    .selectFrom('tasks')
    .select(['category', 'customer_id', 'warehouse', 'business_unit'])
    .distinct()
    .where('status', '=', 'open');
  if (viewer.groups !== null) {
    const groups = viewer.groups;
    q = q.where((eb) =>
      eb.or([
        inGroups(groups),
        eb('claimed_by', '=', viewer.userId),
        eb('assignee', '=', viewer.userId),
      ]),
    );
  }
  const rows = await q.limit(5000).execute();
  const values = (pick: (r: (typeof rows)[number]) => string | null): string[] =>
    [...new Set(rows.map(pick).filter((v): v is string => v !== null))].sort();
  return {
    categories: values((r) => r.category),
    customers: values((r) => r.customer_id),
    warehouses: values((r) => r.warehouse),
    businessUnits: values((r) => r.business_unit),
  };
}

export interface TaskHistoryEntry {
  at: string;
  actor: string;
  kind: string;
  fromNodes: string[];
  toNodes: string[];
  eventType: string | null;
  details: unknown;
}

export interface TaskComment {
  id: number;
  author: string;
  body: string;
  createdAt: string;
}

export interface TaskAttachmentInfo {
  id: string;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  uploadedBy: string;
  createdAt: string;
}

export interface TaskDetail extends InboxTask {
  instructions: string | null;
  form: unknown[];
  outcome: string | null;
  data: Record<string, unknown> | null;
  completedBy: string | null;
  completedAt: string | null;
  instance: {
    id: string;
    flowKey: string;
    flowVersion: number;
    status: string;
    currentNodes: string[];
    outcome: string | null;
  };
  context: Record<string, unknown>;
  decision: DecisionContext;
  comments: TaskComment[];
  attachments: TaskAttachmentInfo[];
  /** The instance's audit rows, oldest first. */
  history: TaskHistoryEntry[];
}

/**
 * One task of a viewer's inbox with what the decision needs.
 *
 * ```ts
 * const detail = await getTaskDetail(db, viewer, taskId, rule);
 * detail.decision.lines; // order vs shipment vs invoice, per SKU
 * ```
 * @throws RuntimeError `TASK_NOT_FOUND`, `TASK_FORBIDDEN`
 */
export async function getTaskDetail(
  db: Kysely<Database>,
  viewer: TaskViewer,
  taskId: string,
  rule: LowRiskRule,
): Promise<TaskDetail> {
  if (!isUuid(taskId)) throw new RuntimeError('TASK_NOT_FOUND', `No task ${taskId}.`);
  const row = await baseQuery(db)
    .select([
      'tasks.instructions',
      'tasks.outcome',
      'tasks.data',
      'tasks.completed_by',
      'tasks.completed_at',
      'instances.flow_version',
      'instances.status as instance_status',
      'instances.current_nodes',
      'instances.outcome as instance_outcome',
      'instances.context',
    ])
    .where('tasks.id', '=', taskId)
    .executeTakeFirst();
  if (!row) throw new RuntimeError('TASK_NOT_FOUND', `No task ${taskId}.`);
  assertCanSeeTask(viewer, { ...row, id: taskId });
  const [comments, attachments, audit] = await Promise.all([
    db
      .selectFrom('task_comments')
      .select(['id', 'author', 'body', 'created_at'])
      .where('task_id', '=', taskId)
      .orderBy('id')
      .execute(),
    db
      .selectFrom('task_attachments')
      .select(['id', 'file_name', 'content_type', 'size_bytes', 'uploaded_by', 'created_at'])
      .where('task_id', '=', taskId)
      .orderBy('created_at')
      .execute(),
    db
      .selectFrom('audit_log')
      .select(['at', 'actor', 'kind', 'from_nodes', 'to_nodes', 'event_type', 'details'])
      .where('instance_id', '=', row.instance_id)
      .orderBy('id')
      .limit(500)
      .execute(),
  ]);
  return {
    ...taskOf(row, rule),
    instructions: row.instructions,
    form: row.form,
    outcome: row.outcome,
    data: row.data,
    completedBy: row.completed_by,
    completedAt: iso(row.completed_at),
    instance: {
      id: row.instance_id,
      flowKey: row.flow_key,
      flowVersion: row.flow_version,
      status: row.instance_status,
      currentNodes: row.current_nodes,
      outcome: row.instance_outcome,
    },
    context: row.context,
    decision: decisionContext(row.context),
    comments: comments.map((c) => ({
      id: Number(c.id),
      author: c.author,
      body: c.body,
      createdAt: iso(c.created_at) ?? '',
    })),
    attachments: attachments.map((a) => ({
      id: a.id,
      fileName: a.file_name,
      contentType: a.content_type,
      sizeBytes: a.size_bytes,
      uploadedBy: a.uploaded_by,
      createdAt: iso(a.created_at) ?? '',
    })),
    history: audit.map((entry) => ({
      at: iso(entry.at) ?? '',
      actor: entry.actor,
      kind: entry.kind,
      fromNodes: entry.from_nodes ?? [],
      toNodes: entry.to_nodes ?? [],
      eventType: entry.event_type,
      details: entry.details,
    })),
  };
}
