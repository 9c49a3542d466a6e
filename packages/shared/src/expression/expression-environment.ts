/**
 * What an expression can see: the flow's variables, `params` and (in event filters) `event`,
 * each typed from the flow definition so expressions are checked before they are deployed.
 *
 * Type mapping (TypeSpec → CEL):
 * - `number` → `double`, `integer` → `int`, `string` → `string`, `boolean` → `bool`, `any` → `dyn`;
 * - `timestamp` → `string` (ISO-8601 text as it arrives in JSON; compare instants with
 *   `timestamp(order.releasedAt) < timestamp(pod.signedAt)`);
 * - `{ list: T }` → `list<T>`; `{ object: … }` → a named message type with typed fields;
 * - parameters: `duration` → `string`, the others as above.
 *
 * Every variable, field and list can be compared with `null` (`shipment != null`), because a
 * variable that no event has set yet is `null`.
 * @module
 */
import { Environment } from '@marcbachmann/cel-js';
import type { FlowDefinition, ParameterDeclaration, TypeSpec } from '../flow.schema.ts';

/** Options shared by the checking and the evaluating environment so both accept the same text. */
export const celEnvironmentOptions = { homogeneousAggregateLiterals: false } as const;

/**
 * Functions Waybill adds to CEL, registered in the checking and the evaluating environment alike:
 * - `list.flatten()`: a list of lists as one list, in order, e.g. every line of every collected
 *   shipment: `shipments.map(s, s.lines).flatten()`.
 */
export function registerWaybillFunctions(cel: Environment): Environment {
  return cel.registerFunction('list<list<A>>.flatten(): list<A>', flatten);
}

function flatten(lists: unknown): unknown[] {
  if (!Array.isArray(lists)) return [];
  const flat: unknown[] = [];
  for (const list of lists as unknown[]) {
    if (Array.isArray(list)) flat.push(...(list as unknown[]));
    else flat.push(list);
  }
  return flat;
}

/** How each scalar TypeSpec reads in CEL. */
const celScalarTypes = {
  string: 'string',
  number: 'double',
  integer: 'int',
  boolean: 'bool',
  timestamp: 'string',
  any: 'dyn',
} as const;

/** Names an expression can never use as a variable: CEL keywords, types and built-ins. */
export const reservedExpressionNames: ReadonlySet<string> = new Set([
  ...['params', 'event'],
  ...['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function'],
  ...['if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while'],
  ...[
    'int',
    'uint',
    'double',
    'bool',
    'string',
    'bytes',
    'list',
    'map',
    'null_type',
    'type',
    'dyn',
  ],
  ...['google', 'optional', 'cel', 'has', 'timestamp', 'duration'],
  // The engine refuses these as variable names: they would reach JavaScript's object internals.
  ...['__proto__', 'prototype'],
]);

/** One name an expression can use, with its declared type. */
export interface ExpressionDeclaration {
  name: string;
  type: TypeSpec;
  description: string | null;
}

/** Which optional names are in scope for an expression. */
export interface ExpressionScope {
  /**
   * Declare `event` as the payload of this event type (typed from the flow's binding for it,
   * `dyn` when the binding has no `payload` schema). Used for `waitForEvent` filters.
   */
  eventType?: string;
}

/**
 * A flow's expression environment: the declarations, and a CEL environment that type-checks
 * against them. Build it once per flow (and scope) and reuse it: building is the expensive part.
 */
export interface ExpressionEnvironment {
  readonly declarations: readonly ExpressionDeclaration[];
  /** The checking environment (types only; evaluation uses plain JSON values). */
  readonly cel: Environment;
  /** Message type names generated for object types, for readable type names in results. */
  readonly objectTypeNames: ReadonlySet<string>;
}

/**
 * The TypeSpec of a parameter as seen by expressions (`params.<name>`).
 *
 * ```ts
 * parameterTypeSpec('duration'); // 'string' (ISO-8601 text)
 * ```
 */
export function parameterTypeSpec(type: ParameterDeclaration['type']): TypeSpec {
  switch (type) {
    case 'duration':
      return 'string';
    case 'string':
    case 'number':
    case 'integer':
    case 'boolean':
      return type;
  }
}

/**
 * The declarations an expression of `flow` can use in `scope`.
 *
 * ```ts
 * const names = expressionDeclarations(flow, { eventType: 'pod.received' }).map((d) => d.name);
 * ```
 */
export function expressionDeclarations(
  flow: Pick<FlowDefinition, 'variables' | 'parameters' | 'events'>,
  scope: ExpressionScope = {},
): ExpressionDeclaration[] {
  const seen = new Set<string>();
  const declarations: ExpressionDeclaration[] = [];
  for (const variable of flow.variables) {
    // Duplicates and reserved names are reported by validate(); here the first one wins.
    if (seen.has(variable.name) || reservedExpressionNames.has(variable.name)) continue;
    seen.add(variable.name);
    declarations.push({
      name: variable.name,
      type: variable.type,
      description: variable.description ?? null,
    });
  }
  const paramFields: Record<string, TypeSpec> = {};
  for (const parameter of flow.parameters) {
    paramFields[parameter.name] ??= parameterTypeSpec(parameter.type);
  }
  declarations.push({
    name: 'params',
    type: { object: paramFields },
    description: 'The parameters set when the flow was deployed',
  });
  if (scope.eventType !== undefined) {
    const binding = flow.events.find((e) => e.type === scope.eventType);
    declarations.push({
      name: 'event',
      type: binding?.payload ?? 'any',
      description: `The payload of the incoming ${scope.eventType} event`,
    });
  }
  return declarations;
}

/**
 * Builds the environment expressions of `flow` are checked against.
 *
 * ```ts
 * const env = buildExpressionEnvironment(flow);
 * checkExpression('shipment != null && shipment.totalQty > 0', env); // { ok: true, type: 'bool' }
 * ```
 */
export function buildExpressionEnvironment(
  flow: Pick<FlowDefinition, 'variables' | 'parameters' | 'events'>,
  scope: ExpressionScope = {},
): ExpressionEnvironment {
  const declarations = expressionDeclarations(flow, scope);
  const cel = registerWaybillFunctions(new Environment(celEnvironmentOptions));
  for (const scalar of ['string', 'bool', 'int', 'double', 'list', 'map']) {
    // Registering `==` also registers `!=` and the mirrored operand order.
    cel.registerOperator(`${scalar} == null`, (a: unknown, b: unknown) => a === b);
  }
  const typeNames = new TypeNamer(declarations.map((d) => d.name));
  for (const declaration of declarations) {
    const type = celTypeOf(cel, declaration.type, pascalCase(declaration.name), typeNames);
    cel.registerVariable(declaration.name, type, { description: declaration.description ?? '' });
  }
  return { declarations, cel, objectTypeNames: typeNames.used };
}

/** Hands out unique, readable message type names (`Shipment`, `ShipmentLinesItem`). */
class TypeNamer {
  readonly used = new Set<string>();
  readonly #taken: Set<string>;

  constructor(variableNames: string[]) {
    this.#taken = new Set(variableNames);
  }

  take(hint: string): string {
    let name = hint;
    for (let n = 2; this.#taken.has(name); n++) name = `${hint}${n}`;
    this.#taken.add(name);
    this.used.add(name);
    return name;
  }
}

function pascalCase(text: string): string {
  const words = text.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const joined = words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
  const name = /^[A-Za-z]/.test(joined) ? joined : `T${joined}`;
  // The engine wants type names of two characters or more (a variable `x` gives `XType`).
  return name.length >= 2 ? name : `${name}Type`;
}

/** The CEL type name for `spec`, registering message types for objects on the way. */
function celTypeOf(cel: Environment, spec: TypeSpec, hint: string, names: TypeNamer): string {
  if (typeof spec === 'string') return celScalarTypes[spec];
  if ('list' in spec) return `list<${celTypeOf(cel, spec.list, `${hint}Item`, names)}>`;
  const fields: Record<string, string> = {};
  for (const [field, fieldSpec] of Object.entries(spec.object)) {
    fields[field] = celTypeOf(cel, fieldSpec, hint + pascalCase(field), names);
  }
  const name = names.take(hint);
  cel.registerType(name, { fields });
  cel.registerOperator(`${name} == null`, (a: unknown, b: unknown) => a === b);
  return name;
}

/** A name an expression editor can complete, with its type. */
export interface ScopeEntry {
  /** Dotted path; list items appear as `lines[]`, e.g. `shipment.lines[].sku`. */
  name: string;
  /** CEL type as the user writes it: `double`, `list<string>`, `object`, … */
  type: string;
  description: string | null;
}

/**
 * Every name (and nested field) in scope, for completion and hover in the expression editor.
 *
 * ```ts
 * describeScope(env).find((e) => e.name === 'shipment.totalQty'); // { type: 'double', … }
 * ```
 */
export function describeScope(env: ExpressionEnvironment): ScopeEntry[] {
  const entries: ScopeEntry[] = [];
  const visit = (name: string, spec: TypeSpec, description: string | null): void => {
    entries.push({ name, type: typeLabel(spec), description });
    if (typeof spec === 'string') return;
    if ('list' in spec) {
      if (typeof spec.list !== 'string') visit(`${name}[]`, spec.list, null);
      return;
    }
    for (const [field, fieldSpec] of Object.entries(spec.object)) {
      visit(`${name}.${field}`, fieldSpec, null);
    }
  };
  for (const declaration of env.declarations) {
    visit(declaration.name, declaration.type, declaration.description);
  }
  return entries;
}

/**
 * The CEL type a TypeSpec reads as in editors and messages (objects read as `object`).
 *
 * ```ts
 * typeLabel({ list: 'number' }); // 'list<double>'
 * ```
 */
export function typeLabel(spec: TypeSpec): string {
  if (typeof spec === 'string') return celScalarTypes[spec];
  if ('list' in spec) return `list<${typeLabel(spec.list)}>`;
  return 'object';
}
