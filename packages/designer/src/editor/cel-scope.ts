/**
 * What the expression editors of the open flow check against: the flow's declarations
 * (variables, parameters, event payloads), turned into the same expression environment the
 * runtime's validator uses, once per scope. Editors register which scope their model is in
 * (`event` is only declared in a wait filter), and are told when the declarations change.
 */
import { buildExpressionEnvironment, describeScope } from '@waybill/shared';
import type { ExpressionEnvironment, FlowDefinition, ScopeEntry } from '@waybill/shared';

type Declarations = Pick<FlowDefinition, 'variables' | 'parameters' | 'events'>;

let declarations: Declarations | null = null;
let declarationsKey = '';
const environments = new Map<string, { env: ExpressionEnvironment; entries: ScopeEntry[] }>();
const listeners = new Set<() => void>();
const modelScopes = new Map<string, string | undefined>();

/**
 * Points the editors at `definition`. Cheap when only nodes changed: environments are rebuilt
 * only when the declarations did.
 */
export function setExpressionFlow(definition: Declarations): void {
  const key = JSON.stringify([definition.variables, definition.parameters, definition.events]);
  if (key === declarationsKey) return;
  declarationsKey = key;
  declarations = {
    variables: definition.variables,
    parameters: definition.parameters,
    events: definition.events,
  };
  environments.clear();
  listeners.forEach((listener) => listener());
}

function scoped(eventType: string | undefined): {
  env: ExpressionEnvironment;
  entries: ScopeEntry[];
} | null {
  if (!declarations) return null;
  const key = eventType ?? '';
  let found = environments.get(key);
  if (!found) {
    const env = buildExpressionEnvironment(
      declarations,
      eventType === undefined ? {} : { eventType },
    );
    found = { env, entries: describeScope(env) };
    environments.set(key, found);
  }
  return found;
}

/** The environment an expression in `eventType`'s scope (or the plain flow scope) checks against. */
export function expressionEnvironment(eventType?: string): ExpressionEnvironment | null {
  return scoped(eventType)?.env ?? null;
}

/** Every name in that scope with its type, for completion and hover. */
export function scopeEntries(eventType?: string): readonly ScopeEntry[] {
  return scoped(eventType)?.entries ?? [];
}

/** Calls `listener` whenever the declarations change; returns the unsubscribe function. */
export function onExpressionFlowChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Records that the Monaco model `uri` holds an expression in `eventType`'s scope. */
export function setModelScope(uri: string, eventType: string | undefined): () => void {
  modelScopes.set(uri, eventType);
  return () => modelScopes.delete(uri);
}

/** The event type whose payload `event` is in the model `uri`, if any. */
export function modelScope(uri: string): string | undefined {
  return modelScopes.get(uri);
}
