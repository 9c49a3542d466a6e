import { describe, expect, test } from 'vitest';
import type { FormField } from './flow.schema.ts';
import { validateTaskForm } from './task-form.ts';

const form: FormField[] = [
  { id: 'amount', label: 'Amount', type: 'number', required: true },
  { id: 'note', label: 'Note', type: 'text', required: false },
  { id: 'promised', label: 'Promised by', type: 'date', required: false },
  { id: 'reason', label: 'Reason', type: 'select', required: false, options: ['price', 'qty'] },
  { id: 'urgent', label: 'Urgent', type: 'boolean', required: false },
];

describe('validateTaskForm', () => {
  test('converts values to their field types and leaves blank optional fields out', () => {
    expect(
      validateTaskForm(form, { amount: '12.5', note: '', reason: 'qty', urgent: 'true' }),
    ).toEqual({ ok: true, values: { amount: 12.5, reason: 'qty', urgent: true } });
  });

  test.each([
    [{}, 'amount', 'Amount is required.'],
    [{ amount: 'twelve' }, 'amount', 'Amount must be a number.'],
    [{ amount: 1, promised: '2026-02-30' }, 'promised', 'Promised by must be a date (YYYY-MM-DD).'],
    [{ amount: 1, reason: 'other' }, 'reason', 'Reason must be one of: price, qty.'],
    [{ amount: 1, note: 7 }, 'note', 'Note must be text.'],
    [{ amount: 1, extra: 'x' }, 'extra', 'The form has no field "extra".'],
  ])('refuses %j with an error on the field', (data, field, message) => {
    const result = validateTaskForm(form, data);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.fieldErrors[field]).toBe(message);
  });
});
