/**
 * Reads a stored draft into a `FlowDefinition` without rejecting it. Drafts are saved even when
 * they have problems (an empty connector name, a half-typed event type), so a strict parse would
 * refuse exactly the drafts a user most needs to open. Shapes are checked, string rules are not:
 * the runtime's validator reports those as problems with node ids and fields.
 */
import {
  durationSchema,
  eventBindingSchema,
  exceptionCategories,
  exceptionSeverities,
  flowNodeSchema,
  formFieldSchema,
  parameterSchema,
  retryPolicySchema,
  typeSpecSchema,
  valueSourceSchema,
  variableSchema,
} from '@waybill/shared';
import type {
  Condition,
  Duration,
  EventBinding,
  ExceptionCategory,
  FlowDefinition,
  FlowEdge,
  FlowNode,
  FormField,
  ParameterDeclaration,
  ValueSource,
  VariableDeclaration,
} from '@waybill/shared';
import { isNodeKind } from './node-kinds.ts';

type Dict = Record<string, unknown>;

function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : fallback;
}

function optStr(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function dicts(value: unknown): Dict[] {
  return list(value).filter(isDict);
}

function duration(value: unknown): Duration | undefined {
  const parsed = durationSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  return typeof value === 'string' ? value : undefined;
}

function position(value: unknown): { x: number; y: number } | undefined {
  if (!isDict(value)) return undefined;
  const { x, y } = value;
  return typeof x === 'number' && typeof y === 'number' ? { x, y } : undefined;
}

function conditions(value: unknown): Condition[] {
  return dicts(value).map((c) => ({
    id: str(c.id),
    label: optStr(c.label),
    expression: str(c.expression),
  }));
}

function valueSources(value: unknown): Record<string, ValueSource> {
  const out: Record<string, ValueSource> = {};
  if (!isDict(value)) return out;
  for (const [field, source] of Object.entries(value)) {
    const parsed = valueSourceSchema.safeParse(source);
    if (parsed.success) out[field] = parsed.data;
    else if (isDict(source) && source.kind === 'expr') out[field] = { kind: 'expr', expr: '' };
  }
  return out;
}

function formFields(value: unknown): FormField[] {
  return dicts(value).map((f) => {
    const parsed = formFieldSchema.safeParse(f);
    if (parsed.success) return parsed.data;
    const type = formFieldSchema.shape.type.safeParse(f.type);
    return {
      id: str(f.id),
      label: str(f.label),
      type: type.success ? type.data : 'string',
      required: f.required === true,
    };
  });
}

function lenientNode(raw: Dict): FlowNode | undefined {
  const type = str(raw.type);
  if (!isNodeKind(type)) return undefined;
  const base = {
    id: str(raw.id),
    name: optStr(raw.name),
    description: optStr(raw.description),
    position: position(raw.position),
  };
  switch (type) {
    case 'start':
      return { ...base, type };
    case 'end':
      return { ...base, type, outcome: str(raw.outcome, 'completed') };
    case 'decision':
      return { ...base, type, conditions: conditions(raw.conditions) };
    case 'readinessGate':
      return {
        ...base,
        type,
        conditions: conditions(raw.conditions),
        timeout: duration(raw.timeout),
      };
    case 'connectorCall': {
      const retry = retryPolicySchema.safeParse(raw.retry);
      return {
        ...base,
        type,
        connector: str(raw.connector),
        connectorVersion: typeof raw.connectorVersion === 'number' ? raw.connectorVersion : 1,
        operation: str(raw.operation),
        input: valueSources(raw.input),
        resultVariable: optStr(raw.resultVariable),
        retry: retry.success ? retry.data : undefined,
        timeoutMs: typeof raw.timeoutMs === 'number' ? raw.timeoutMs : undefined,
      };
    }
    case 'waitForEvent':
      return {
        ...base,
        type,
        eventType: str(raw.eventType),
        filter: optStr(raw.filter),
        assign: optStr(raw.assign),
        timeout: duration(raw.timeout),
      };
    case 'timer':
      return { ...base, type, delay: duration(raw.delay) ?? '' };
    case 'humanTask': {
      const escalation = isDict(raw.escalation) ? raw.escalation : undefined;
      const after = escalation ? duration(escalation.after) : undefined;
      return {
        ...base,
        type,
        title: str(raw.title),
        instructions: optStr(raw.instructions),
        candidateRoles: list(raw.candidateRoles).filter((r) => typeof r === 'string'),
        form: formFields(raw.form),
        outcomes: dicts(raw.outcomes).map((o) => ({ id: str(o.id), label: str(o.label) })),
        resultVariable: optStr(raw.resultVariable),
        dueIn: duration(raw.dueIn),
        escalation: escalation && after ? { after, toRole: str(escalation.toRole) } : undefined,
      };
    }
    case 'parallel':
      return {
        ...base,
        type,
        mode: raw.mode === 'join' ? 'join' : 'split',
        branches: dicts(raw.branches).map((b) => ({ id: str(b.id), label: optStr(b.label) })),
        join: optStr(raw.join),
      };
    case 'subflow':
      return {
        ...base,
        type,
        flow: str(raw.flow),
        version: typeof raw.version === 'number' ? raw.version : undefined,
        input: valueSources(raw.input),
        outcomes: list(raw.outcomes).filter((o) => typeof o === 'string'),
        resultVariable: optStr(raw.resultVariable),
      };
    case 'exception': {
      const severity = exceptionSeverities.find((s) => s === raw.severity);
      return {
        ...base,
        type,
        category: category(raw.category) ?? 'integrationFailure',
        severity: severity ?? 'medium',
        ownerRole: optStr(raw.ownerRole),
        sla: duration(raw.sla),
        details: valueSources(raw.details),
        openTask: raw.openTask !== false,
        waitForResolution: raw.waitForResolution === true,
        outcomes: dicts(raw.outcomes).map((o) => ({ id: str(o.id), label: str(o.label) })),
      };
    }
    case 'classify':
      return {
        ...base,
        type,
        text: str(raw.text),
        features: valueSources(raw.features),
        categories: list(raw.categories).flatMap((c) => {
          const known = category(c);
          return known ? [known] : [];
        }),
        threshold: typeof raw.threshold === 'number' ? raw.threshold : 0.8,
        reviewRoles: list(raw.reviewRoles).filter((r) => typeof r === 'string'),
        resultVariable: optStr(raw.resultVariable),
      };
  }
}

function category(value: unknown): ExceptionCategory | undefined {
  return exceptionCategories.find((c) => c === value);
}

function node(raw: Dict): FlowNode | undefined {
  const parsed = flowNodeSchema.safeParse(raw);
  return parsed.success ? parsed.data : lenientNode(raw);
}

function edge(raw: Dict): FlowEdge | undefined {
  if (typeof raw.source !== 'string' || typeof raw.target !== 'string') return undefined;
  return {
    id: str(raw.id, `${raw.source}-${raw.target}`),
    source: raw.source,
    target: raw.target,
    sourceHandle: optStr(raw.sourceHandle),
    label: optStr(raw.label),
  };
}

function variable(raw: Dict): VariableDeclaration {
  const parsed = variableSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const type = typeSpecSchema.safeParse(raw.type);
  return {
    name: str(raw.name),
    type: type.success ? type.data : 'any',
    description: optStr(raw.description),
    initial: raw.initial,
  };
}

function eventBinding(raw: Dict): EventBinding {
  const parsed = eventBindingSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const payload = typeSpecSchema.safeParse(raw.payload);
  return {
    type: str(raw.type),
    assign: optStr(raw.assign),
    payload: payload.success ? payload.data : undefined,
    description: optStr(raw.description),
  };
}

function parameter(raw: Dict): ParameterDeclaration {
  const parsed = parameterSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const type = parameterSchema.shape.type.safeParse(raw.type);
  return {
    name: str(raw.name),
    type: type.success ? type.data : 'string',
    description: optStr(raw.description),
    default: raw.default,
    value: raw.value,
  };
}

/**
 * Reads a stored definition (draft or version) leniently; `fallback` supplies the key and name
 * when the stored document lacks them.
 *
 * ```ts
 * const definition = coerceDefinition(flow.definition, { key: flow.key, name: flow.name });
 * ```
 */
export function coerceDefinition(
  raw: unknown,
  fallback: { key: string; name: string },
): FlowDefinition {
  const doc = isDict(raw) ? raw : {};
  const trigger = isDict(doc.trigger) ? doc.trigger : {};
  return {
    schemaVersion: 1,
    key: str(doc.key, fallback.key),
    name: str(doc.name, fallback.name),
    description: optStr(doc.description),
    version: typeof doc.version === 'number' ? doc.version : undefined,
    trigger: { event: str(trigger.event), assign: optStr(trigger.assign) },
    variables: dicts(doc.variables).map(variable),
    events: dicts(doc.events).map(eventBinding),
    parameters: dicts(doc.parameters).map(parameter),
    nodes: dicts(doc.nodes)
      .map(node)
      .filter((n) => n !== undefined),
    edges: dicts(doc.edges)
      .map(edge)
      .filter((e) => e !== undefined),
  };
}

/**
 * The definition as JSON for `flows.saveDraft`/`flows.validate`: `undefined` optionals are
 * dropped (JSON does that), so the stored draft stays tidy.
 */
export function toJsonDefinition(definition: FlowDefinition): unknown {
  const json: unknown = JSON.parse(JSON.stringify(definition));
  return json;
}
