/**
 * A task's form, rendered from the node's form schema, checked as the approver goes with the
 * same `validateTaskForm` the platform runs before it accepts the decision; the outcome buttons
 * submit it. Errors the platform returns (per field) show on their fields too.
 */
import { validateTaskForm, type FormField } from '@waybill/shared';
import { useState } from 'react';
import type { FormEvent, ReactElement } from 'react';

export type FormValues = Record<string, string | boolean>;

function isFormField(value: unknown): value is FormField {
  return (
    typeof value === 'object' &&
    value !== null &&
    'id' in value &&
    'label' in value &&
    'type' in value &&
    typeof value.id === 'string' &&
    typeof value.label === 'string'
  );
}

/** The form fields of a task (the schema the platform stored with it). */
export function formFieldsOf(form: unknown[]): FormField[] {
  return form.filter(isFormField);
}

/** What the form sends: blank inputs left out, so optional fields stay unset. */
function dataOf(fields: FormField[], values: FormValues): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const field of fields) {
    const value = values[field.id];
    if (value === undefined || value === '') continue;
    data[field.id] = value;
  }
  return data;
}

export function TaskForm({
  fields,
  outcomes,
  disabled,
  serverErrors,
  onSubmit,
}: {
  fields: FormField[];
  outcomes: { id: string; label: string }[];
  disabled: boolean;
  /** Field errors the platform answered with. */
  serverErrors: Record<string, string>;
  onSubmit: (outcome: string, data: Record<string, unknown>) => void;
}): ReactElement {
  const [values, setValues] = useState<FormValues>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [touched, setTouched] = useState(false);
  const shown = { ...serverErrors, ...errors };

  const check = (next: FormValues): Record<string, string> => {
    const result = validateTaskForm(fields, dataOf(fields, next));
    return result.ok ? {} : result.fieldErrors;
  };

  const update = (id: string, value: string | boolean): void => {
    const next = { ...values, [id]: value };
    setValues(next);
    if (touched) setErrors(check(next));
  };

  const submit = (event: FormEvent<HTMLFormElement>, outcome: string): void => {
    event.preventDefault();
    setTouched(true);
    const found = check(values);
    setErrors(found);
    if (Object.keys(found).length > 0) {
      const first = fields.find((f) => found[f.id]);
      if (first) document.getElementById(`task-field-${first.id}`)?.focus();
      return;
    }
    onSubmit(outcome, dataOf(fields, values));
  };

  return (
    <form
      className="task-form"
      aria-label="Decision"
      data-testid="task-form"
      noValidate
      onSubmit={(e) => {
        const native = e.nativeEvent;
        const submitter = 'submitter' in native ? native.submitter : null;
        const outcome = submitter instanceof HTMLButtonElement ? submitter.value : '';
        submit(e, outcome);
      }}
    >
      {fields.map((field) => {
        const id = `task-field-${field.id}`;
        const error = shown[field.id];
        const errorId = `${id}-error`;
        const value = values[field.id];
        const common = {
          id,
          'data-testid': id,
          'aria-invalid': error ? true : undefined,
          'aria-describedby': error ? errorId : undefined,
          'aria-required': field.required ? true : undefined,
          disabled,
        };
        return (
          <div key={field.id} className={`field${error ? ' field--invalid' : ''}`}>
            {field.type === 'boolean' ? (
              <label className="checkbox" htmlFor={id}>
                <input
                  type="checkbox"
                  {...common}
                  checked={value === true}
                  onChange={(e) => update(field.id, e.target.checked)}
                />
                {field.label}
                {field.required && <span className="required"> *</span>}
              </label>
            ) : (
              <>
                <label className="field__label" htmlFor={id}>
                  {field.label}
                  {field.required && <span className="required"> *</span>}
                </label>
                {field.type === 'text' ? (
                  <textarea
                    className="input"
                    rows={3}
                    {...common}
                    value={typeof value === 'string' ? value : ''}
                    onChange={(e) => update(field.id, e.target.value)}
                  />
                ) : field.type === 'select' ? (
                  <select
                    className="input"
                    {...common}
                    value={typeof value === 'string' ? value : ''}
                    onChange={(e) => update(field.id, e.target.value)}
                  >
                    <option value="">Choose…</option>
                    {(field.options ?? []).map((option) => (
                      <option key={option} value={option}>
                        {option}
                      </option>
                    ))}
                  </select>
                ) : (
                  <input
                    className="input"
                    type={field.type === 'date' ? 'date' : 'text'}
                    inputMode={field.type === 'number' ? 'decimal' : undefined}
                    {...common}
                    value={typeof value === 'string' ? value : ''}
                    onChange={(e) => update(field.id, e.target.value)}
                  />
                )}
              </>
            )}
            {error && (
              <p className="field-error" id={errorId} data-testid={`${id}-error`}>
                {error}
              </p>
            )}
          </div>
        );
      })}
      <div className="task-form__outcomes" role="group" aria-label="Outcome">
        {outcomes.map((outcome, index) => (
          <button
            key={outcome.id}
            type="submit"
            name="outcome"
            value={outcome.id}
            className={`btn${index === 0 ? ' btn--primary' : ''}`}
            disabled={disabled}
            data-testid={`task-outcome-${outcome.id}`}
          >
            {outcome.label}
          </button>
        ))}
      </div>
    </form>
  );
}
