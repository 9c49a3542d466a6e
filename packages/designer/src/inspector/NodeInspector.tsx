/** The properties panel for one selected node: common fields, then a form per node kind. */
import type {
  Condition,
  FlowDefinition,
  FlowNode,
  FlowNodeOf,
  FormField,
  Problem,
} from '@waybill/shared';
import { formFieldSchema } from '@waybill/shared';
import { useId } from 'react';
import type { ReactElement } from 'react';
import type { ConnectorDescription } from '../api/client.ts';
import { ExpressionEditor } from '../editor/ExpressionEditor.tsx';
import { KindIcon } from '../canvas/KindIcon.tsx';
import { kindInfo } from '../model/node-kinds.ts';
import { ConnectorCallForm } from './ConnectorCallForm.tsx';
import { ClassifyForm, ExceptionForm, ParallelForm, SubflowForm } from './FlowKindForms.tsx';
import {
  DurationField,
  FieldShell,
  ListField,
  Section,
  SelectField,
  TextField,
  messagesFor,
} from './fields.tsx';

export interface NodeFormProps<TNode extends FlowNode> {
  node: TNode;
  definition: FlowDefinition;
  problems: readonly Problem[];
  onChange: (node: TNode) => void;
}

/** A CEL expression with its label and problems. */
export function ExpressionField(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  problems: readonly Problem[];
  testId: string;
  placeholder?: string;
  eventType?: string | undefined;
  expectType?: string | undefined;
}): ReactElement {
  const id = useId();
  return (
    <FieldShell label={props.label} htmlFor={id} problems={props.problems}>
      <ExpressionEditor
        value={props.value}
        onChange={props.onChange}
        label={props.label}
        testId={props.testId}
        placeholder={props.placeholder}
        invalid={props.problems.length > 0}
        eventType={props.eventType}
        expectType={props.expectType}
      />
    </FieldShell>
  );
}

/** The list with the item at `index` moved one place up (-1) or down (+1). */
function moveItem<TItem>(items: readonly TItem[], index: number, by: -1 | 1): TItem[] {
  const next = [...items];
  const target = index + by;
  const a = next[index];
  const b = next[target];
  if (a === undefined || b === undefined) return next;
  next[index] = b;
  next[target] = a;
  return next;
}

function uniqueId(stem: string, taken: readonly string[]): string {
  for (let n = taken.length + 1; ; n += 1) {
    const candidate = `${stem}${n}`;
    if (!taken.includes(candidate)) return candidate;
  }
}

function ConditionsEditor(props: {
  conditions: readonly Condition[];
  onChange: (conditions: Condition[]) => void;
  problems: readonly Problem[];
  title: string;
  hint: string;
}): ReactElement {
  const { conditions, onChange, problems, title, hint } = props;
  const update = (index: number, patch: Partial<Condition>): void =>
    onChange(conditions.map((c, i) => (i === index ? { ...c, ...patch } : c)));
  return (
    <Section
      title={title}
      actions={
        <button
          type="button"
          className="btn btn--small"
          data-testid="add-condition"
          onClick={() =>
            onChange([
              ...conditions,
              {
                id: uniqueId(
                  'condition',
                  conditions.map((c) => c.id),
                ),
                label: 'New condition',
                expression: 'true',
              },
            ])
          }
        >
          + Add
        </button>
      }
    >
      <p className="section-hint">{hint}</p>
      {conditions.map((condition, index) => (
        <div className="list-card" key={index} data-testid={`condition-${index}`}>
          <div className="list-card__row">
            <TextField
              label="Id"
              mono
              value={condition.id}
              testId={`condition-${index}-id`}
              problems={messagesFor(problems, `conditions.${index}.id`)}
              onChange={(id) => update(index, { id })}
            />
            <TextField
              label="Label"
              value={condition.label ?? ''}
              testId={`condition-${index}-label`}
              onChange={(label) => update(index, { label: label || undefined })}
            />
            <button
              type="button"
              className="icon-btn"
              aria-label={`Remove condition ${condition.label ?? condition.id}`}
              disabled={conditions.length <= 1}
              onClick={() => onChange(conditions.filter((_, i) => i !== index))}
            >
              ×
            </button>
          </div>
          <ExpressionField
            label="Expression"
            value={condition.expression}
            testId={`condition-${index}-expression`}
            problems={messagesFor(problems, `conditions.${index}.expression`)}
            placeholder="shipment != null"
            expectType="bool"
            onChange={(expression) => update(index, { expression })}
          />
        </div>
      ))}
    </Section>
  );
}

/** The flow's variables as options of a "store the result in" field (an undeclared one kept). */
export function variableOptions(
  definition: FlowDefinition,
  current: string | undefined,
): { value: string; label: string }[] {
  const names = definition.variables.map((v) => v.name);
  const options = [{ value: '', label: '(none)' }, ...names.map((n) => ({ value: n, label: n }))];
  if (current && !names.includes(current))
    options.push({ value: current, label: `${current} (undeclared)` });
  return options;
}

function GateForm({
  node,
  definition,
  problems,
  onChange,
}: NodeFormProps<FlowNodeOf<'readinessGate'>>): ReactElement {
  return (
    <>
      <ConditionsEditor
        title="Conditions"
        hint="Leaves through “ready” once every condition holds; checked again after each event."
        conditions={node.conditions}
        problems={problems}
        onChange={(conditions) => onChange({ ...node, conditions })}
      />
      <Section title="Timeout">
        <DurationField
          label="Leave through “timeout” after"
          optional
          value={node.timeout}
          parameters={definition.parameters}
          testId="gate-timeout"
          problems={messagesFor(problems, 'timeout')}
          onChange={(timeout) => onChange({ ...node, timeout })}
        />
      </Section>
    </>
  );
}

function DecisionForm({
  node,
  problems,
  onChange,
}: NodeFormProps<FlowNodeOf<'decision'>>): ReactElement {
  return (
    <ConditionsEditor
      title="Branches"
      hint="The first condition that holds picks the branch; otherwise the flow leaves through “default”."
      conditions={node.conditions}
      problems={problems}
      onChange={(conditions) => onChange({ ...node, conditions })}
    />
  );
}

function WaitForm({
  node,
  definition,
  problems,
  onChange,
}: NodeFormProps<FlowNodeOf<'waitForEvent'>>): ReactElement {
  const listId = useId();
  return (
    <Section title="Event">
      <datalist id={listId}>
        {definition.events.map((e) => (
          <option key={e.type} value={e.type} />
        ))}
      </datalist>
      <TextField
        label="Event type"
        mono
        list={listId}
        value={node.eventType}
        placeholder="shipment.confirmed"
        testId="wait-event-type"
        problems={messagesFor(problems, 'eventType')}
        onChange={(eventType) => onChange({ ...node, eventType })}
      />
      <ExpressionField
        label="Filter (optional)"
        value={node.filter ?? ''}
        testId="wait-filter"
        placeholder="event.orderNumber == order.orderNumber"
        eventType={node.eventType || undefined}
        expectType="bool"
        problems={messagesFor(problems, 'filter')}
        onChange={(filter) =>
          onChange({ ...node, filter: filter.trim() === '' ? undefined : filter })
        }
      />
      <SelectField
        label="Store payload in"
        value={node.assign ?? ''}
        options={variableOptions(definition, node.assign)}
        testId="wait-assign"
        problems={messagesFor(problems, 'assign')}
        onChange={(assign) => onChange({ ...node, assign: assign || undefined })}
      />
      <DurationField
        label="Timeout"
        optional
        value={node.timeout}
        parameters={definition.parameters}
        testId="wait-timeout"
        problems={messagesFor(problems, 'timeout')}
        onChange={(timeout) => onChange({ ...node, timeout })}
      />
    </Section>
  );
}

function TimerForm({
  node,
  definition,
  problems,
  onChange,
}: NodeFormProps<FlowNodeOf<'timer'>>): ReactElement {
  return (
    <Section title="Delay">
      <DurationField
        label="Wait for"
        value={node.delay}
        parameters={definition.parameters}
        testId="timer-delay"
        problems={messagesFor(problems, 'delay')}
        onChange={(delay) => onChange({ ...node, delay: delay ?? 'PT1H' })}
      />
    </Section>
  );
}

function EndForm({ node, problems, onChange }: NodeFormProps<FlowNodeOf<'end'>>): ReactElement {
  return (
    <Section title="Result">
      <TextField
        label="Outcome"
        mono
        value={node.outcome}
        testId="end-outcome"
        hint="Recorded on the instance, e.g. invoiced, cancelled."
        problems={messagesFor(problems, 'outcome')}
        onChange={(outcome) => onChange({ ...node, outcome })}
      />
    </Section>
  );
}

function StartForm({ definition }: NodeFormProps<FlowNodeOf<'start'>>): ReactElement {
  return (
    <Section title="Trigger">
      <p className="section-hint">
        An instance starts when a <code>{definition.trigger.event || '(no trigger event)'}</code>{' '}
        event arrives. Change the trigger in the flow settings (click the empty canvas).
      </p>
    </Section>
  );
}

const formFieldTypes = formFieldSchema.shape.type.options;

function HumanTaskForm({
  node,
  definition,
  problems,
  onChange,
}: NodeFormProps<FlowNodeOf<'humanTask'>>): ReactElement {
  const setOutcome = (index: number, patch: Partial<{ id: string; label: string }>): void =>
    onChange({
      ...node,
      outcomes: node.outcomes.map((o, i) => (i === index ? { ...o, ...patch } : o)),
    });
  const setField = (index: number, patch: Partial<FormField>): void =>
    onChange({ ...node, form: node.form.map((f, i) => (i === index ? { ...f, ...patch } : f)) });
  return (
    <>
      <Section title="Task">
        <TextField
          label="Title"
          value={node.title}
          testId="task-title"
          problems={messagesFor(problems, 'title')}
          onChange={(title) => onChange({ ...node, title })}
        />
        <TextField
          label="Instructions"
          multiline
          value={node.instructions ?? ''}
          testId="task-instructions"
          onChange={(instructions) =>
            onChange({ ...node, instructions: instructions || undefined })
          }
        />
        <ListField
          label="Candidate roles"
          values={node.candidateRoles}
          testId="task-roles"
          problems={messagesFor(problems, 'candidateRoles')}
          onChange={(candidateRoles) => onChange({ ...node, candidateRoles })}
        />
        <DurationField
          label="Due in"
          optional
          value={node.dueIn}
          parameters={definition.parameters}
          testId="task-due-in"
          problems={messagesFor(problems, 'dueIn')}
          onChange={(dueIn) => onChange({ ...node, dueIn })}
        />
        <label className="checkbox checkbox--inline">
          <input
            type="checkbox"
            data-testid="task-escalation-toggle"
            checked={node.escalation !== undefined}
            onChange={(e) =>
              onChange({
                ...node,
                escalation: e.target.checked
                  ? { after: node.dueIn ?? 'PT24H', toRole: 'billing-lead' }
                  : undefined,
              })
            }
          />
          Escalate when not done in time
        </label>
        {node.escalation && (
          <div className="list-card">
            <DurationField
              label="Escalate after"
              value={node.escalation.after}
              parameters={definition.parameters}
              testId="task-escalation-after"
              problems={messagesFor(problems, 'escalation.after')}
              onChange={(after) =>
                node.escalation &&
                onChange({ ...node, escalation: { ...node.escalation, after: after ?? 'PT24H' } })
              }
            />
            <TextField
              label="To role"
              mono
              value={node.escalation.toRole}
              testId="task-escalation-role"
              problems={messagesFor(problems, 'escalation.toRole')}
              onChange={(toRole) =>
                node.escalation && onChange({ ...node, escalation: { ...node.escalation, toRole } })
              }
            />
          </div>
        )}
        <SelectField
          label="Store the answer in"
          value={node.resultVariable ?? ''}
          options={variableOptions(definition, node.resultVariable)}
          testId="task-result-variable"
          problems={messagesFor(problems, 'resultVariable')}
          onChange={(resultVariable) =>
            onChange({ ...node, resultVariable: resultVariable || undefined })
          }
        />
      </Section>
      <Section
        title="Outcomes"
        actions={
          <button
            type="button"
            className="btn btn--small"
            data-testid="add-outcome"
            onClick={() =>
              onChange({
                ...node,
                outcomes: [
                  ...node.outcomes,
                  {
                    id: uniqueId(
                      'outcome',
                      node.outcomes.map((o) => o.id),
                    ),
                    label: 'New outcome',
                  },
                ],
              })
            }
          >
            + Add
          </button>
        }
      >
        <p className="section-hint">Each outcome is an exit of the node.</p>
        {node.outcomes.map((outcome, index) => (
          <div className="list-card list-card__row" key={index} data-testid={`outcome-${index}`}>
            <TextField
              label="Id"
              mono
              value={outcome.id}
              testId={`outcome-${index}-id`}
              problems={messagesFor(problems, `outcomes.${index}.id`)}
              onChange={(id) => setOutcome(index, { id })}
            />
            <TextField
              label="Label"
              value={outcome.label}
              testId={`outcome-${index}-label`}
              problems={messagesFor(problems, `outcomes.${index}.label`)}
              onChange={(label) => setOutcome(index, { label })}
            />
            <button
              type="button"
              className="icon-btn"
              aria-label={`Remove outcome ${outcome.label}`}
              disabled={node.outcomes.length <= 1}
              onClick={() =>
                onChange({ ...node, outcomes: node.outcomes.filter((_, i) => i !== index) })
              }
            >
              ×
            </button>
          </div>
        ))}
      </Section>
      <Section
        title="Form fields"
        actions={
          <button
            type="button"
            className="btn btn--small"
            data-testid="add-form-field"
            onClick={() =>
              onChange({
                ...node,
                form: [
                  ...node.form,
                  {
                    id: uniqueId(
                      'field',
                      node.form.map((f) => f.id),
                    ),
                    label: 'New field',
                    type: 'string',
                    required: false,
                  },
                ],
              })
            }
          >
            + Add
          </button>
        }
      >
        {node.form.length === 0 && (
          <p className="section-hint">No fields: the assignee only picks an outcome.</p>
        )}
        {node.form.map((field, index) => (
          <div className="list-card" key={index} data-testid={`form-field-${index}`}>
            <div className="list-card__row">
              <TextField
                label="Id"
                mono
                value={field.id}
                testId={`form-field-${index}-id`}
                problems={messagesFor(problems, `form.${index}.id`)}
                onChange={(id) => setField(index, { id })}
              />
              <TextField
                label="Label"
                value={field.label}
                testId={`form-field-${index}-label`}
                problems={messagesFor(problems, `form.${index}.label`)}
                onChange={(label) => setField(index, { label })}
              />
              <button
                type="button"
                className="icon-btn"
                aria-label={`Remove field ${field.label}`}
                data-testid={`form-field-${index}-remove`}
                onClick={() => onChange({ ...node, form: node.form.filter((_, i) => i !== index) })}
              >
                ×
              </button>
            </div>
            <div className="list-card__row">
              <SelectField
                label="Type"
                value={field.type}
                testId={`form-field-${index}-type`}
                options={formFieldTypes.map((t) => ({ value: t, label: t }))}
                onChange={(type) => {
                  const parsed = formFieldSchema.shape.type.safeParse(type);
                  if (parsed.success) setField(index, { type: parsed.data });
                }}
              />
              <label className="checkbox">
                <input
                  type="checkbox"
                  checked={field.required}
                  data-testid={`form-field-${index}-required`}
                  onChange={(e) => setField(index, { required: e.target.checked })}
                />
                Required
              </label>
              <div className="list-card__tools">
                <button
                  type="button"
                  className="icon-btn"
                  aria-label={`Move field ${field.label} up`}
                  data-testid={`form-field-${index}-up`}
                  disabled={index === 0}
                  onClick={() => onChange({ ...node, form: moveItem(node.form, index, -1) })}
                >
                  ↑
                </button>
                <button
                  type="button"
                  className="icon-btn"
                  aria-label={`Move field ${field.label} down`}
                  data-testid={`form-field-${index}-down`}
                  disabled={index === node.form.length - 1}
                  onClick={() => onChange({ ...node, form: moveItem(node.form, index, 1) })}
                >
                  ↓
                </button>
              </div>
            </div>
            {field.type === 'select' && (
              <ListField
                label="Options"
                values={field.options ?? []}
                testId={`form-field-${index}-options`}
                problems={messagesFor(problems, `form.${index}.options`)}
                onChange={(options) => setField(index, { options })}
              />
            )}
          </div>
        ))}
      </Section>
    </>
  );
}

interface NodeInspectorProps {
  node: FlowNode;
  definition: FlowDefinition;
  problems: readonly Problem[];
  connectors: readonly ConnectorDescription[] | null;
  onChange: (node: FlowNode) => void;
  onDelete: () => void;
}

function KindForm(props: NodeInspectorProps): ReactElement {
  const { node, definition, problems, onChange, connectors } = props;
  switch (node.type) {
    case 'start':
      return (
        <StartForm node={node} definition={definition} problems={problems} onChange={onChange} />
      );
    case 'end':
      return (
        <EndForm node={node} definition={definition} problems={problems} onChange={onChange} />
      );
    case 'decision':
      return (
        <DecisionForm node={node} definition={definition} problems={problems} onChange={onChange} />
      );
    case 'readinessGate':
      return (
        <GateForm node={node} definition={definition} problems={problems} onChange={onChange} />
      );
    case 'waitForEvent':
      return (
        <WaitForm node={node} definition={definition} problems={problems} onChange={onChange} />
      );
    case 'timer':
      return (
        <TimerForm node={node} definition={definition} problems={problems} onChange={onChange} />
      );
    case 'humanTask':
      return (
        <HumanTaskForm
          node={node}
          definition={definition}
          problems={problems}
          onChange={onChange}
        />
      );
    case 'connectorCall':
      return (
        <ConnectorCallForm
          node={node}
          definition={definition}
          problems={problems}
          connectors={connectors}
          onChange={onChange}
        />
      );
    case 'parallel':
      return (
        <ParallelForm node={node} definition={definition} problems={problems} onChange={onChange} />
      );
    case 'subflow':
      return (
        <SubflowForm node={node} definition={definition} problems={problems} onChange={onChange} />
      );
    case 'exception':
      return (
        <ExceptionForm
          node={node}
          definition={definition}
          problems={problems}
          onChange={onChange}
        />
      );
    case 'classify':
      return (
        <ClassifyForm node={node} definition={definition} problems={problems} onChange={onChange} />
      );
  }
}

export function NodeInspector(props: NodeInspectorProps): ReactElement {
  const { node, problems, onChange, onDelete } = props;
  const info = kindInfo(node.type);
  return (
    <div className="inspector" data-testid="node-inspector" data-node-id={node.id}>
      <header className={`inspector__header wb-kind--${node.type}`}>
        <span className="inspector__icon" aria-hidden="true">
          <KindIcon kind={node.type} size={18} />
        </span>
        <div>
          <p className="inspector__kind">{info.label}</p>
          <h2 className="inspector__title">{node.name || node.id}</h2>
        </div>
        <button
          type="button"
          className="btn btn--ghost btn--danger btn--small"
          data-testid="delete-node"
          onClick={onDelete}
        >
          Delete
        </button>
      </header>
      <Section title="General">
        <TextField label="Id" mono readOnly value={node.id} testId="node-id" />
        <TextField
          label="Name"
          value={node.name ?? ''}
          testId="node-name"
          problems={messagesFor(problems, 'name')}
          onChange={(name) => onChange({ ...node, name: name || undefined })}
        />
        <TextField
          label="Description"
          multiline
          value={node.description ?? ''}
          testId="node-description"
          onChange={(description) => onChange({ ...node, description: description || undefined })}
        />
      </Section>
      <KindForm {...props} />
    </div>
  );
}
