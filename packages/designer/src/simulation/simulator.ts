/**
 * Simulating a flow in the browser: the very machine `compile()` gives the runtime, driven by a
 * script of business events, stubbed connector results, fired timers and completed tasks. Every
 * step records the active nodes, the nodes entered (the path taken), the context and the effects.
 * Pure: each function returns a new simulation.
 */
import { activeNodeIds, canAccept, compile, deliver, startFlow } from '@waybill/shared';
import type {
  CallConnectorParams,
  ClassifyParams,
  CreateTaskParams,
  EffectAction,
  FlowDefinition,
  FlowEvent,
  FlowMachine,
  FlowSnapshot,
  FlowStep,
  Json,
  ScheduleTimerParams,
  StartSubflowParams,
  TypeSpec,
} from '@waybill/shared';

/** One scripted step. */
export type ScriptStep =
  | { kind: 'event'; type: string; payload: Json }
  | { kind: 'connector'; nodeId: string; ok: true; output: Json }
  | { kind: 'connector'; nodeId: string; ok: false; error: { code: string; message: string } }
  | { kind: 'timer'; nodeId: string }
  | { kind: 'task'; nodeId: string; outcome: string; data: Record<string, Json> }
  /** The called flow of a subflow node ends (completed with an outcome, or failed). */
  | { kind: 'subflow'; nodeId: string; status: 'completed' | 'failed'; outcome: string | null }
  /** The classifier answers a classify node (category null: no trained model). */
  | { kind: 'classify'; nodeId: string; category: string | null; confidence: number };

/** What the instance waits for from the outside world. */
export interface Pending {
  effects: CallConnectorParams[];
  timers: ScheduleTimerParams[];
  tasks: CreateTaskParams[];
  subflows: StartSubflowParams[];
  classifications: ClassifyParams[];
}

/** The state after one step. */
export interface SimulationFrame {
  label: string;
  step: ScriptStep | null;
  activeNodes: string[];
  /** Nodes entered during this step, in order. */
  entered: string[];
  vars: Record<string, Json>;
  effects: EffectAction[];
  /** False when the instance would not react to the step now (nothing changed). */
  accepted: boolean;
  done: boolean;
  outcome: string | null;
  error: string | null;
}

export interface Simulation {
  machine: FlowMachine;
  snapshot: FlowSnapshot;
  pending: Pending;
  frames: SimulationFrame[];
}

/** A saved simulation: the trigger, the steps, and what the end state must be. */
export interface Scenario {
  name: string;
  trigger: Json;
  steps: ScriptStep[];
  expected: { done: boolean; outcome: string | null; activeNodes: string[] };
}

export interface ScenarioResult {
  passed: boolean;
  failures: string[];
  final: SimulationFrame | null;
}

function contextOf(snapshot: FlowSnapshot): { vars: Record<string, Json>; outcome: string | null } {
  return { vars: snapshot.context.vars, outcome: snapshot.context.outcome };
}

function updatePending(
  pending: Pending,
  effects: readonly EffectAction[],
  event: FlowEvent | null,
): Pending {
  let { effects: calls, timers, tasks, subflows, classifications } = pending;
  if (event !== null && 'effectKey' in event) {
    subflows = subflows.filter((c) => c.effectKey !== event.effectKey);
    classifications = classifications.filter((c) => c.effectKey !== event.effectKey);
  }
  if (event?.type === 'waybill.effect.succeeded' || event?.type === 'waybill.effect.failed') {
    const key = 'effectKey' in event ? event.effectKey : '';
    calls = calls.filter((c) => c.effectKey !== key);
  }
  if (event?.type === 'waybill.timer.fired' && 'timerKey' in event)
    timers = timers.filter((t) => t.timerKey !== event.timerKey);
  if (event?.type === 'waybill.task.completed' && 'taskKey' in event)
    tasks = tasks.filter((t) => t.taskKey !== event.taskKey);
  for (const effect of effects) {
    switch (effect.type) {
      case 'waybill.callConnector':
        calls = [...calls, effect.params];
        break;
      case 'waybill.scheduleTimer':
        timers = [...timers, effect.params];
        break;
      case 'waybill.cancelTimer':
        timers = timers.filter((t) => t.timerKey !== effect.params.timerKey);
        break;
      case 'waybill.createTask':
        tasks = [...tasks, effect.params];
        break;
      case 'waybill.cancelTask':
        tasks = tasks.filter((t) => t.taskKey !== effect.params.taskKey);
        break;
      case 'waybill.startSubflow':
        subflows = [...subflows, effect.params];
        break;
      case 'waybill.cancelSubflow':
        subflows = subflows.filter((c) => c.effectKey !== effect.params.effectKey);
        break;
      case 'waybill.classify':
        classifications = [...classifications, effect.params];
        break;
      case 'waybill.enterNode':
      case 'waybill.raiseException':
      case 'waybill.recordTriageDecision':
        break;
    }
  }
  return { effects: calls, timers, tasks, subflows, classifications };
}

function frameOf(
  label: string,
  step: ScriptStep | null,
  result: FlowStep,
  accepted: boolean,
): SimulationFrame {
  const { vars, outcome } = contextOf(result.snapshot);
  return {
    label,
    step,
    activeNodes: result.done ? [] : result.activeNodes,
    entered: result.effects.flatMap((e) =>
      e.type === 'waybill.enterNode' ? [e.params.nodeId] : [],
    ),
    vars,
    effects: result.effects,
    accepted,
    done: result.done,
    outcome,
    error: null,
  };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Compiles the flow and starts an instance with `trigger` as the trigger event's payload.
 *
 * ```ts
 * let sim = startSimulation(flow, { orderNumber: 'SO-1' });
 * sim = applyStep(sim, { kind: 'event', type: 'shipment.confirmed', payload: shipment });
 * ```
 * @throws FlowCompileError when the flow has errors.
 */
export function startSimulation(definition: FlowDefinition, trigger: Json): Simulation {
  const machine = compile(definition);
  const result = startFlow(machine, {
    trigger: { type: definition.trigger.event, payload: trigger },
  });
  return {
    machine,
    snapshot: result.snapshot,
    pending: updatePending(noPending, result.effects, null),
    frames: [frameOf(`Started by ${definition.trigger.event}`, null, result, true)],
  };
}

const noPending: Pending = {
  effects: [],
  timers: [],
  tasks: [],
  subflows: [],
  classifications: [],
};

/** A person-readable name for a step. */
export function describeStep(step: ScriptStep): string {
  switch (step.kind) {
    case 'event':
      return `Event ${step.type}`;
    case 'connector':
      return step.ok
        ? `${step.nodeId}: connector succeeds`
        : `${step.nodeId}: connector fails (${step.error.code})`;
    case 'timer':
      return `${step.nodeId}: timer fires`;
    case 'task':
      return `${step.nodeId}: task completed as ${step.outcome}`;
    case 'subflow':
      return step.status === 'completed'
        ? `${step.nodeId}: called flow ends as ${step.outcome ?? 'completed'}`
        : `${step.nodeId}: called flow fails`;
    case 'classify':
      return step.category === null
        ? `${step.nodeId}: no trained classifier`
        : `${step.nodeId}: classified ${step.category} (${Math.round(step.confidence * 100)}%)`;
  }
}

/** The machine event a step stands for, or why there is none now. */
function eventOf(sim: Simulation, step: ScriptStep): FlowEvent | string {
  switch (step.kind) {
    case 'event':
      return { type: step.type, payload: step.payload };
    case 'connector': {
      const call = sim.pending.effects.find((c) => c.nodeId === step.nodeId);
      if (!call) return `no connector call is pending at ${step.nodeId}`;
      return step.ok
        ? { type: 'waybill.effect.succeeded', effectKey: call.effectKey, output: step.output }
        : { type: 'waybill.effect.failed', effectKey: call.effectKey, error: step.error };
    }
    case 'timer': {
      const timer = sim.pending.timers.find((t) => t.nodeId === step.nodeId);
      if (!timer) return `no timer is pending at ${step.nodeId}`;
      return { type: 'waybill.timer.fired', timerKey: timer.timerKey };
    }
    case 'task': {
      const task = sim.pending.tasks.find((t) => t.nodeId === step.nodeId);
      if (!task) return `no task is open at ${step.nodeId}`;
      return {
        type: 'waybill.task.completed',
        taskKey: task.taskKey,
        outcome: step.outcome,
        data: step.data,
        completedBy: 'simulator',
      };
    }
    case 'subflow': {
      const call = sim.pending.subflows.find((c) => c.nodeId === step.nodeId);
      if (!call) return `no called flow is running at ${step.nodeId}`;
      return {
        type: 'waybill.subflow.finished',
        effectKey: call.effectKey,
        status: step.status,
        outcome: step.outcome,
        vars: {},
        childInstanceId: 'simulated',
      };
    }
    case 'classify': {
      const ask = sim.pending.classifications.find((c) => c.nodeId === step.nodeId);
      if (!ask) return `no classification is pending at ${step.nodeId}`;
      return {
        type: 'waybill.classified',
        effectKey: ask.effectKey,
        category: step.category,
        confidence: step.confidence,
        modelVersion: step.category === null ? null : 'simulated',
      };
    }
  }
}

/**
 * Applies one step. A step the instance cannot take now leaves it unchanged, with a frame that
 * says why (`accepted: false`, `error`).
 *
 * ```ts
 * sim = applyStep(sim, { kind: 'connector', nodeId: 'postInvoice', ok: true, output: { invoiceId: 'INV-1' } });
 * ```
 */
export function applyStep(sim: Simulation, step: ScriptStep): Simulation {
  const label = describeStep(step);
  const last = sim.frames[sim.frames.length - 1];
  const unchanged = (error: string | null): Simulation => ({
    ...sim,
    frames: [
      ...sim.frames,
      {
        label,
        step,
        activeNodes: last?.activeNodes ?? [],
        entered: [],
        vars: last?.vars ?? {},
        effects: [],
        accepted: false,
        done: last?.done ?? false,
        outcome: last?.outcome ?? null,
        error,
      },
    ],
  });
  const event = eventOf(sim, step);
  if (typeof event === 'string') return unchanged(event);
  if (!canAccept(sim.snapshot, event)) return unchanged('the instance does not react to this now');
  try {
    const result = deliver(sim.machine, sim.snapshot, event);
    return {
      machine: sim.machine,
      snapshot: result.snapshot,
      pending: updatePending(sim.pending, result.effects, event),
      frames: [...sim.frames, frameOf(label, step, result, true)],
    };
  } catch (error) {
    return unchanged(message(error));
  }
}

/**
 * The nodes entered and the edges followed so far, for highlighting the path taken.
 *
 * ```ts
 * const { nodes, edges } = pathTaken(flow, sim.frames);
 * ```
 */
export function pathTaken(
  definition: FlowDefinition,
  frames: readonly SimulationFrame[],
): { nodes: Set<string>; edges: Set<string> } {
  const sequence = frames.flatMap((f) => f.entered);
  const nodes = new Set(sequence);
  const edges = new Set<string>();
  for (let i = 1; i < sequence.length; i += 1) {
    const edge = definition.edges.find(
      (e) => e.source === sequence[i - 1] && e.target === sequence[i],
    );
    if (edge) edges.add(edge.id);
  }
  return { nodes, edges };
}

/** A sample value of a declared type, to start editing an event payload from. */
export function sampleOf(type: TypeSpec | undefined): Json {
  if (type === undefined) return {};
  if (typeof type === 'string') {
    switch (type) {
      case 'string':
        return '';
      case 'number':
      case 'integer':
        return 0;
      case 'boolean':
        return true;
      case 'timestamp':
        return '2026-01-01T00:00:00Z';
      case 'any':
        return null;
    }
  }
  if ('list' in type) return [];
  return Object.fromEntries(Object.entries(type.object).map(([k, v]) => [k, sampleOf(v)]));
}

/**
 * What can happen next: the pending connector calls (succeed or fail), timers, open tasks (one
 * step per outcome) and the business events the flow knows.
 *
 * ```ts
 * nextSteps(flow, sim).map(describeStep); // ['postInvoice: connector succeeds', …]
 * ```
 */
export function nextSteps(definition: FlowDefinition, sim: Simulation): ScriptStep[] {
  if (sim.snapshot.status !== 'active') return [];
  const steps: ScriptStep[] = [];
  for (const call of sim.pending.effects) {
    steps.push({ kind: 'connector', nodeId: call.nodeId, ok: true, output: {} });
    steps.push({
      kind: 'connector',
      nodeId: call.nodeId,
      ok: false,
      error: { code: 'UNAVAILABLE', message: 'simulated failure' },
    });
  }
  for (const timer of sim.pending.timers) steps.push({ kind: 'timer', nodeId: timer.nodeId });
  for (const call of sim.pending.subflows) {
    const node = definition.nodes.find((n) => n.id === call.nodeId);
    for (const outcome of node?.type === 'subflow' ? node.outcomes : ['completed'])
      steps.push({ kind: 'subflow', nodeId: call.nodeId, status: 'completed', outcome });
    steps.push({ kind: 'subflow', nodeId: call.nodeId, status: 'failed', outcome: null });
  }
  for (const ask of sim.pending.classifications) {
    // A confident answer per category, and an unsure one that goes to a person.
    for (const category of ask.categories)
      steps.push({ kind: 'classify', nodeId: ask.nodeId, category, confidence: 0.95 });
    steps.push({
      kind: 'classify',
      nodeId: ask.nodeId,
      category: ask.categories[0] ?? null,
      confidence: Math.max(0, ask.threshold - 0.2),
    });
  }
  for (const task of sim.pending.tasks)
    for (const outcome of task.outcomes)
      steps.push({ kind: 'task', nodeId: task.nodeId, outcome: outcome.id, data: {} });
  const types = new Map<string, Json>();
  const active = new Set(activeNodeIds(sim.snapshot));
  for (const node of definition.nodes)
    if (node.type === 'waitForEvent' && active.has(node.id)) types.set(node.eventType, {});
  for (const binding of definition.events) types.set(binding.type, sampleOf(binding.payload));
  for (const [type, payload] of types) steps.push({ kind: 'event', type, payload });
  return steps;
}

/**
 * Replays a scenario from its trigger and checks the end state.
 *
 * ```ts
 * const { passed, failures } = runScenario(flow, scenario);
 * ```
 */
export function runScenario(definition: FlowDefinition, scenario: Scenario): ScenarioResult {
  let sim: Simulation;
  try {
    sim = startSimulation(definition, scenario.trigger);
  } catch (error) {
    return {
      passed: false,
      failures: [`the flow does not compile: ${message(error)}`],
      final: null,
    };
  }
  const failures: string[] = [];
  for (const [i, step] of scenario.steps.entries()) {
    sim = applyStep(sim, step);
    const frame = sim.frames[sim.frames.length - 1];
    if (frame?.error) failures.push(`step ${i + 1} (${describeStep(step)}): ${frame.error}`);
  }
  const final = sim.frames[sim.frames.length - 1] ?? null;
  if (final) {
    const { expected } = scenario;
    if (final.done !== expected.done)
      failures.push(
        expected.done
          ? 'expected the instance to finish; it is still waiting'
          : 'expected the instance to be waiting; it finished',
      );
    if (expected.done && final.outcome !== expected.outcome)
      failures.push(
        `expected outcome ${expected.outcome ?? 'none'}, got ${final.outcome ?? 'none'}`,
      );
    const got = [...final.activeNodes].sort().join(', ');
    const want = [...expected.activeNodes].sort().join(', ');
    if (!expected.done && got !== want)
      failures.push(`expected to wait at ${want || 'nothing'}, waits at ${got || 'nothing'}`);
  }
  return { passed: failures.length === 0, failures, final };
}

/** The expectation a scenario saves: the end state the simulation reached. */
export function expectationOf(frame: SimulationFrame): Scenario['expected'] {
  return { done: frame.done, outcome: frame.outcome, activeNodes: frame.activeNodes };
}
