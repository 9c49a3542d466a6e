/** Small form controls shared by the properties panels; every control has a real label. */
import type { Duration, ParameterDeclaration, Problem } from '@waybill/shared';
import { useId, useState } from 'react';
import type { ReactElement, ReactNode } from 'react';

/** Messages of the problems whose field is `field` (or lies under it). */
export function messagesFor(problems: readonly Problem[], field: string): Problem[] {
  return problems.filter((p) => p.field === field || p.field.startsWith(`${field}.`));
}

export function FieldProblems({ problems }: { problems: readonly Problem[] }): ReactElement | null {
  if (problems.length === 0) return null;
  return (
    <ul className="field-problems">
      {problems.map((p, i) => (
        <li key={i} className={`field-problem field-problem--${p.severity}`}>
          {p.message}
        </li>
      ))}
    </ul>
  );
}

interface FieldShellProps {
  label: string;
  htmlFor?: string;
  hint?: string;
  problems?: readonly Problem[];
  children: ReactNode;
}

export function FieldShell({
  label,
  htmlFor,
  hint,
  problems = [],
  children,
}: FieldShellProps): ReactElement {
  return (
    <div className={`field${problems.length > 0 ? ' field--invalid' : ''}`}>
      <label className="field__label" htmlFor={htmlFor}>
        {label}
      </label>
      {children}
      {hint && <p className="field__hint">{hint}</p>}
      <FieldProblems problems={problems} />
    </div>
  );
}

interface TextFieldProps {
  label: string;
  value: string;
  onChange?: (value: string) => void;
  testId?: string;
  placeholder?: string;
  hint?: string;
  mono?: boolean;
  readOnly?: boolean;
  problems?: readonly Problem[];
  list?: string;
  multiline?: boolean;
}

export function TextField(props: TextFieldProps): ReactElement {
  const {
    label,
    value,
    onChange,
    testId,
    placeholder,
    hint,
    mono,
    readOnly,
    problems,
    list,
    multiline,
  } = props;
  const id = useId();
  const className = `input${mono ? ' input--mono' : ''}`;
  return (
    <FieldShell label={label} htmlFor={id} hint={hint} problems={problems}>
      {multiline ? (
        <textarea
          id={id}
          className={className}
          value={value}
          rows={3}
          placeholder={placeholder}
          readOnly={readOnly}
          data-testid={testId}
          onChange={(e) => onChange?.(e.target.value)}
        />
      ) : (
        <input
          id={id}
          className={className}
          value={value}
          placeholder={placeholder}
          readOnly={readOnly}
          data-testid={testId}
          list={list}
          aria-invalid={problems && problems.length > 0 ? true : undefined}
          onChange={(e) => onChange?.(e.target.value)}
        />
      )}
    </FieldShell>
  );
}

interface SelectFieldProps {
  label: string;
  value: string;
  options: readonly { value: string; label: string }[];
  onChange: (value: string) => void;
  testId?: string;
  hint?: string;
  problems?: readonly Problem[];
}

export function SelectField(props: SelectFieldProps): ReactElement {
  const { label, value, options, onChange, testId, hint, problems } = props;
  const id = useId();
  return (
    <FieldShell label={label} htmlFor={id} hint={hint} problems={problems}>
      <select
        id={id}
        className="input"
        value={value}
        data-testid={testId}
        onChange={(e) => onChange(e.target.value)}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </FieldShell>
  );
}

/** A comma-separated list (roles, select options); kept as typed until the field loses focus. */
export function ListField(props: {
  label: string;
  values: readonly string[];
  onChange: (values: string[]) => void;
  testId?: string;
  hint?: string;
  problems?: readonly Problem[];
}): ReactElement {
  const { label, values, onChange, testId, hint, problems } = props;
  const id = useId();
  const joined = values.join(', ');
  const [text, setText] = useState(joined);
  const [seen, setSeen] = useState(joined);
  if (seen !== joined) {
    setSeen(joined);
    setText(joined);
  }
  const commit = (): void => {
    const next = text
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
    if (next.join(', ') !== joined) onChange(next);
    else setText(joined);
  };
  return (
    <FieldShell
      label={label}
      htmlFor={id}
      hint={hint ?? 'Separate with commas.'}
      problems={problems}
    >
      <input
        id={id}
        className="input"
        value={text}
        data-testid={testId}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
        }}
      />
    </FieldShell>
  );
}

type DurationMode = 'none' | 'iso' | 'param';

/** A duration: an ISO-8601 text (`PT48H`) or a reference to a parameter. */
export function DurationField(props: {
  label: string;
  value: Duration | undefined;
  onChange: (value: Duration | undefined) => void;
  parameters: readonly ParameterDeclaration[];
  optional?: boolean;
  testId?: string;
  problems?: readonly Problem[];
}): ReactElement {
  const { label, value, onChange, parameters, optional, testId, problems } = props;
  const id = useId();
  const mode: DurationMode =
    value === undefined ? 'none' : typeof value === 'string' ? 'iso' : 'param';
  const durationParams = parameters.filter((p) => p.type === 'duration');
  const choices = durationParams.length > 0 ? durationParams : parameters;
  const setMode = (next: DurationMode): void => {
    if (next === 'none') onChange(undefined);
    else if (next === 'iso') onChange('PT24H');
    else onChange({ param: choices[0]?.name ?? '' });
  };
  return (
    <FieldShell
      label={label}
      htmlFor={id}
      problems={problems}
      hint={mode === 'iso' ? 'ISO-8601, e.g. PT30M, PT48H, P2D.' : undefined}
    >
      <div className="duration" data-testid={testId}>
        <select
          className="input duration__mode"
          aria-label={`${label} kind`}
          value={mode}
          onChange={(e) => {
            const next = e.target.value;
            if (next === 'none' || next === 'iso' || next === 'param') setMode(next);
          }}
        >
          {optional && <option value="none">None</option>}
          <option value="iso">Duration</option>
          <option value="param">Parameter</option>
        </select>
        {mode === 'iso' && typeof value === 'string' && (
          <input
            id={id}
            className="input input--mono"
            value={value}
            placeholder="PT48H"
            onChange={(e) => onChange(e.target.value)}
          />
        )}
        {mode === 'param' && typeof value === 'object' && (
          <select
            id={id}
            className="input input--mono"
            value={value.param}
            onChange={(e) => onChange({ param: e.target.value })}
          >
            {!choices.some((p) => p.name === value.param) && (
              <option value={value.param}>{value.param || '(choose)'}</option>
            )}
            {choices.map((p) => (
              <option key={p.name} value={p.name}>
                params.{p.name}
              </option>
            ))}
          </select>
        )}
      </div>
    </FieldShell>
  );
}

export function Section({
  title,
  children,
  actions,
}: {
  title: string;
  children: ReactNode;
  actions?: ReactNode;
}): ReactElement {
  return (
    <section className="inspector-section">
      <header className="inspector-section__header">
        <h3>{title}</h3>
        {actions}
      </header>
      {children}
    </section>
  );
}

/**
 * A number, kept as typed until it parses (so "1." or an empty field while retyping is fine);
 * empty means "not set" when `optional`.
 */
export function NumberField(props: {
  label: string;
  value: number | undefined;
  onChange: (value: number | undefined) => void;
  testId?: string;
  hint?: string;
  optional?: boolean;
  min?: number;
  max?: number;
  integer?: boolean;
  unit?: string;
  problems?: readonly Problem[];
}): ReactElement {
  const { label, value, onChange, testId, hint, optional, min, max, integer, unit, problems } =
    props;
  const id = useId();
  const stored = value === undefined ? '' : String(value);
  const [text, setText] = useState(stored);
  const [seen, setSeen] = useState(stored);
  const [error, setError] = useState<string | null>(null);
  if (seen !== stored) {
    setSeen(stored);
    setText(stored);
  }
  const commit = (next: string): void => {
    setText(next);
    if (next.trim() === '') {
      if (optional) {
        setError(null);
        onChange(undefined);
      } else setError('Required.');
      return;
    }
    const n = Number(next);
    if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) {
      setError(integer ? 'Must be a whole number.' : 'Must be a number.');
    } else if (min !== undefined && n < min) {
      setError(`At least ${min}.`);
    } else if (max !== undefined && n > max) {
      setError(`At most ${max}.`);
    } else {
      setError(null);
      onChange(n);
    }
  };
  return (
    <FieldShell label={label} htmlFor={id} hint={hint} problems={problems}>
      <div className="number-field">
        <input
          id={id}
          className="input input--mono"
          inputMode={integer ? 'numeric' : 'decimal'}
          value={text}
          data-testid={testId}
          aria-invalid={error !== null || (problems?.length ?? 0) > 0 ? true : undefined}
          onChange={(e) => commit(e.target.value)}
        />
        {unit && <span className="number-field__unit">{unit}</span>}
      </div>
      {error && <p className="field-error">{error}</p>}
    </FieldShell>
  );
}
