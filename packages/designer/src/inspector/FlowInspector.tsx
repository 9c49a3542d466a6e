/** Flow-level settings, shown when nothing is selected on the canvas. */
import { eventBindingSchema, parameterSchema, variableSchema } from '@waybill/shared';
import type { FlowDefinition, ParameterDeclaration, Problem } from '@waybill/shared';
import type { ReactElement } from 'react';
import { z } from 'zod';
import { KindIcon } from '../canvas/KindIcon.tsx';
import { JsonEditor } from '../editor/JsonEditor.tsx';
import { Section, SelectField, TextField, messagesFor } from './fields.tsx';

interface FlowInspectorProps {
  definition: FlowDefinition;
  problems: readonly Problem[];
  onChange: (definition: FlowDefinition) => void;
}

function checked<TValue>(schema: z.ZodType<TValue>) {
  return (json: unknown): { ok: true; value: TValue } | { ok: false; error: string } => {
    const parsed = schema.safeParse(json);
    if (parsed.success) return { ok: true, value: parsed.data };
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      error: issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'Invalid.',
    };
  };
}

const parseVariables = checked(z.array(variableSchema));
const parseEvents = checked(z.array(eventBindingSchema));
const parameterTypes = parameterSchema.shape.type.options;

function valueText(value: unknown): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Parameter values are typed by the parameter: numbers stay numbers, `true` stays boolean. */
function typedValue(type: ParameterDeclaration['type'], text: string): unknown {
  if (text.trim() === '') return undefined;
  if (type === 'number' || type === 'integer') {
    const n = Number(text);
    return Number.isNaN(n) ? text : n;
  }
  if (type === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
  return text;
}

function ParametersEditor(props: {
  parameters: readonly ParameterDeclaration[];
  problems: readonly Problem[];
  onChange: (parameters: ParameterDeclaration[]) => void;
}): ReactElement {
  const { parameters, problems, onChange } = props;
  const update = (index: number, patch: Partial<ParameterDeclaration>): void =>
    onChange(parameters.map((p, i) => (i === index ? { ...p, ...patch } : p)));
  return (
    <Section
      title="Parameters"
      actions={
        <button
          type="button"
          className="btn btn--small"
          data-testid="add-parameter"
          onClick={() =>
            onChange([...parameters, { name: `param${parameters.length + 1}`, type: 'string' }])
          }
        >
          + Add
        </button>
      }
    >
      <p className="section-hint">
        Set by each business unit when it deploys the flow; use them as <code>params.name</code>.
      </p>
      {parameters.map((parameter, index) => (
        <div className="list-card" key={index} data-testid={`parameter-${index}`}>
          <div className="list-card__row">
            <TextField
              label="Name"
              mono
              value={parameter.name}
              testId={`parameter-${index}-name`}
              problems={messagesFor(problems, `parameters.${index}.name`)}
              onChange={(name) => update(index, { name })}
            />
            <SelectField
              label="Type"
              value={parameter.type}
              options={parameterTypes.map((t) => ({ value: t, label: t }))}
              onChange={(type) => {
                const parsed = parameterSchema.shape.type.safeParse(type);
                if (parsed.success) update(index, { type: parsed.data });
              }}
            />
            <button
              type="button"
              className="icon-btn"
              aria-label={`Remove parameter ${parameter.name}`}
              onClick={() => onChange(parameters.filter((_, i) => i !== index))}
            >
              ×
            </button>
          </div>
          <div className="list-card__row">
            <TextField
              label="Default"
              mono
              value={valueText(parameter.default)}
              onChange={(text) => update(index, { default: typedValue(parameter.type, text) })}
            />
            <TextField
              label="Value"
              mono
              value={valueText(parameter.value)}
              onChange={(text) => update(index, { value: typedValue(parameter.type, text) })}
            />
          </div>
          <TextField
            label="Description"
            value={parameter.description ?? ''}
            onChange={(description) => update(index, { description: description || undefined })}
          />
        </div>
      ))}
    </Section>
  );
}

export function FlowInspector({
  definition,
  problems,
  onChange,
}: FlowInspectorProps): ReactElement {
  const flowProblems = problems.filter((p) => p.nodeId === null);
  return (
    <div className="inspector" data-testid="flow-inspector">
      <header className="inspector__header">
        <span className="inspector__icon inspector__icon--flow" aria-hidden="true">
          <KindIcon kind="flow" size={18} />
        </span>
        <div>
          <p className="inspector__kind">Flow settings</p>
          <h2 className="inspector__title">{definition.name}</h2>
        </div>
      </header>
      <Section title="General">
        <TextField label="Key" mono readOnly value={definition.key} testId="flow-key" />
        <TextField
          label="Name"
          value={definition.name}
          testId="flow-name"
          problems={messagesFor(flowProblems, 'name')}
          onChange={(name) => onChange({ ...definition, name })}
        />
        <TextField
          label="Description"
          multiline
          value={definition.description ?? ''}
          testId="flow-description"
          onChange={(description) =>
            onChange({ ...definition, description: description || undefined })
          }
        />
      </Section>
      <Section title="Trigger">
        <TextField
          label="Start on event"
          mono
          value={definition.trigger.event}
          placeholder="order.released"
          testId="flow-trigger-event"
          problems={messagesFor(flowProblems, 'trigger.event')}
          onChange={(event) =>
            onChange({ ...definition, trigger: { ...definition.trigger, event } })
          }
        />
        <SelectField
          label="Store its payload in"
          value={definition.trigger.assign ?? ''}
          testId="flow-trigger-assign"
          options={[
            { value: '', label: '(none)' },
            ...definition.variables.map((v) => ({ value: v.name, label: v.name })),
            ...(definition.trigger.assign &&
            !definition.variables.some((v) => v.name === definition.trigger.assign)
              ? [
                  {
                    value: definition.trigger.assign,
                    label: `${definition.trigger.assign} (undeclared)`,
                  },
                ]
              : []),
          ]}
          problems={messagesFor(flowProblems, 'trigger.assign')}
          onChange={(assign) =>
            onChange({
              ...definition,
              trigger: { event: definition.trigger.event, assign: assign || undefined },
            })
          }
        />
      </Section>
      <Section title="Variables">
        <p className="section-hint">
          The instance context: <code>{'{ "name": "shipment", "type": { "object": { … } } }'}</code>
          . Types: string, number, integer, boolean, timestamp, any, <code>{'{ "list": … }'}</code>.
        </p>
        <JsonEditor
          label="Variables (JSON)"
          testId="flow-variables"
          value={definition.variables}
          parse={parseVariables}
          onChange={(variables) => onChange({ ...definition, variables })}
        />
      </Section>
      <Section title="Event bindings">
        <p className="section-hint">
          Which events update the instance wherever it waits:{' '}
          <code>{'{ "type": "pod.received", "assign": "pod" }'}</code>.
        </p>
        <JsonEditor
          label="Event bindings (JSON)"
          testId="flow-events"
          value={definition.events}
          parse={parseEvents}
          onChange={(events) => onChange({ ...definition, events })}
        />
      </Section>
      <ParametersEditor
        parameters={definition.parameters}
        problems={flowProblems}
        onChange={(parameters) => onChange({ ...definition, parameters })}
      />
    </div>
  );
}
