/**
 * Validation of a human task's form values against the node's form schema. The designer runs it
 * while the approver types; the runtime runs the same function before it completes the task, so
 * the two can never disagree.
 *
 * ```ts
 * const result = validateTaskForm(node.form, { prepaymentAmount: '12.5', note: '' });
 * if (result.ok) complete(result.values); // { prepaymentAmount: 12.5 }
 * else show(result.fieldErrors);          // { fieldId: 'message' }
 * ```
 * @module
 */
import type { FormField } from './flow.schema.ts';

/** A form value once checked: what the task stores and the instance receives. */
export type TaskFormValue = string | number | boolean;

export type TaskFormResult =
  | { ok: true; values: Record<string, TaskFormValue> }
  | { ok: false; fieldErrors: Record<string, string> };

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
/** Longest text a form field keeps (a note, not a document: attachments hold documents). */
export const TASK_FORM_TEXT_LIMIT = 10_000;

function isBlank(value: unknown): boolean {
  return (
    value === undefined || value === null || (typeof value === 'string' && value.trim() === '')
  );
}

function isRealDate(text: string): boolean {
  if (!ISO_DATE.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

/** One field's value, converted to its type, or the message that says what is wrong. */
function checkField(field: FormField, raw: unknown): { value: TaskFormValue } | { error: string } {
  switch (field.type) {
    case 'string':
    case 'text': {
      if (typeof raw !== 'string') return { error: `${field.label} must be text.` };
      const text = field.type === 'string' ? raw.trim() : raw;
      if (text.length > TASK_FORM_TEXT_LIMIT)
        return { error: `${field.label} is longer than ${TASK_FORM_TEXT_LIMIT} characters.` };
      return { value: text };
    }
    case 'number': {
      const n = typeof raw === 'string' ? Number(raw.trim()) : raw;
      if (typeof n !== 'number' || !Number.isFinite(n))
        return { error: `${field.label} must be a number.` };
      return { value: n };
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return { value: raw };
      if (raw === 'true' || raw === 'false') return { value: raw === 'true' };
      return { error: `${field.label} must be yes or no.` };
    }
    case 'date': {
      if (typeof raw !== 'string' || !isRealDate(raw.trim()))
        return { error: `${field.label} must be a date (YYYY-MM-DD).` };
      return { value: raw.trim() };
    }
    case 'select': {
      const options = field.options ?? [];
      if (typeof raw !== 'string' || !options.includes(raw))
        return { error: `${field.label} must be one of: ${options.join(', ')}.` };
      return { value: raw };
    }
  }
}

/**
 * Checks form values against a task's form: required fields present, each value of its field's
 * type (numbers may arrive as numeric text from an input), selects among their options, and no
 * value for a field the form does not have. Blank optional fields are left out of `values`.
 */
export function validateTaskForm(
  form: readonly FormField[],
  data: Readonly<Record<string, unknown>>,
): TaskFormResult {
  const fieldErrors: Record<string, string> = {};
  const values: Record<string, TaskFormValue> = {};
  const known = new Set(form.map((f) => f.id));
  for (const key of Object.keys(data)) {
    if (!known.has(key)) fieldErrors[key] = `The form has no field "${key}".`;
  }
  for (const field of form) {
    const raw = data[field.id];
    // An unticked checkbox is an answer (false), not a missing one.
    if (isBlank(raw) && field.type !== 'boolean') {
      if (field.required) fieldErrors[field.id] = `${field.label} is required.`;
      continue;
    }
    if (raw === undefined || raw === null) {
      if (field.required) fieldErrors[field.id] = `${field.label} is required.`;
      continue;
    }
    const checked = checkField(field, raw);
    if ('error' in checked) fieldErrors[field.id] = checked.error;
    else values[field.id] = checked.value;
  }
  return Object.keys(fieldErrors).length > 0 ? { ok: false, fieldErrors } : { ok: true, values };
}
