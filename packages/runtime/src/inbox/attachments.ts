/**
 * Documents on a task (a POD scan, a carrier's email, a price list): kept in the database
 * (`task_attachments.content`, bytea) so they live and back up with the decision they support.
 * Size-limited, and the content must be of the type it claims (checked from its first bytes).
 * @module
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { jsonb, type Database } from '../db/schema.ts';
import { isUuid } from '../engine/queries.ts';
import { RuntimeError } from '../engine/runtime.error.ts';
import { assertCanSeeTask, type TaskViewer } from '../engine/tasks.ts';
import { iso } from '../util.ts';
import type { TaskAttachmentInfo } from './inbox.ts';

/** Largest attachment: `WAYBILL_MAX_ATTACHMENT_BYTES`, default 2 MiB. */
export function maxAttachmentBytes(env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = Number(env.WAYBILL_MAX_ATTACHMENT_BYTES);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 2 * 1024 * 1024;
}

function startsWith(bytes: Uint8Array, prefix: number[], offset = 0): boolean {
  return prefix.every((b, i) => bytes[offset + i] === b);
}

const ascii = (text: string): number[] => [...text].map((c) => c.charCodeAt(0));

function isText(bytes: Uint8Array): boolean {
  if (bytes.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Accepted content types and how their content is recognised. */
export const ATTACHMENT_TYPES: Record<string, (bytes: Uint8Array) => boolean> = {
  'application/pdf': (b) => startsWith(b, ascii('%PDF-')),
  'image/png': (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  'image/jpeg': (b) => startsWith(b, [0xff, 0xd8, 0xff]),
  'image/gif': (b) => startsWith(b, ascii('GIF87a')) || startsWith(b, ascii('GIF89a')),
  'image/webp': (b) => startsWith(b, ascii('RIFF')) && startsWith(b, ascii('WEBP'), 8),
  'text/plain': isText,
  'text/csv': isText,
};

/** 1–200 characters, no path separators and no control characters. */
function isFileName(name: string): boolean {
  return (
    name.length >= 1 &&
    name.length <= 200 &&
    ![...name].some((c) => c === '/' || c === '\\' || c.charCodeAt(0) < 0x20)
  );
}

export interface NewAttachment {
  fileName: string;
  contentType: string;
  /** The file, base64-encoded. */
  contentBase64: string;
}

function refuse(
  code: 'ATTACHMENT_TOO_LARGE' | 'ATTACHMENT_TYPE',
  field: string,
  message: string,
): never {
  throw new RuntimeError(code, message, {
    problems: [{ code: 'task.attachment', severity: 'error', nodeId: null, field, message }],
  });
}

/**
 * Stores a file on a task of the viewer's inbox.
 *
 * ```ts
 * await addAttachment(db, viewer, taskId, { fileName: 'pod.pdf', contentType: 'application/pdf', contentBase64 });
 * ```
 * @throws RuntimeError `ATTACHMENT_TOO_LARGE`, `ATTACHMENT_TYPE`, `TASK_NOT_FOUND`, `TASK_FORBIDDEN`
 */
export async function addAttachment(
  db: Kysely<Database>,
  viewer: TaskViewer,
  taskId: string,
  file: NewAttachment,
  limitBytes: number = maxAttachmentBytes(),
): Promise<TaskAttachmentInfo> {
  if (!isUuid(taskId)) throw new RuntimeError('TASK_NOT_FOUND', `No task ${taskId}.`);
  const fileName = file.fileName.trim();
  if (!isFileName(fileName)) {
    refuse('ATTACHMENT_TYPE', 'fileName', 'A file name has 1 to 200 characters and no slashes.');
  }
  // Base64 is 4/3 of the size: refuse before decoding what cannot fit.
  if (file.contentBase64.length > Math.ceil(limitBytes / 3) * 4 + 4) {
    refuse('ATTACHMENT_TOO_LARGE', 'content', `${fileName} is larger than ${limitBytes} bytes.`);
  }
  const content = new Uint8Array(Buffer.from(file.contentBase64, 'base64'));
  if (content.byteLength > limitBytes) {
    refuse('ATTACHMENT_TOO_LARGE', 'content', `${fileName} is larger than ${limitBytes} bytes.`);
  }
  if (content.byteLength === 0) refuse('ATTACHMENT_TYPE', 'content', `${fileName} is empty.`);
  const contentType = file.contentType.toLowerCase().split(';')[0]?.trim() ?? '';
  const recognise = ATTACHMENT_TYPES[contentType];
  if (!recognise) {
    refuse(
      'ATTACHMENT_TYPE',
      'contentType',
      `${contentType || '(none)'} is not accepted; accepted: ${Object.keys(ATTACHMENT_TYPES).join(', ')}.`,
    );
  }
  if (!recognise(content)) {
    refuse('ATTACHMENT_TYPE', 'content', `${fileName} is not a ${contentType} file.`);
  }
  return db.transaction().execute(async (trx) => {
    const task = await trx
      .selectFrom('tasks')
      .innerJoin('instances', 'instances.id', 'tasks.instance_id')
      .select([
        'tasks.id',
        'tasks.instance_id',
        'tasks.node_id',
        'tasks.task_key',
        'tasks.candidate_roles',
        'tasks.claimed_by',
        'tasks.assignee',
        'instances.flow_key',
        'instances.current_nodes',
      ])
      .where('tasks.id', '=', taskId)
      .executeTakeFirst();
    if (!task) throw new RuntimeError('TASK_NOT_FOUND', `No task ${taskId}.`);
    assertCanSeeTask(viewer, task);
    const sha256 = createHash('sha256').update(content).digest('hex');
    const row = await trx
      .insertInto('task_attachments')
      .values({
        task_id: task.id,
        file_name: fileName,
        content_type: contentType,
        size_bytes: content.byteLength,
        sha256,
        content,
        uploaded_by: viewer.userId,
      })
      .returning(['id', 'created_at'])
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('audit_log')
      .values({
        actor: viewer.userId,
        instance_id: task.instance_id,
        kind: 'task.attached',
        flow_key: task.flow_key,
        from_nodes: jsonb(task.current_nodes),
        to_nodes: jsonb(task.current_nodes),
        event_type: null,
        details: jsonb({
          taskId: task.id,
          nodeId: task.node_id,
          attachmentId: row.id,
          fileName,
          contentType,
          sizeBytes: content.byteLength,
          sha256,
        }),
      })
      .execute();
    return {
      id: row.id,
      fileName,
      contentType,
      sizeBytes: content.byteLength,
      uploadedBy: viewer.userId,
      createdAt: iso(row.created_at) ?? '',
    };
  });
}

/**
 * One attachment of a task of the viewer's inbox, with its content.
 *
 * ```ts
 * const file = await getAttachment(db, viewer, taskId, attachmentId);
 * ```
 */
export async function getAttachment(
  db: Kysely<Database>,
  viewer: TaskViewer,
  taskId: string,
  attachmentId: string,
): Promise<TaskAttachmentInfo & { contentBase64: string }> {
  if (!isUuid(taskId)) throw new RuntimeError('TASK_NOT_FOUND', `No task ${taskId}.`);
  const task = await db
    .selectFrom('tasks')
    .select(['id', 'candidate_roles', 'claimed_by', 'assignee'])
    .where('id', '=', taskId)
    .executeTakeFirst();
  if (!task) throw new RuntimeError('TASK_NOT_FOUND', `No task ${taskId}.`);
  assertCanSeeTask(viewer, task);
  const row = isUuid(attachmentId)
    ? await db
        .selectFrom('task_attachments')
        .selectAll()
        .where('id', '=', attachmentId)
        .where('task_id', '=', taskId)
        .executeTakeFirst()
    : undefined;
  if (!row) {
    throw new RuntimeError(
      'ATTACHMENT_NOT_FOUND',
      `No attachment ${attachmentId} on task ${taskId}.`,
    );
  }
  return {
    id: row.id,
    fileName: row.file_name,
    contentType: row.content_type,
    sizeBytes: row.size_bytes,
    uploadedBy: row.uploaded_by,
    createdAt: iso(row.created_at) ?? '',
    contentBase64: Buffer.from(row.content).toString('base64'),
  };
}
