/**
 * The connector call form: pick a connector and operation (from `connectors.list`), then map
 * each input field of the operation's JSON Schema to a fixed value or an expression.
 */
import type {
  FlowDefinition,
  FlowNodeOf,
  Problem,
  RetryPolicy,
  ValueSource,
} from '@waybill/shared';
import { useState } from 'react';
import type { ReactElement } from 'react';
import type { ConnectorDescription } from '../api/client.ts';
import { ExpressionEditor } from '../editor/ExpressionEditor.tsx';
import { FieldProblems, NumberField, Section, SelectField, messagesFor } from './fields.tsx';
import { formatStaticValue, inputFieldsOf, parseStaticValue } from './json-schema-fields.ts';
import { defaultRetry, describeRetry } from './retry-policy.ts';
import type { SchemaField } from './json-schema-fields.ts';

type ConnectorNode = FlowNodeOf<'connectorCall'>;

interface ConnectorCallFormProps {
  node: ConnectorNode;
  definition: FlowDefinition;
  problems: readonly Problem[];
  connectors: readonly ConnectorDescription[] | null;
  onChange: (node: ConnectorNode) => void;
}

function StaticInput(props: {
  field: SchemaField;
  value: unknown;
  onChange: (value: unknown) => void;
}): ReactElement {
  const { field, value, onChange } = props;
  const stored = formatStaticValue(value);
  const [text, setText] = useState(stored);
  const [error, setError] = useState<string | null>(null);
  const [seen, setSeen] = useState(stored);
  if (seen !== stored) {
    setSeen(stored);
    setText(stored);
  }
  const label = `${field.title} value`;
  if (field.type === 'boolean') {
    return (
      <select
        className="input"
        aria-label={label}
        value={value === true ? 'true' : 'false'}
        onChange={(e) => onChange(e.target.value === 'true')}
      >
        <option value="true">true</option>
        <option value="false">false</option>
      </select>
    );
  }
  if (field.enum) {
    return (
      <select
        className="input"
        aria-label={label}
        value={stored}
        onChange={(e) => onChange(e.target.value)}
      >
        {!field.enum.includes(stored) && <option value={stored}>{stored || '(choose)'}</option>}
        {field.enum.map((v) => (
          <option key={v} value={v}>
            {v}
          </option>
        ))}
      </select>
    );
  }
  return (
    <>
      <input
        className={`input${field.type === 'string' ? '' : ' input--mono'}`}
        aria-label={label}
        data-testid={`input-${field.name}-value`}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          const parsed = parseStaticValue(field, e.target.value);
          if (parsed.ok) {
            setError(null);
            onChange(parsed.value);
          } else {
            setError(parsed.error);
          }
        }}
      />
      {error && <p className="field-error">{error}</p>}
    </>
  );
}

function InputRow(props: {
  field: SchemaField;
  source: ValueSource | undefined;
  problems: readonly Problem[];
  onChange: (source: ValueSource | undefined) => void;
}): ReactElement {
  const { field, source, problems, onChange } = props;
  const mode = source?.kind ?? 'unset';
  const setMode = (next: string): void => {
    if (next === 'unset') onChange(undefined);
    else if (next === 'expr')
      onChange({
        kind: 'expr',
        expr: source?.kind === 'static' ? formatStaticValue(source.value) || 'null' : 'null',
      });
    else
      onChange({
        kind: 'static',
        value:
          field.type === 'boolean'
            ? false
            : field.type === 'number' || field.type === 'integer'
              ? 0
              : '',
      });
  };
  return (
    <div
      className={`input-row${problems.length > 0 ? ' field--invalid' : ''}`}
      data-testid={`input-${field.name}`}
    >
      <div className="input-row__head">
        <span className="input-row__name" title={field.description}>
          {field.title}
          {field.required && (
            <span className="required" aria-label="required">
              *
            </span>
          )}
          <span className="input-row__type">{field.type === 'unknown' ? '' : field.type}</span>
        </span>
        <div className="segmented" role="radiogroup" aria-label={`${field.title} source`}>
          {[
            ...(field.required ? [] : [{ value: 'unset', label: '—' }]),
            { value: 'static', label: 'Value' },
            { value: 'expr', label: 'Expr' },
          ].map((option) => (
            <button
              type="button"
              key={option.value}
              role="radio"
              aria-checked={mode === option.value}
              className={mode === option.value ? 'is-on' : ''}
              data-testid={`input-${field.name}-mode-${option.value}`}
              onClick={() => setMode(option.value)}
            >
              {option.label}
            </button>
          ))}
        </div>
      </div>
      {field.description && <p className="field__hint">{field.description}</p>}
      {source?.kind === 'static' && (
        <StaticInput
          field={field}
          value={source.value}
          onChange={(value) => onChange({ kind: 'static', value })}
        />
      )}
      {source?.kind === 'expr' && (
        <ExpressionEditor
          label={`${field.title} expression`}
          testId={`input-${field.name}-expr`}
          value={source.expr}
          invalid={problems.length > 0}
          onChange={(expr) => onChange({ kind: 'expr', expr })}
        />
      )}
      {source === undefined && field.required && (
        <p className="field-error">Required: choose a value or an expression.</p>
      )}
      <FieldProblems problems={problems} />
    </div>
  );
}

function ReliabilitySection({
  node,
  problems,
  onChange,
}: {
  node: ConnectorNode;
  problems: readonly Problem[];
  onChange: (node: ConnectorNode) => void;
}): ReactElement {
  const retry = node.retry;
  const setRetry = (patch: Partial<RetryPolicy>): void =>
    onChange({ ...node, retry: { ...(retry ?? defaultRetry), ...patch } });
  return (
    <Section title="Reliability">
      <NumberField
        label="Timeout"
        optional
        integer
        min={1}
        max={3600}
        unit="seconds"
        value={node.timeoutMs === undefined ? undefined : node.timeoutMs / 1000}
        testId="connector-timeout"
        hint="How long one attempt may take; empty uses the connector's default."
        problems={messagesFor(problems, 'timeoutMs')}
        onChange={(value) =>
          onChange({ ...node, timeoutMs: value === undefined ? undefined : value * 1000 })
        }
      />
      <SelectField
        label="Retries"
        value={retry ? 'custom' : 'default'}
        testId="retry-mode"
        options={[
          { value: 'default', label: 'Platform default' },
          { value: 'custom', label: 'Custom policy' },
        ]}
        onChange={(mode) =>
          onChange({ ...node, retry: mode === 'custom' ? defaultRetry : undefined })
        }
      />
      <p className="retry-summary" data-testid="retry-summary">
        {describeRetry(retry ?? defaultRetry)} Leaves through “error” when every attempt failed.
      </p>
      {retry && (
        <>
          <div className="list-card__row">
            <NumberField
              label="Attempts"
              integer
              min={1}
              max={100}
              value={retry.maxAttempts}
              testId="retry-max-attempts"
              problems={messagesFor(problems, 'retry.maxAttempts')}
              onChange={(maxAttempts) => setRetry({ maxAttempts: maxAttempts ?? 1 })}
            />
            <NumberField
              label="Backoff ×"
              min={1}
              max={10}
              value={retry.backoffCoefficient}
              testId="retry-backoff"
              problems={messagesFor(problems, 'retry.backoffCoefficient')}
              onChange={(backoffCoefficient) =>
                setRetry({ backoffCoefficient: backoffCoefficient ?? 1 })
              }
            />
          </div>
          <div className="list-card__row">
            <NumberField
              label="First wait"
              integer
              min={0}
              unit="ms"
              value={retry.initialIntervalMs}
              testId="retry-initial-interval"
              problems={messagesFor(problems, 'retry.initialIntervalMs')}
              onChange={(initialIntervalMs) =>
                setRetry({ initialIntervalMs: initialIntervalMs ?? 0 })
              }
            />
            <NumberField
              label="Longest wait"
              integer
              min={0}
              unit="ms"
              value={retry.maxIntervalMs}
              testId="retry-max-interval"
              problems={messagesFor(problems, 'retry.maxIntervalMs')}
              onChange={(maxIntervalMs) => setRetry({ maxIntervalMs: maxIntervalMs ?? 0 })}
            />
          </div>
        </>
      )}
    </Section>
  );
}

export function ConnectorCallForm({
  node,
  definition,
  problems,
  connectors,
  onChange,
}: ConnectorCallFormProps): ReactElement {
  const connector = connectors?.find((c) => c.id === node.connector);
  const operation = connector?.operations.find((o) => o.name === node.operation);
  const fields = operation ? inputFieldsOf(operation) : [];
  const known = new Set(fields.map((f) => f.name));
  const extra = Object.keys(node.input).filter((name) => !known.has(name));

  const connectorOptions = [
    { value: '', label: connectors === null ? 'Loading connectors…' : '(choose a connector)' },
    ...(connectors ?? []).map((c) => ({ value: c.id, label: `${c.displayName} (${c.id})` })),
    ...(node.connector && !connector && connectors !== null
      ? [{ value: node.connector, label: `${node.connector} (not installed)` }]
      : []),
  ];
  const operationOptions = [
    { value: '', label: '(choose an operation)' },
    ...(connector?.operations ?? []).map((o) => ({
      value: o.name,
      label: o.displayName || o.name,
    })),
    ...(node.operation && !operation
      ? [{ value: node.operation, label: `${node.operation} (unknown)` }]
      : []),
  ];

  const setInput = (name: string, source: ValueSource | undefined): void => {
    const input = { ...node.input };
    if (source) input[name] = source;
    else delete input[name];
    onChange({ ...node, input });
  };

  return (
    <>
      <Section title="Operation">
        <SelectField
          label="Connector"
          value={node.connector}
          options={connectorOptions}
          testId="connector-select"
          hint={connector?.description}
          problems={messagesFor(problems, 'connector')}
          onChange={(id) => {
            const next = connectors?.find((c) => c.id === id);
            onChange({
              ...node,
              connector: id,
              connectorVersion: next?.version ?? 1,
              operation: '',
              input: {},
            });
          }}
        />
        <SelectField
          label="Operation"
          value={node.operation}
          options={operationOptions}
          testId="operation-select"
          hint={operation?.description}
          problems={messagesFor(problems, 'operation')}
          onChange={(name) => onChange({ ...node, operation: name, input: {} })}
        />
        <SelectField
          label="Store the result in"
          value={node.resultVariable ?? ''}
          testId="connector-result-variable"
          options={[
            { value: '', label: '(discard)' },
            ...definition.variables.map((v) => ({ value: v.name, label: v.name })),
            ...(node.resultVariable &&
            !definition.variables.some((v) => v.name === node.resultVariable)
              ? [{ value: node.resultVariable, label: `${node.resultVariable} (undeclared)` }]
              : []),
          ]}
          problems={messagesFor(problems, 'resultVariable')}
          onChange={(resultVariable) =>
            onChange({ ...node, resultVariable: resultVariable || undefined })
          }
        />
      </Section>
      {operation && (
        <Section title="Input">
          {fields.length === 0 && <p className="section-hint">This operation takes no input.</p>}
          {fields.map((field) => (
            <InputRow
              key={field.name}
              field={field}
              source={node.input[field.name]}
              problems={messagesFor(problems, `input.${field.name}`)}
              onChange={(source) => setInput(field.name, source)}
            />
          ))}
          {extra.map((name) => (
            <div className="input-row field--invalid" key={name}>
              <div className="input-row__head">
                <span className="input-row__name">{name}</span>
                <button
                  type="button"
                  className="btn btn--small btn--ghost"
                  onClick={() => setInput(name, undefined)}
                >
                  Remove
                </button>
              </div>
              <p className="field-error">Not an input of {operation.name}.</p>
            </div>
          ))}
        </Section>
      )}
      <ReliabilitySection node={node} problems={problems} onChange={onChange} />
    </>
  );
}
