/**
 * Flow definition → XState v5 machine. The machine does no I/O: effects (connector calls,
 * timers, tasks) are named actions whose params the driver reads from the actions XState's
 * pure `transition()` returns; their implementations do nothing.
 * @module
 */
import { assign, setup } from 'xstate';
import type { AnyEventObject } from 'xstate';
import { bindActivation, evaluateExpression } from '../expression/expression.ts';
import { buildExpressionEnvironment } from '../expression/expression-environment.ts';
import type { ExpressionEnvironment } from '../expression/expression-environment.ts';
import type { FlowDefinition } from '../flow.schema.ts';
import { validate } from '../validate.ts';
import { EffectActionType, visitKey } from '../machine-protocol.ts';
import type {
  CallConnectorParams,
  CancelSubflowParams,
  CancelTaskParams,
  CancelTimerParams,
  ClassifyParams,
  CreateTaskParams,
  EnterNodeParams,
  RaiseExceptionParams,
  RecordTriageDecisionParams,
  StartSubflowParams,
  FlowContext,
  FlowEvent,
  FlowInput,
  Json,
  ScheduleTimerParams,
} from '../machine-protocol.ts';
import { isExpressionError } from '../expression/expression.error.ts';
import { FlowCompileError, InputEvaluationError } from './compile.error.ts';
import { compileToConfig, GuardType, InternalAction, toJsonValue } from './machine-config.ts';
import type { ActionConfig, StateConfig, TransitionConfig } from './machine-config.ts';

/** What a finished instance returns. */
export interface FlowOutput {
  outcome: string | null;
  vars: Record<string, Json>;
}

type Purpose = ScheduleTimerParams['purpose'];

/**
 * `<nodeId>#<visit>:<purpose>`: the key of one timer of one visit.
 *
 * ```ts
 * timerKey('ready', 2, 'timeout'); // 'ready#2:timeout'
 * ```
 */
export function timerKey(nodeId: string, visit: number, purpose: Purpose): string {
  return `${visitKey(nodeId, visit)}:${purpose}`;
}

const currentVisit = (context: FlowContext, nodeId: string): number => context.visits[nodeId] ?? 0;

/** Evaluates the flow's expressions against an instance's context. */
class FlowExpressions {
  readonly #env: ExpressionEnvironment;
  readonly #eventEnvs = new Map<string, ExpressionEnvironment>();
  readonly #flow: FlowDefinition;
  readonly #params: Record<string, Json>;

  constructor(flow: FlowDefinition) {
    this.#flow = flow;
    this.#env = buildExpressionEnvironment(flow);
    this.#params = {};
    for (const p of flow.parameters)
      this.#params[p.name] ??= toJsonValue(p.value ?? p.default ?? null);
  }

  evaluate(expr: string, context: FlowContext): Json {
    return evaluateExpression(expr, bindActivation(this.#env, this.#values(context)));
  }

  evaluateOnEvent(
    expr: string,
    context: FlowContext,
    event: { type: string; payload: Json },
  ): Json {
    let env = this.#eventEnvs.get(event.type);
    if (!env) {
      env = buildExpressionEnvironment(this.#flow, { eventType: event.type });
      this.#eventEnvs.set(event.type, env);
    }
    return evaluateExpression(
      expr,
      bindActivation(env, { ...this.#values(context), event: event.payload }),
    );
  }

  /** A condition that cannot be evaluated (e.g. a field of a variable not set yet) is not true. */
  holds(evaluate: () => Json): boolean {
    try {
      return evaluate() === true;
    } catch (error) {
      if (isExpressionError(error)) return false;
      throw error;
    }
  }

  #values(context: FlowContext): Record<string, Json> {
    return { ...context.vars, params: this.#params };
  }
}

function payloadOf(event: FlowEvent): Json {
  return 'payload' in event ? event.payload : null;
}

function initialVars(flow: FlowDefinition, input: FlowInput): Record<string, Json> {
  const vars: Record<string, Json> = {};
  for (const variable of flow.variables)
    vars[variable.name] ??= toJsonValue(variable.initial ?? null);
  if (flow.trigger.assign !== undefined) vars[flow.trigger.assign] = input.trigger.payload;
  const binding = flow.events.find((b) => b.type === flow.trigger.event);
  if (binding?.append !== undefined)
    vars[binding.append] = [...listOf(vars[binding.append]), input.trigger.payload];
  return vars;
}

function listOf(value: Json | undefined): Json[] {
  return Array.isArray(value) ? value : [];
}

/** The list in a variable with the event's payload added at the end (null starts a list). */
function appended(current: Json | undefined, event: FlowEvent): Json {
  return [...listOf(current), payloadOf(event)];
}

function flowSetup(expressions: FlowExpressions) {
  const storeVar = (context: FlowContext, variable: string, value: Json) => ({
    vars: { ...context.vars, [variable]: value },
  });
  return setup({
    types: {
      // XState's documented way to declare types: the values are never read.
      context: {} as FlowContext,
      input: {} as FlowInput,
      events: {} as FlowEvent,
      output: {} as FlowOutput,
    },
    actions: {
      [InternalAction.countVisit]: assign(({ context }, params: { nodeId: string }) => ({
        visits: { ...context.visits, [params.nodeId]: currentVisit(context, params.nodeId) + 1 },
      })),
      [InternalAction.storeEventPayload]: assign(
        ({ context, event }, params: { variable: string }) =>
          storeVar(context, params.variable, payloadOf(event)),
      ),
      [InternalAction.appendEventPayload]: assign(
        ({ context, event }, params: { variable: string }) =>
          storeVar(context, params.variable, appended(context.vars[params.variable], event)),
      ),
      [InternalAction.storeEffectOutput]: assign(
        ({ context, event }, params: { variable: string }) =>
          storeVar(context, params.variable, 'output' in event ? event.output : null),
      ),
      [InternalAction.storeTaskResult]: assign(({ context, event }, params: { variable: string }) =>
        storeVar(
          context,
          params.variable,
          'taskKey' in event
            ? { ...event.data, outcome: event.outcome, completedBy: event.completedBy }
            : null,
        ),
      ),
      [InternalAction.setOutcome]: assign((_, params: { outcome: string }) => ({
        outcome: params.outcome,
      })),
      [InternalAction.storeSubflowResult]: assign(
        ({ context, event }, params: { variable: string }) =>
          storeVar(
            context,
            params.variable,
            'childInstanceId' in event
              ? { status: event.status, outcome: event.outcome, vars: event.vars }
              : null,
          ),
      ),
      [InternalAction.storeClassification]: assign(
        ({ context, event }, params: { variable: string }) =>
          storeVar(context, params.variable, classificationOf(event)),
      ),
      // Effects: performed by the driver from the returned actions list, never here.
      [EffectActionType.enterNode]: (_: unknown, _params: EnterNodeParams) => undefined,
      [EffectActionType.callConnector]: (_: unknown, _params: CallConnectorParams) => undefined,
      [EffectActionType.scheduleTimer]: (_: unknown, _params: ScheduleTimerParams) => undefined,
      [EffectActionType.cancelTimer]: (_: unknown, _params: CancelTimerParams) => undefined,
      [EffectActionType.createTask]: (_: unknown, _params: CreateTaskParams) => undefined,
      [EffectActionType.cancelTask]: (_: unknown, _params: CancelTaskParams) => undefined,
      [EffectActionType.startSubflow]: (_: unknown, _params: StartSubflowParams) => undefined,
      [EffectActionType.cancelSubflow]: (_: unknown, _params: CancelSubflowParams) => undefined,
      [EffectActionType.raiseException]: (_: unknown, _params: RaiseExceptionParams) => undefined,
      [EffectActionType.classify]: (_: unknown, _params: ClassifyParams) => undefined,
      [EffectActionType.recordTriageDecision]: (_: unknown, _params: RecordTriageDecisionParams) =>
        undefined,
    },
    guards: {
      [GuardType.condition]: ({ context }, params: { expr: string }) =>
        expressions.holds(() => expressions.evaluate(params.expr, context)),
      [GuardType.allConditions]: ({ context }, params: { exprs: string[] }) =>
        params.exprs.every((expr) => expressions.holds(() => expressions.evaluate(expr, context))),
      [GuardType.eventFilter]: ({ context, event }, params: { expr: string }) =>
        expressions.holds(() =>
          expressions.evaluateOnEvent(params.expr, context, {
            type: event.type,
            payload: payloadOf(event),
          }),
        ),
      [GuardType.effectKey]: ({ context, event }, params: { nodeId: string }) =>
        'effectKey' in event &&
        event.effectKey === visitKey(params.nodeId, currentVisit(context, params.nodeId)),
      [GuardType.timerKey]: ({ context, event }, params: { nodeId: string; purpose: Purpose }) =>
        'timerKey' in event &&
        event.timerKey ===
          timerKey(params.nodeId, currentVisit(context, params.nodeId), params.purpose),
      [GuardType.taskOutcome]: ({ context, event }, params: { nodeId: string; outcome: string }) =>
        'taskKey' in event &&
        event.taskKey === visitKey(params.nodeId, currentVisit(context, params.nodeId)) &&
        event.outcome === params.outcome,
      [GuardType.subflowOutcome]: (
        { context, event },
        params: { nodeId: string; outcome: string },
      ) =>
        'childInstanceId' in event &&
        event.effectKey === visitKey(params.nodeId, currentVisit(context, params.nodeId)) &&
        event.status === 'completed' &&
        event.outcome === params.outcome,
      [GuardType.classifiedAs]: (
        { context, event },
        params: { nodeId: string; category: string; threshold: number },
      ) =>
        'confidence' in event &&
        event.effectKey === visitKey(params.nodeId, currentVisit(context, params.nodeId)) &&
        event.category === params.category &&
        event.confidence >= params.threshold,
    },
  });
}

/** What a classify node stores: the classifier's confident answer, or the reviewer's decision. */
function classificationOf(event: FlowEvent): Json {
  if ('confidence' in event)
    return {
      category: event.category,
      confidence: event.confidence,
      decidedBy: 'classifier',
      modelVersion: event.modelVersion,
    };
  if ('completedBy' in event)
    return { category: event.outcome, confidence: null, decidedBy: event.completedBy };
  return null;
}

type FlowMachineSetup = ReturnType<typeof flowSetup>;
type FlowMachineSetupConfig = Parameters<FlowMachineSetup['createMachine']>[0];

interface Hydration {
  expressions: FlowExpressions;
  enqueueActions: FlowMachineSetup['enqueueActions'];
}

/**
 * Compiles a flow definition into an XState machine. Pure and deterministic.
 *
 * ```ts
 * import { initialTransition, transition } from 'xstate';
 * const machine = compile(flow);
 * let [snapshot, actions] = initialTransition(machine, { trigger: { type: 'order.released', payload } });
 * [snapshot, actions] = transition(machine, snapshot, { type: 'shipment.confirmed', payload: shipment });
 * ```
 * @throws FlowCompileError when `validate()` finds errors in the definition (they are in `problems`).
 */
export function compile(flow: FlowDefinition) {
  const errors = validate(flow).filter((p) => p.severity === 'error');
  if (errors.length > 0) {
    const where = errors.map(
      (p) => `${p.nodeId ?? 'flow'}${p.field ? `.${p.field}` : ''}: ${p.message}`,
    );
    throw new FlowCompileError(`flow '${flow.key}' is invalid: ${where.join('; ')}`, errors);
  }
  const config = compileToConfig(flow);
  const expressions = new FlowExpressions(flow);
  const flowMachineSetup = flowSetup(expressions);
  const h: Hydration = { expressions, enqueueActions: flowMachineSetup.enqueueActions };
  const machineConfig = {
    id: config.id,
    initial: config.initial,
    context: ({ input }: { input: FlowInput }): FlowContext => ({
      vars: initialVars(flow, input),
      visits: {},
      outcome: null,
    }),
    output: ({ context }: { context: FlowContext }): FlowOutput => ({
      outcome: context.outcome,
      vars: context.vars,
    }),
    on: hydrateTransitions(config.on, h),
    states: Object.fromEntries(
      Object.entries(config.states).map(([id, state]) => [id, hydrateState(state, h)]),
    ),
  };
  // The configuration is generated from data, so XState's literal-typed config inference
  // cannot follow it; its action and guard names are the ones registered in flowSetup().
  return flowMachineSetup.createMachine(machineConfig as unknown as FlowMachineSetupConfig);
}

/** The machine `compile()` returns. */
export type FlowMachine = ReturnType<typeof compile>;

function hydrateState(state: StateConfig, h: Hydration): Record<string, unknown> {
  return {
    ...state,
    entry: state.entry?.map((a) => hydrateAction(a, h)),
    exit: state.exit?.map((a) => hydrateAction(a, h)),
    on: state.on ? hydrateTransitions(state.on, h) : undefined,
    always: state.always?.map((t) => hydrateTransition(t, h)),
    onDone: state.onDone?.map((t) => hydrateTransition(t, h)),
    states: state.states
      ? Object.fromEntries(
          Object.entries(state.states).map(([id, child]) => [id, hydrateState(child, h)]),
        )
      : undefined,
  };
}

function hydrateTransitions(
  on: Record<string, TransitionConfig[]>,
  h: Hydration,
): Record<string, unknown[]> {
  return Object.fromEntries(
    Object.entries(on).map(([type, ts]) => [type, ts.map((t) => hydrateTransition(t, h))]),
  );
}

function hydrateTransition(t: TransitionConfig, h: Hydration): Record<string, unknown> {
  return { ...t, actions: t.actions?.map((a) => hydrateAction(a, h)) };
}

/**
 * Effect actions get params computed from the context at the moment they run (visit keys,
 * evaluated inputs); cancellations are skipped when the exit is caused by the very timer or
 * task they would cancel.
 */
function hydrateAction(action: ActionConfig, h: Hydration): unknown {
  const p = action.params;
  if (!action.type.startsWith('waybill.')) return action;
  const nodeId = text(p, 'nodeId');
  switch (action.type) {
    case EffectActionType.enterNode:
      return {
        type: action.type,
        params: ({ context }: { context: FlowContext }): EnterNodeParams => ({
          nodeId,
          nodeType: text(p, 'nodeType'),
          visit: currentVisit(context, nodeId),
        }),
      };
    case EffectActionType.callConnector:
      return {
        type: action.type,
        params: ({ context }: { context: FlowContext }) =>
          callParams(action, context, h.expressions),
      };
    case EffectActionType.scheduleTimer: {
      const purpose = purposeOf(p['purpose']);
      return {
        type: action.type,
        params: ({ context }: { context: FlowContext }): ScheduleTimerParams => ({
          timerKey: timerKey(nodeId, currentVisit(context, nodeId), purpose),
          nodeId,
          delayMs: num(p, 'delayMs'),
          purpose,
        }),
      };
    }
    case EffectActionType.cancelTimer: {
      const purpose = purposeOf(p['purpose']);
      return h.enqueueActions(({ context, event, enqueue }) => {
        const key = timerKey(nodeId, currentVisit(context, nodeId), purpose);
        if (firedTimer(event) === key) return;
        enqueue({ type: EffectActionType.cancelTimer, params: { timerKey: key } });
      });
    }
    case EffectActionType.createTask: {
      const { suggestion, ...params } = p;
      return {
        type: action.type,
        params: ({ context, event }: { context: FlowContext; event: FlowEvent }) => ({
          ...params,
          taskKey: visitKey(nodeId, currentVisit(context, nodeId)),
          ...(suggestion === true ? { instructions: suggestionOf(event) } : {}),
        }),
      };
    }
    case EffectActionType.startSubflow:
      return {
        type: action.type,
        params: ({ context }: { context: FlowContext }): StartSubflowParams => ({
          effectKey: visitKey(nodeId, currentVisit(context, nodeId)),
          nodeId,
          flowKey: text(p, 'flowKey'),
          version: typeof p['version'] === 'number' ? p['version'] : null,
          input: mappedInputs(p['input'], context, h.expressions, `${nodeId}.input`),
        }),
      };
    case EffectActionType.cancelSubflow:
      return h.enqueueActions(({ context, event, enqueue }) => {
        const key = visitKey(nodeId, currentVisit(context, nodeId));
        if ('childInstanceId' in event && event.effectKey === key) return;
        enqueue({ type: EffectActionType.cancelSubflow, params: { effectKey: key } });
      });
    case EffectActionType.raiseException:
      return {
        type: action.type,
        params: ({ context }: { context: FlowContext }): RaiseExceptionParams => {
          const key = visitKey(nodeId, currentVisit(context, nodeId));
          return {
            exceptionKey: key,
            nodeId,
            category: text(p, 'category'),
            ownerRole: text(p, 'ownerRole'),
            severity: text(p, 'severity'),
            slaMs: num(p, 'slaMs'),
            details: mappedInputs(p['details'], context, h.expressions, `${nodeId}.details`),
            taskKey: p['openTask'] === true ? key : null,
            blocking: p['blocking'] === true,
          };
        },
      };
    case EffectActionType.classify:
      return {
        type: action.type,
        params: ({ context }: { context: FlowContext }): ClassifyParams =>
          classifyParams(action, context, h.expressions),
      };
    case EffectActionType.recordTriageDecision:
      return {
        type: action.type,
        params: ({ context, event }: { context: FlowContext; event: FlowEvent }) => ({
          effectKey: visitKey(nodeId, currentVisit(context, nodeId)),
          nodeId,
          category: 'completedBy' in event ? event.outcome : '',
          decidedBy: 'completedBy' in event ? event.completedBy : '',
        }),
      };
    case EffectActionType.cancelTask:
      return h.enqueueActions(({ context, event, enqueue }) => {
        const key = visitKey(nodeId, currentVisit(context, nodeId));
        if ('taskKey' in event && event.taskKey === key) return;
        enqueue({ type: EffectActionType.cancelTask, params: { taskKey: key } });
      });
    default:
      return action;
  }
}

function firedTimer(event: AnyEventObject): unknown {
  return event.type === 'waybill.timer.fired' ? event['timerKey'] : undefined;
}

const purposes: readonly Purpose[] = ['timeout', 'delay', 'due', 'escalation'];

function purposeOf(value: Json | undefined): Purpose {
  const purpose = purposes.find((p) => p === value);
  if (purpose === undefined) throw new FlowCompileError(`unknown timer purpose`, []);
  return purpose;
}

/** A string param of a generated action (present by construction in machine-config.ts). */
function text(params: ActionConfig['params'], key: string): string {
  const value = params[key];
  if (typeof value !== 'string')
    throw new FlowCompileError(`action param ${key} is not a string`, []);
  return value;
}

function num(params: ActionConfig['params'], key: string): number {
  const value = params[key];
  if (typeof value !== 'number')
    throw new FlowCompileError(`action param ${key} is not a number`, []);
  return value;
}

/** What a reviewer of an unsure classification is told. */
function suggestionOf(event: FlowEvent): string {
  if (!('confidence' in event) || event.category === null)
    return 'No trained classifier answered: choose the category.';
  const percent = Math.round(event.confidence * 100);
  return `The classifier suggests ${event.category} (${percent}% confidence, model ${event.modelVersion ?? 'unknown'}); confirm or choose another category.`;
}

/** A mapping of static values and expressions, evaluated now (at node entry). */
function mappedInputs(
  mapping: Json | undefined,
  context: FlowContext,
  expressions: FlowExpressions,
  where: string,
): Record<string, Json> {
  const values: Record<string, Json> = {};
  if (mapping && typeof mapping === 'object' && !Array.isArray(mapping)) {
    for (const [field, source] of Object.entries(mapping))
      values[field] = inputValue(source, context, expressions, `${where}.${field}`);
  }
  return values;
}

function classifyParams(
  action: ActionConfig,
  context: FlowContext,
  expressions: FlowExpressions,
): ClassifyParams {
  const p = action.params;
  const nodeId = text(p, 'nodeId');
  // An exception's record is rarely complete: a field the payload lacks is a missing signal for
  // the classifier (null), not a failure of the instance. Other evaluation errors still fail.
  const optional = (source: Json, where: string): Json => {
    try {
      return inputValue(source, context, expressions, where);
    } catch (error) {
      if (error instanceof InputEvaluationError && isMissingKey(error.cause)) return null;
      throw error;
    }
  };
  const value = optional({ kind: 'expr', expr: text(p, 'text') }, `${nodeId}.text`);
  const features: ClassifyParams['features'] = {};
  const mapping = p['features'];
  if (mapping && typeof mapping === 'object' && !Array.isArray(mapping)) {
    for (const [name, source] of Object.entries(mapping)) {
      const feature = optional(source, `${nodeId}.features.${name}`);
      features[name] =
        feature === null || typeof feature !== 'object' ? feature : JSON.stringify(feature);
    }
  }
  const categories = p['categories'];
  return {
    effectKey: visitKey(nodeId, currentVisit(context, nodeId)),
    nodeId,
    text: typeof value === 'string' ? value : value === null ? '' : JSON.stringify(value),
    features,
    categories: Array.isArray(categories) ? categories.map(String) : [],
    threshold: num(p, 'threshold'),
  };
}

/** Connector input: static values as written, expressions evaluated now (at node entry). */
function callParams(
  action: ActionConfig,
  context: FlowContext,
  expressions: FlowExpressions,
): CallConnectorParams {
  const p = action.params;
  const nodeId = text(p, 'nodeId');
  const input = mappedInputs(p['input'], context, expressions, `${nodeId}.input`);
  return {
    effectKey: visitKey(nodeId, currentVisit(context, nodeId)),
    nodeId,
    connector: text(p, 'connector'),
    connectorVersion: num(p, 'connectorVersion'),
    operation: text(p, 'operation'),
    input,
    retry: retryOf(p['retry']),
    timeoutMs: typeof p['timeoutMs'] === 'number' ? p['timeoutMs'] : null,
    onFailure: p['onFailure'] === 'incident' ? 'incident' : 'feed',
  };
}

function isMissingKey(error: unknown): boolean {
  return isExpressionError(error) && error.reason === 'no_such_key';
}

function inputValue(
  source: Json,
  context: FlowContext,
  expressions: FlowExpressions,
  where: string,
): Json {
  if (source === null || typeof source !== 'object' || Array.isArray(source)) return null;
  if (source['kind'] === 'expr' && typeof source['expr'] === 'string') {
    try {
      return expressions.evaluate(source['expr'], context);
    } catch (error) {
      if (isExpressionError(error)) throw new InputEvaluationError(where, error);
      throw error;
    }
  }
  return source['value'] ?? null;
}

function retryOf(value: Json | undefined): CallConnectorParams['retry'] {
  if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value))
    return null;
  return {
    maxAttempts: Number(value['maxAttempts']),
    initialIntervalMs: Number(value['initialIntervalMs']),
    backoffCoefficient: Number(value['backoffCoefficient']),
    maxIntervalMs: Number(value['maxIntervalMs']),
  };
}
