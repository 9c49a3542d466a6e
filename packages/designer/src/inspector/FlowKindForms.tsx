/**
 * Properties forms of the parallel, subflow, exception and classify node kinds. Every choice
 * comes from `shared` (the exception taxonomy, the severities, the node schemas), so the forms
 * offer exactly what the validator accepts.
 */
import {
  exceptionCategories,
  exceptionCategoryInfo,
  exceptionSeverities,
  exceptionTaxonomy,
} from '@waybill/shared';
import type { FlowNodeOf, ValueSource } from '@waybill/shared';
import { useEffect, useId, useState } from 'react';
import type { ReactElement } from 'react';
import { api } from '../api/client.ts';
import { ExpressionField, variableOptions } from './NodeInspector.tsx';
import type { NodeFormProps } from './NodeInspector.tsx';
import {
  DurationField,
  FieldShell,
  ListField,
  NumberField,
  Section,
  SelectField,
  TextField,
  messagesFor,
} from './fields.tsx';

function uniqueName(stem: string, taken: readonly string[]): string {
  if (!taken.includes(stem)) return stem;
  for (let i = 2; ; i++) if (!taken.includes(`${stem}${i}`)) return `${stem}${i}`;
}

function Checkbox(props: {
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  testId: string;
}): ReactElement {
  const id = useId();
  return (
    <div className="field field--checkbox">
      <input
        id={id}
        type="checkbox"
        checked={props.checked}
        data-testid={props.testId}
        onChange={(e) => props.onChange(e.target.checked)}
      />
      <label htmlFor={id}>{props.label}</label>
    </div>
  );
}

/** Named values, each an expression over the context (subflow input, exception details, features). */
function MappingEditor(props: {
  title: string;
  field: string;
  mapping: Record<string, ValueSource>;
  onChange: (mapping: Record<string, ValueSource>) => void;
  problems: NodeFormProps<FlowNodeOf<'subflow'>>['problems'];
  testId: string;
  hint: string;
}): ReactElement {
  const { mapping, onChange, testId, field, problems } = props;
  const entries = Object.entries(mapping);
  const rename = (from: string, to: string): void => {
    const next: Record<string, ValueSource> = {};
    for (const [name, source] of entries) next[name === from ? to : name] = source;
    onChange(next);
  };
  return (
    <Section
      title={props.title}
      actions={
        <button
          type="button"
          className="btn btn--ghost btn--small"
          data-testid={`${testId}-add`}
          onClick={() =>
            onChange({
              ...mapping,
              [uniqueName('field', Object.keys(mapping))]: { kind: 'expr', expr: 'order' },
            })
          }
        >
          Add
        </button>
      }
    >
      <p className="section-hint">{props.hint}</p>
      {entries.map(([name, source], index) => (
        <div key={index} className="mapping-row" data-testid={`${testId}-${index}`}>
          <TextField
            label="Name"
            mono
            value={name}
            testId={`${testId}-${index}-name`}
            onChange={(next) => rename(name, next)}
          />
          {source.kind === 'expr' ? (
            <ExpressionField
              label="Value"
              value={source.expr}
              testId={`${testId}-${index}-expr`}
              problems={messagesFor(problems, `${field}.${name}.expr`)}
              onChange={(expr) => onChange({ ...mapping, [name]: { kind: 'expr', expr } })}
            />
          ) : (
            <TextField
              label="Value"
              value={JSON.stringify(source.value)}
              readOnly
              testId={`${testId}-${index}-static`}
            />
          )}
          <button
            type="button"
            className="btn btn--ghost btn--small btn--danger"
            data-testid={`${testId}-${index}-remove`}
            onClick={() =>
              onChange(Object.fromEntries(entries.filter(([other]) => other !== name)))
            }
          >
            Remove
          </button>
        </div>
      ))}
    </Section>
  );
}

export function ParallelForm({
  node,
  definition,
  problems,
  onChange,
}: NodeFormProps<FlowNodeOf<'parallel'>>): ReactElement {
  const joins = definition.nodes.filter(
    (n) => n.type === 'parallel' && n.mode === 'join' && n.id !== node.id,
  );
  const setBranch = (index: number, patch: { id?: string; label?: string }): void =>
    onChange({
      ...node,
      branches: node.branches.map((b, i) => (i === index ? { ...b, ...patch } : b)),
    });
  return (
    <>
      <Section title="Parallel">
        <SelectField
          label="Role"
          value={node.mode}
          testId="parallel-mode"
          options={[
            { value: 'split', label: 'Split: start every branch at once' },
            { value: 'join', label: 'Join: wait until every branch arrived' },
          ]}
          problems={messagesFor(problems, 'mode')}
          onChange={(mode) =>
            onChange(
              mode === 'join'
                ? { ...node, mode: 'join', branches: [], join: undefined }
                : {
                    ...node,
                    mode: 'split',
                    branches: [
                      { id: 'a', label: 'Branch A' },
                      { id: 'b', label: 'Branch B' },
                    ],
                  },
            )
          }
        />
        {node.mode === 'split' && (
          <SelectField
            label="Join"
            value={node.join ?? ''}
            testId="parallel-join"
            hint={
              joins.length === 0
                ? 'Add another Parallel node, set its role to Join, then choose it here.'
                : 'Where the branches meet; the flow goes on when all have arrived.'
            }
            options={[
              { value: '', label: '(choose the join)' },
              ...joins.map((j) => ({ value: j.id, label: j.name ? `${j.name} (${j.id})` : j.id })),
            ]}
            problems={messagesFor(problems, 'join')}
            onChange={(join) => onChange({ ...node, join: join || undefined })}
          />
        )}
      </Section>
      {node.mode === 'split' && (
        <Section
          title="Branches"
          actions={
            <button
              type="button"
              className="btn btn--ghost btn--small"
              data-testid="parallel-add-branch"
              onClick={() => {
                const id = uniqueName(
                  'branch',
                  node.branches.map((b) => b.id),
                );
                onChange({ ...node, branches: [...node.branches, { id, label: 'Branch' }] });
              }}
            >
              Add branch
            </button>
          }
        >
          {node.branches.map((branch, index) => (
            <div key={index} className="mapping-row" data-testid={`parallel-branch-${index}`}>
              <TextField
                label="Id"
                mono
                value={branch.id}
                testId={`parallel-branch-${index}-id`}
                problems={messagesFor(problems, `branches.${index}.id`)}
                onChange={(id) => setBranch(index, { id })}
              />
              <TextField
                label="Label"
                value={branch.label ?? ''}
                testId={`parallel-branch-${index}-label`}
                problems={messagesFor(problems, `branches.${index}`)}
                onChange={(label) => setBranch(index, { label })}
              />
              <button
                type="button"
                className="btn btn--ghost btn--small btn--danger"
                data-testid={`parallel-branch-${index}-remove`}
                onClick={() =>
                  onChange({ ...node, branches: node.branches.filter((_, i) => i !== index) })
                }
              >
                Remove
              </button>
            </div>
          ))}
        </Section>
      )}
    </>
  );
}

/** Keys of the published flows other than `self`, for suggesting what a subflow calls. */
function usePublishedFlowKeys(self: string): string[] {
  const [keys, setKeys] = useState<string[]>([]);
  useEffect(() => {
    let live = true;
    api.flows.list
      .query()
      .then((flows) => {
        if (live)
          setKeys(
            flows.filter((f) => f.latestVersion !== null && f.key !== self).map((f) => f.key),
          );
      })
      // Suggestions only: without them the key is typed by hand and checked at publish.
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [self]);
  return keys;
}

export function SubflowForm({
  node,
  definition,
  problems,
  onChange,
}: NodeFormProps<FlowNodeOf<'subflow'>>): ReactElement {
  const listId = useId();
  const published = usePublishedFlowKeys(definition.key);
  return (
    <>
      <Section title="Called flow">
        <datalist id={listId} data-testid="subflow-flow-options">
          {published.map((key) => (
            <option key={key} value={key} />
          ))}
        </datalist>
        <TextField
          label="Flow key"
          mono
          list={listId}
          value={node.flow}
          placeholder="pod-chase"
          testId="subflow-flow"
          hint="A published flow; its trigger payload is the input below."
          problems={messagesFor(problems, 'flow')}
          onChange={(flow) => onChange({ ...node, flow })}
        />
        <NumberField
          label="Version"
          optional
          integer
          min={1}
          value={node.version}
          testId="subflow-version"
          hint="Empty: the latest published version when the call starts."
          problems={messagesFor(problems, 'version')}
          onChange={(version) => onChange({ ...node, version })}
        />
        <ListField
          label="Outcomes with their own exit"
          values={node.outcomes}
          testId="subflow-outcomes"
          hint="End outcomes of the called flow; any other end, or a failure, leaves through failed."
          problems={messagesFor(problems, 'outcomes')}
          onChange={(outcomes) => onChange({ ...node, outcomes })}
        />
        <SelectField
          label="Store the result in"
          value={node.resultVariable ?? ''}
          testId="subflow-result"
          options={variableOptions(definition, node.resultVariable)}
          problems={messagesFor(problems, 'resultVariable')}
          onChange={(resultVariable) =>
            onChange({ ...node, resultVariable: resultVariable || undefined })
          }
        />
      </Section>
      <MappingEditor
        title="Input"
        field="input"
        mapping={node.input}
        testId="subflow-input"
        hint="Each value becomes a field of the called flow's trigger payload."
        problems={problems}
        onChange={(input) => onChange({ ...node, input })}
      />
    </>
  );
}

export function ExceptionForm({
  node,
  definition,
  problems,
  onChange,
}: NodeFormProps<FlowNodeOf<'exception'>>): ReactElement {
  const info = exceptionCategoryInfo(node.category);
  return (
    <>
      <Section title="Exception">
        <SelectField
          label="Category"
          value={node.category}
          testId="exception-category"
          hint={info?.resolution}
          options={exceptionTaxonomy.map((c) => ({ value: c.id, label: c.label }))}
          problems={messagesFor(problems, 'category')}
          onChange={(value) => {
            const category = exceptionCategories.find((c) => c === value);
            if (category) onChange({ ...node, category });
          }}
        />
        <SelectField
          label="Severity"
          value={node.severity}
          testId="exception-severity"
          options={exceptionSeverities.map((s) => ({ value: s, label: s }))}
          onChange={(value) => {
            const severity = exceptionSeverities.find((s) => s === value);
            if (severity) onChange({ ...node, severity });
          }}
        />
        <TextField
          label="Owner role"
          value={node.ownerRole ?? ''}
          placeholder={info?.ownerRole}
          testId="exception-owner"
          hint={`Empty: the category's owner (${info?.ownerRole ?? '?'}).`}
          problems={messagesFor(problems, 'ownerRole')}
          onChange={(ownerRole) => onChange({ ...node, ownerRole: ownerRole || undefined })}
        />
        <DurationField
          label={`SLA (category default ${info?.sla ?? '?'})`}
          optional
          value={node.sla}
          parameters={definition.parameters}
          testId="exception-sla"
          problems={messagesFor(problems, 'sla')}
          onChange={(sla) => onChange({ ...node, sla })}
        />
        <Checkbox
          label="Open a task for the owner"
          checked={node.openTask}
          testId="exception-open-task"
          onChange={(openTask) =>
            onChange({
              ...node,
              openTask,
              waitForResolution: openTask ? node.waitForResolution : false,
            })
          }
        />
        <Checkbox
          label="Wait for the owner's resolution"
          checked={node.waitForResolution}
          testId="exception-wait"
          onChange={(waitForResolution) =>
            onChange({ ...node, waitForResolution, openTask: node.openTask || waitForResolution })
          }
        />
        {node.waitForResolution && (
          <ListField
            label="Resolutions (exits)"
            values={node.outcomes.map((o) => o.label)}
            testId="exception-outcomes"
            problems={messagesFor(problems, 'outcomes')}
            onChange={(labels) =>
              onChange({
                ...node,
                outcomes: labels.map((label, i) => ({
                  id:
                    label
                      .toLowerCase()
                      .replace(/[^a-z0-9]+/g, '_')
                      .replace(/^_+|_+$/g, '')
                      .replace(/^(\d)/, '_$1') || `outcome${i + 1}`,
                  label,
                })),
              })
            }
          />
        )}
      </Section>
      <MappingEditor
        title="Details"
        field="details"
        mapping={node.details}
        testId="exception-details"
        hint="Shown on the exception and its task, evaluated when it is raised."
        problems={problems}
        onChange={(details) => onChange({ ...node, details })}
      />
    </>
  );
}

export function ClassifyForm({
  node,
  definition,
  problems,
  onChange,
}: NodeFormProps<FlowNodeOf<'classify'>>): ReactElement {
  const legendId = useId();
  return (
    <>
      <Section title="Triage">
        <ExpressionField
          label="Text to classify"
          value={node.text}
          testId="classify-text"
          placeholder="dispute.reason"
          problems={messagesFor(problems, 'text')}
          onChange={(text) => onChange({ ...node, text })}
        />
        <FieldShell
          label="Categories it may route to"
          htmlFor={legendId}
          problems={messagesFor(problems, 'categories')}
        >
          <div id={legendId} className="checkbox-list" data-testid="classify-categories">
            {exceptionTaxonomy.map((c) => (
              <Checkbox
                key={c.id}
                label={c.label}
                checked={node.categories.includes(c.id)}
                testId={`classify-category-${c.id}`}
                onChange={(on) =>
                  onChange({
                    ...node,
                    categories: on
                      ? exceptionCategories.filter(
                          (id) => id === c.id || node.categories.includes(id),
                        )
                      : node.categories.filter((id) => id !== c.id),
                  })
                }
              />
            ))}
          </div>
        </FieldShell>
        <NumberField
          label="Confidence threshold"
          value={node.threshold}
          min={0}
          max={1}
          testId="classify-threshold"
          hint="At or above it the flow routes by the category; below it a person decides."
          problems={messagesFor(problems, 'threshold')}
          onChange={(threshold) => onChange({ ...node, threshold: threshold ?? 0.8 })}
        />
        <ListField
          label="Who decides below the threshold"
          values={node.reviewRoles}
          testId="classify-review-roles"
          problems={messagesFor(problems, 'reviewRoles')}
          onChange={(reviewRoles) => onChange({ ...node, reviewRoles })}
        />
        <SelectField
          label="Store the result in"
          value={node.resultVariable ?? ''}
          testId="classify-result"
          options={variableOptions(definition, node.resultVariable)}
          problems={messagesFor(problems, 'resultVariable')}
          onChange={(resultVariable) =>
            onChange({ ...node, resultVariable: resultVariable || undefined })
          }
        />
      </Section>
      <MappingEditor
        title="Features"
        field="features"
        mapping={node.features}
        testId="classify-features"
        hint="Structured features (customer, warehouse, amounts) the classifier weighs."
        problems={problems}
        onChange={(features) => onChange({ ...node, features })}
      />
    </>
  );
}
