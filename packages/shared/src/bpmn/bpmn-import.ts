/**
 * BPMN 2.0 → flow definition. Maps what has a counterpart in Waybill's node kinds, flattens what
 * is only structure (merging gateways, embedded sub processes), and reports every element it did
 * not import, by element id, with the reason.
 * @module
 */
import { durationSchema, eventTypeSchema, flowDefinitionSchema } from '../flow.schema.ts';
import type {
  Condition,
  Duration,
  FlowDefinition,
  FlowEdge,
  FlowNode,
  FlowNodeOf,
} from '../flow.schema.ts';
import { BpmnImportError } from './bpmn.error.ts';
import { attr, child, children, childText, parseXml } from './bpmn-xml.ts';
import type { XmlElement } from './bpmn-xml.ts';

/** What happened to one BPMN element. */
export type BpmnReportOutcome =
  /** Became a node or an edge. */
  | 'mapped'
  /** Only structure (a merging gateway, a sub process boundary): its paths were joined up. */
  | 'merged'
  /** Became part of another node (an event after an event-based gateway, a boundary event). */
  | 'absorbed'
  /** Not imported: nothing in Waybill does what it does. */
  | 'skipped';

/** One line of the import report. */
export interface BpmnReportItem {
  elementId: string;
  /** The BPMN element's local name, e.g. `userTask`, `parallelGateway`, `sequenceFlow`. */
  elementType: string;
  outcome: BpmnReportOutcome;
  /** The node it became or joined, when there is one. */
  nodeId?: string;
  message: string;
}

/** What `importBpmn()` returns. */
export interface BpmnImportResult {
  definition: FlowDefinition;
  report: BpmnReportItem[];
}

interface BpmnElement {
  id: string;
  type: string;
  name: string | undefined;
  xml: XmlElement;
  /** The enclosing sub process, or null at the top level. */
  parent: string | null;
}

interface SequenceFlow {
  id: string;
  source: string;
  target: string;
  name: string | undefined;
  condition: string | undefined;
}

const FLOW_ELEMENT_TYPES = [
  'startEvent',
  'endEvent',
  'task',
  'userTask',
  'manualTask',
  'serviceTask',
  'sendTask',
  'businessRuleTask',
  'scriptTask',
  'receiveTask',
  'callActivity',
  'subProcess',
  'transaction',
  'adHocSubProcess',
  'exclusiveGateway',
  'parallelGateway',
  'inclusiveGateway',
  'complexGateway',
  'eventBasedGateway',
  'intermediateCatchEvent',
  'intermediateThrowEvent',
  'boundaryEvent',
] as const;

/** Children of a process that carry no behaviour and need no report line. */
const QUIET_TYPES = new Set([
  'sequenceFlow',
  'laneSet',
  'extensionElements',
  'documentation',
  'ioSpecification',
  'property',
  'dataInputAssociation',
  'dataOutputAssociation',
  'incoming',
  'outgoing',
  'textAnnotation',
  'association',
  'dataObject',
  'dataObjectReference',
  'dataStoreReference',
]);

const DEFAULT_ROLE = 'process-owner';

/**
 * Flow cards are about twice as wide as BPMN tasks (200 px against 100 px), so diagram positions
 * are spread out on import (and shrunk back on export) to keep neighbours from overlapping.
 */
export const BPMN_SCALE = { x: 2.2, y: 1.8 } as const;

/** A node before it has its id. */
type NodeDraft = FlowNode extends infer TNode
  ? TNode extends FlowNode
    ? Omit<TNode, 'id'>
    : never
  : never;

/**
 * Imports a BPMN 2.0 diagram (as Camunda Modeler, bpmn.io or Signavio write them).
 *
 * ```ts
 * const { definition, report } = importBpmn(readFileSync('order-to-cash.bpmn', 'utf8'));
 * for (const item of report.filter((r) => r.outcome === 'skipped'))
 *   console.warn(`${item.elementId} (${item.elementType}): ${item.message}`);
 * ```
 * @throws BpmnImportError `BPMN_XML_INVALID` (not XML), `BPMN_NO_PROCESS`, `BPMN_NO_START`.
 */
export function importBpmn(xml: string): BpmnImportResult {
  const root = parseXml(xml);
  const definitions = child(root, 'definitions');
  if (!definitions)
    throw new BpmnImportError('BPMN_NO_PROCESS', 'the document has no <bpmn:definitions> root');
  return new BpmnImporter(definitions).run();
}

class BpmnImporter {
  readonly #definitions: XmlElement;
  readonly #report: BpmnReportItem[] = [];
  readonly #elements = new Map<string, BpmnElement>();
  readonly #flows: SequenceFlow[] = [];
  readonly #messages = new Map<string, string>();
  readonly #positions = new Map<string, { x: number; y: number }>();
  /** BPMN element id → node id, for elements that became nodes. */
  readonly #nodeOf = new Map<string, string>();
  readonly #nodes = new Map<string, FlowNode>();
  /** Absorbed element id → [node id, exit]: its outgoing flows leave that node by that exit. */
  readonly #exitOf = new Map<string, [string, string]>();
  readonly #passThrough = new Set<string>();
  readonly #usedNodeIds = new Set<string>();

  constructor(definitions: XmlElement) {
    this.#definitions = definitions;
  }

  run(): BpmnImportResult {
    const process = this.#pickProcess();
    for (const message of children(this.#definitions, 'message')) {
      const id = attr(message, 'id');
      if (id) this.#messages.set(id, attr(message, 'name') ?? id);
    }
    this.#readPositions();
    this.#collect(process, null);
    const starts = [...this.#elements.values()].filter(
      (e) => e.type === 'startEvent' && e.parent === null,
    );
    const start = starts[0];
    if (!start)
      throw new BpmnImportError(
        'BPMN_NO_START',
        `process '${attr(process, 'id') ?? '?'}' has no top-level start event`,
        attr(process, 'id') ?? null,
      );
    for (const extra of starts.slice(1))
      this.#skip(extra, 'a flow has one start; this start event was left out');

    for (const element of this.#elements.values()) {
      if (element.type === 'startEvent' && element !== start && element.parent === null) continue;
      this.#mapElement(element);
    }
    this.#absorbEventGateways();
    this.#absorbBoundaryEvents();
    const edges = this.#buildEdges();
    this.#finishNodes(edges);
    this.#pairParallelGateways(edges);

    const key = slug(attr(process, 'id') ?? 'imported-process') || 'imported-process';
    const definition = flowDefinitionSchema.parse({
      key,
      name: attr(process, 'name') ?? attr(process, 'id') ?? 'Imported process',
      description: `Imported from BPMN process ${attr(process, 'id') ?? ''}`.trim(),
      trigger: { event: this.#triggerOf(start, key) },
      nodes: [...this.#nodes.values()],
      edges,
    });
    return { definition, report: this.#withNotes() };
  }

  #pickProcess(): XmlElement {
    const processes = children(this.#definitions, 'process');
    const withContent = processes.filter((p) =>
      FLOW_ELEMENT_TYPES.some((type) => children(p, type).length > 0),
    );
    const chosen = withContent[0];
    if (!chosen)
      throw new BpmnImportError('BPMN_NO_PROCESS', 'the document has no process with elements');
    for (const other of withContent.slice(1)) {
      this.#report.push({
        elementId: attr(other, 'id') ?? '?',
        elementType: 'process',
        outcome: 'skipped',
        message: `only the first process (${attr(chosen, 'id') ?? '?'}) of a collaboration is imported`,
      });
    }
    return chosen;
  }

  #readPositions(): void {
    for (const diagram of children(this.#definitions, 'BPMNDiagram')) {
      for (const plane of children(diagram, 'BPMNPlane')) {
        for (const shape of children(plane, 'BPMNShape')) {
          const id = attr(shape, 'bpmnElement');
          const bounds = child(shape, 'Bounds');
          if (!id || !bounds) continue;
          const x = Number(attr(bounds, 'x'));
          const y = Number(attr(bounds, 'y'));
          if (Number.isFinite(x) && Number.isFinite(y) && !this.#positions.has(id))
            this.#positions.set(id, {
              x: Math.round(x * BPMN_SCALE.x),
              y: Math.round(y * BPMN_SCALE.y),
            });
        }
      }
    }
  }

  #collect(container: XmlElement, parent: string | null): void {
    for (const [tag, value] of Object.entries(container)) {
      if (!Array.isArray(value) || QUIET_TYPES.has(tag)) continue;
      const known = FLOW_ELEMENT_TYPES.some((t) => t === tag);
      for (const xml of children(container, tag)) {
        const id = attr(xml, 'id');
        if (!id) continue;
        if (!known) {
          this.#report.push({
            elementId: id,
            elementType: tag,
            outcome: 'skipped',
            message: `${tag} has no counterpart in a flow`,
          });
          continue;
        }
        this.#elements.set(id, { id, type: tag, name: attr(xml, 'name'), xml, parent });
        if (tag === 'subProcess') this.#collect(xml, id);
      }
    }
    for (const xml of children(container, 'sequenceFlow')) {
      const id = attr(xml, 'id');
      const source = attr(xml, 'sourceRef');
      const target = attr(xml, 'targetRef');
      if (!id || !source || !target) continue;
      this.#flows.push({
        id,
        source,
        target,
        name: attr(xml, 'name'),
        condition: childText(xml, 'conditionExpression'),
      });
    }
  }

  #outgoing(id: string): SequenceFlow[] {
    return this.#flows.filter((f) => f.source === id);
  }

  #mapElement(e: BpmnElement): void {
    const label = e.name ? { name: e.name } : {};
    switch (e.type) {
      case 'startEvent':
        if (e.parent !== null) return this.#merge(e, 'the sub process begins here');
        if (child(e.xml, 'timerEventDefinition'))
          this.#note(e, 'a timer start becomes a start on the trigger event');
        return this.#add(e, { type: 'start', ...label });
      case 'endEvent':
        if (e.parent !== null) return this.#merge(e, 'the sub process continues after its end');
        if (child(e.xml, 'errorEventDefinition') || child(e.xml, 'terminateEventDefinition'))
          this.#note(e, 'an error or terminate end becomes an end with its name as the outcome');
        return this.#add(e, { type: 'end', outcome: slug(e.name ?? '') || 'completed', ...label });
      case 'task':
      case 'userTask':
      case 'manualTask':
        return this.#add(e, {
          type: 'humanTask',
          title: e.name ?? e.id,
          candidateRoles: this.#candidateRoles(e),
          form: [],
          outcomes: [{ id: 'done', label: 'Done' }],
          ...label,
        });
      case 'serviceTask':
      case 'sendTask':
      case 'businessRuleTask':
        return this.#add(e, {
          type: 'connectorCall',
          ...this.#connectorOf(e),
          connectorVersion: 1,
          input: {},
          ...label,
        });
      case 'receiveTask':
        return this.#add(e, { type: 'waitForEvent', eventType: this.#eventTypeOf(e), ...label });
      case 'exclusiveGateway':
        if (this.#outgoing(e.id).length <= 1)
          return this.#merge(e, 'a merging gateway: its incoming paths lead straight on');
        return this.#add(e, {
          type: 'decision',
          conditions: [{ id: 'c1', expression: 'true' }],
          ...label,
        });
      case 'eventBasedGateway':
        // Becomes a wait for the one message it races against an optional timer; see below.
        return this.#add(e, { type: 'waitForEvent', eventType: 'bpmn.pending', ...label });
      case 'intermediateCatchEvent':
        return this.#mapCatchEvent(e);
      case 'intermediateThrowEvent':
        return this.#merge(e, 'throw events have no effect in a flow; the path leads straight on');
      case 'subProcess':
        return this.#merge(e, 'an embedded sub process is flattened into the flow');
      case 'boundaryEvent':
        return undefined; // handled with the activity it is attached to
      case 'parallelGateway':
        if (this.#outgoing(e.id).length >= 2)
          return this.#add(e, { type: 'parallel', mode: 'split', branches: [], ...label });
        if (this.#flows.filter((f) => f.target === e.id).length >= 2)
          return this.#add(e, { type: 'parallel', mode: 'join', branches: [], ...label });
        return this.#merge(e, 'a parallel gateway with one path in and out leads straight on');
      case 'inclusiveGateway':
      case 'complexGateway':
        return this.#skip(e, `${e.type} has no counterpart (use exclusive gateways)`);
      case 'scriptTask':
        return this.#skip(e, 'scripts do not run in flows; use a connector call');
      case 'callActivity': {
        const called = slug(attr(e.xml, 'calledElement') ?? '');
        if (!called) this.#note(e, 'no calledElement: pick the flow this subflow calls');
        return this.#add(e, {
          type: 'subflow',
          flow: called || 'unset',
          input: {},
          outcomes: ['completed'],
          ...label,
        });
      }
      default:
        return this.#skip(e, `${e.type} has no counterpart in a flow`);
    }
  }

  #mapCatchEvent(e: BpmnElement): void {
    const label = e.name ? { name: e.name } : {};
    if (child(e.xml, 'messageEventDefinition'))
      return this.#add(e, { type: 'waitForEvent', eventType: this.#eventTypeOf(e), ...label });
    const timer = child(e.xml, 'timerEventDefinition');
    if (timer) {
      const delay = durationOf(timer);
      if (!delay)
        return this.#skip(e, 'only timers with an ISO-8601 timeDuration (e.g. PT48H) are imported');
      return this.#add(e, { type: 'timer', delay, ...label });
    }
    const conditional = child(e.xml, 'conditionalEventDefinition');
    if (conditional) {
      const expression = toCel(childText(conditional, 'condition') ?? 'true');
      return this.#add(e, {
        type: 'readinessGate',
        conditions: [{ id: 'c1', label: e.name ?? 'condition', expression }],
        ...label,
      });
    }
    return this.#skip(e, 'only message, timer and conditional catch events are imported');
  }

  #candidateRoles(e: BpmnElement): string[] {
    const extension = child(e.xml, 'extensionElements');
    const zeebe = extension ? child(extension, 'assignmentDefinition') : undefined;
    const raw = attr(e.xml, 'candidateGroups') ?? (zeebe && attr(zeebe, 'candidateGroups'));
    const roles = (raw ?? '')
      .split(',')
      .map((r) => r.trim())
      .filter((r) => r !== '' && !r.startsWith('='));
    if (roles.length > 0) return roles;
    this.#note(e, `no candidate groups: the task goes to role '${DEFAULT_ROLE}'`);
    return [DEFAULT_ROLE];
  }

  #connectorOf(e: BpmnElement): { connector: string; operation: string } {
    const connector = attr(e.xml, 'connector');
    const operation = attr(e.xml, 'operation');
    if (connector && operation) return { connector, operation };
    const extension = child(e.xml, 'extensionElements');
    const task = extension ? child(extension, 'taskDefinition') : undefined;
    // Zeebe job type, or a Camunda 7 external task topic, or a Camunda 7 delegate type.
    const camundaType = attr(e.xml, 'type');
    const type =
      (task && attr(task, 'type')) ??
      (camundaType === 'external' ? attr(e.xml, 'topic') : (camundaType ?? attr(e.xml, 'topic')));
    if (type) {
      const cut = type.lastIndexOf(':');
      if (cut > 0) return { connector: type.slice(0, cut), operation: type.slice(cut + 1) };
      this.#note(e, `job type '${type}' became the connector; pick its operation`);
      return { connector: type, operation: 'unset' };
    }
    this.#note(e, 'no job type: pick the connector and operation of this call');
    return { connector: 'unset', operation: 'unset' };
  }

  #eventTypeOf(e: BpmnElement): string {
    const definition = child(e.xml, 'messageEventDefinition');
    const ref = attr(definition ?? e.xml, 'messageRef');
    const name = (ref && this.#messages.get(ref)) ?? e.name ?? e.id;
    return toEventType(name);
  }

  #triggerOf(start: BpmnElement, key: string): string {
    const message = child(start.xml, 'messageEventDefinition');
    if (message) return this.#eventTypeOf(start);
    this.#note(start, `a plain start event: instances start on the event '${key}.started'`);
    return `${key}.started`;
  }

  /** An event-based gateway races one message against an optional timer: a wait with a timeout. */
  #absorbEventGateways(): void {
    for (const e of this.#elements.values()) {
      if (e.type !== 'eventBasedGateway') continue;
      const nodeId = this.#nodeOf.get(e.id);
      const node = nodeId ? this.#nodes.get(nodeId) : undefined;
      if (!nodeId || node?.type !== 'waitForEvent') continue;
      const targets = this.#outgoing(e.id).flatMap((f) => {
        const target = this.#elements.get(f.target);
        return target ? [target] : [];
      });
      const messages = targets.filter(
        (t) => child(t.xml, 'messageEventDefinition') || t.type === 'receiveTask',
      );
      const timers = targets.filter((t) => child(t.xml, 'timerEventDefinition'));
      const timerDelay = timers[0]
        ? durationOf(child(timers[0].xml, 'timerEventDefinition'))
        : undefined;
      const conditionals = targets.filter((t) => child(t.xml, 'conditionalEventDefinition'));
      const conditional = conditionals[0];
      if (messages.length === 0 && conditionals.length === 1 && conditional && timerDelay) {
        // A condition raced against a timer: a readiness gate with a timeout.
        const condition = childText(
          child(conditional.xml, 'conditionalEventDefinition') ?? {},
          'condition',
        );
        this.#nodes.set(nodeId, {
          id: nodeId,
          type: 'readinessGate',
          ...(node.name ? { name: node.name } : {}),
          ...(node.position ? { position: node.position } : {}),
          conditions: [
            {
              id: 'c1',
              label: conditional.name ?? 'condition',
              expression: toCel(condition ?? 'true'),
            },
          ],
          timeout: timerDelay,
        });
        this.#absorb(conditional, nodeId, 'ready');
        if (timers[0]) this.#absorb(timers[0], nodeId, 'timeout');
        continue;
      }
      const message = messages[0];
      if (messages.length !== 1 || !message || timers.length > 1 || (timers[0] && !timerDelay)) {
        this.#unmap(
          e,
          nodeId,
          'only one message raced against at most one timer (a timeDuration) is imported',
        );
        continue;
      }
      const next: FlowNodeOf<'waitForEvent'> = { ...node, eventType: this.#eventTypeOf(message) };
      if (timerDelay) next.timeout = timerDelay;
      this.#nodes.set(nodeId, next);
      this.#absorb(message, nodeId, 'event');
      if (timers[0]) this.#absorb(timers[0], nodeId, 'timeout');
    }
  }

  /** Boundary events: errors of connector calls, timeouts of waits. */
  #absorbBoundaryEvents(): void {
    for (const e of this.#elements.values()) {
      if (e.type !== 'boundaryEvent') continue;
      const host = attr(e.xml, 'attachedToRef');
      const nodeId = host ? this.#nodeOf.get(host) : undefined;
      const node = nodeId ? this.#nodes.get(nodeId) : undefined;
      if (!nodeId || !node) {
        this.#skip(e, `it is attached to ${host ?? 'nothing'}, which was not imported`);
        continue;
      }
      const timer = child(e.xml, 'timerEventDefinition');
      if (child(e.xml, 'errorEventDefinition') && node.type === 'connectorCall') {
        this.#absorb(e, nodeId, 'error');
      } else if (timer && node.type === 'waitForEvent' && durationOf(timer)) {
        this.#nodes.set(nodeId, { ...node, timeout: durationOf(timer) });
        this.#absorb(e, nodeId, 'timeout');
      } else if (timer && node.type === 'humanTask' && durationOf(timer)) {
        this.#nodes.set(nodeId, { ...node, dueIn: durationOf(timer) });
        this.#report.push({
          elementId: e.id,
          elementType: e.type,
          outcome: 'skipped',
          nodeId,
          message:
            'became the task due date; its path was not imported (tasks have no timeout exit)',
        });
      } else {
        this.#skip(e, `this boundary event has no counterpart on a ${node.type} node`);
      }
    }
  }

  /** Where a path arriving at `id` really leads: through merged elements, to a node. */
  #resolve(id: string, seen = new Set<string>()): string | null {
    if (seen.has(id)) return null;
    seen.add(id);
    const node = this.#nodeOf.get(id);
    if (node) return node;
    if (!this.#passThrough.has(id)) return null;
    const e = this.#elements.get(id);
    if (!e) return null;
    if (e.type === 'subProcess') {
      const inner = [...this.#elements.values()].find(
        (x) => x.parent === id && x.type === 'startEvent',
      );
      return inner ? this.#resolve(inner.id, seen) : null;
    }
    if (e.type === 'endEvent' && e.parent !== null) {
      const after = this.#outgoing(e.parent)[0];
      return after ? this.#resolve(after.target, seen) : null;
    }
    const after = this.#outgoing(id)[0];
    return after ? this.#resolve(after.target, seen) : null;
  }

  #buildEdges(): FlowEdge[] {
    const edges: FlowEdge[] = [];
    const usedIds = new Set<string>();
    for (const flow of this.#flows) {
      const from = this.#exitOf.get(flow.source) ?? this.#sourceNode(flow.source);
      if (!from) {
        if (!this.#passThrough.has(flow.source) && !this.#nodeOf.has(flow.source))
          this.#skipFlow(flow, `it leaves ${flow.source}, which was not imported`);
        continue;
      }
      // Flows into events absorbed by an event-based gateway are the gateway's own exits.
      if (this.#exitOf.get(flow.target)?.[0] === from[0]) {
        this.#report.push({
          elementId: flow.id,
          elementType: 'sequenceFlow',
          outcome: 'absorbed',
          nodeId: from[0],
          message: `part of the event-based gateway ${from[0]}`,
        });
        continue;
      }
      const target = this.#resolve(flow.target);
      if (!target) {
        this.#skipFlow(flow, `it leads to ${flow.target}, which was not imported`);
        continue;
      }
      let id = sanitizeEdgeId(flow.id);
      while (usedIds.has(id)) id = `${id}_`;
      usedIds.add(id);
      const edge: FlowEdge = { id, source: from[0], target, sourceHandle: from[1] };
      if (flow.name) edge.label = flow.name;
      edges.push(edge);
      this.#edgeFlows.set(id, flow);
      this.#report.push({
        elementId: flow.id,
        elementType: 'sequenceFlow',
        outcome: 'mapped',
        nodeId: from[0],
        message: `edge ${from[0]} → ${target}`,
      });
    }
    return edges;
  }

  readonly #edgeFlows = new Map<string, SequenceFlow>();

  #sourceNode(elementId: string): [string, string] | undefined {
    const nodeId = this.#nodeOf.get(elementId);
    return nodeId ? [nodeId, ''] : undefined;
  }

  /** Now that each node's outgoing edges are known: exits, conditions and outcomes. */
  #finishNodes(edges: FlowEdge[]): void {
    for (const [nodeId, node] of this.#nodes) {
      const own = edges.filter((e) => e.source === nodeId);
      const plain = own.filter((e) => e.sourceHandle === '');
      switch (node.type) {
        case 'decision': {
          const gatewayId = this.#elementOfNode(nodeId);
          const defaultFlow = gatewayId
            ? attr(this.#elements.get(gatewayId)?.xml ?? {}, 'default')
            : undefined;
          const conditions: Condition[] = [];
          let hasDefault = false;
          plain.forEach((edge, i) => {
            const flow = this.#edgeFlows.get(edge.id);
            if (flow?.id === defaultFlow || (!flow?.condition && !hasDefault)) {
              edge.sourceHandle = 'default';
              hasDefault = true;
              return;
            }
            const id = uniqueIdentifier(
              slugIdentifier(flow?.name ?? '') || `c${i + 1}`,
              conditions.map((c) => c.id),
            );
            conditions.push({
              id,
              ...(flow?.name ? { label: flow.name } : {}),
              expression: toCel(flow?.condition ?? 'true'),
            });
            edge.sourceHandle = id;
          });
          if (conditions.length > 0) this.#nodes.set(nodeId, { ...node, conditions });
          break;
        }
        case 'humanTask': {
          const outcomes: { id: string; label: string }[] = [];
          for (const edge of plain) {
            const id = uniqueIdentifier(
              slugIdentifier(edge.label ?? '') || 'done',
              outcomes.map((o) => o.id),
            );
            outcomes.push({ id, label: edge.label ?? 'Done' });
            edge.sourceHandle = id;
          }
          if (outcomes.length > 0) this.#nodes.set(nodeId, { ...node, outcomes });
          break;
        }
        case 'parallel':
          if (node.mode === 'split') {
            const branches = plain.map((edge, i) => {
              const id = uniqueIdentifier(`b${i + 1}`, []);
              edge.sourceHandle = id;
              return edge.label ? { id, label: edge.label } : { id };
            });
            this.#nodes.set(nodeId, { ...node, branches });
          } else this.#singleExit(node, plain, edges);
          break;
        case 'subflow':
          plain.forEach((edge, i) => {
            if (i === 0) edge.sourceHandle = 'completed';
          });
          this.#singleExit(node, plain.slice(1), edges);
          break;
        case 'exception':
        case 'classify':
        case 'start':
        case 'end':
        case 'timer':
        case 'connectorCall':
        case 'waitForEvent':
        case 'readinessGate':
          this.#singleExit(node, plain, edges);
      }
      for (const edge of own) if (edge.sourceHandle === '') delete edge.sourceHandle;
    }
  }

  /** Each parallel split gets the nearest join that every one of its branches reaches. */
  #pairParallelGateways(edges: FlowEdge[]): void {
    const next = new Map<string, string[]>();
    for (const e of edges) next.set(e.source, [...(next.get(e.source) ?? []), e.target]);
    const isJoin = (id: string) => {
      const n = this.#nodes.get(id);
      return n?.type === 'parallel' && n.mode === 'join';
    };
    /** Joins reachable from `from`, nearest first. */
    const joinsFrom = (from: string): string[] => {
      const found: string[] = [];
      const seen = new Set([from]);
      const queue = [from];
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        if (isJoin(id)) found.push(id);
        for (const n of next.get(id) ?? [])
          if (!seen.has(n)) {
            seen.add(n);
            queue.push(n);
          }
      }
      return found;
    };
    for (const [nodeId, node] of this.#nodes) {
      if (node.type !== 'parallel' || node.mode !== 'split') continue;
      const firsts = edges.filter((e) => e.source === nodeId).map((e) => e.target);
      const [head, ...rest] = firsts.map(joinsFrom);
      const join = (head ?? []).find((j) => rest.every((joins) => joins.includes(j)));
      if (join === undefined) {
        const element = this.#elements.get(this.#elementOfNode(nodeId) ?? '');
        if (element)
          this.#note(element, 'no parallel gateway joins all its branches: name the join');
        continue;
      }
      this.#nodes.set(nodeId, { ...node, join });
    }
  }

  /** Nodes with one plain exit keep their first plain edge; the rest was a parallel split. */
  #singleExit(node: FlowNode, plain: FlowEdge[], edges: FlowEdge[]): void {
    const exit = plainExit(node);
    plain.forEach((edge, i) => {
      if (i === 0) {
        if (exit === null) edge.sourceHandle = '';
        else edge.sourceHandle = exit;
        return;
      }
      const flow = this.#edgeFlows.get(edge.id);
      edges.splice(edges.indexOf(edge), 1);
      if (flow)
        this.#skipFlow(
          flow,
          `${node.id} leaves one way; a second outgoing flow is an implicit parallel split`,
        );
    });
  }

  #elementOfNode(nodeId: string): string | undefined {
    for (const [elementId, id] of this.#nodeOf) if (id === nodeId) return elementId;
    return undefined;
  }

  #add(e: BpmnElement, node: NodeDraft): void {
    let id = sanitizeNodeId(e.id);
    while (this.#usedNodeIds.has(id)) id = `${id.slice(0, 60)}_${this.#usedNodeIds.size}`;
    this.#usedNodeIds.add(id);
    const position = this.#positions.get(e.id);
    this.#nodes.set(id, { ...node, id, ...(position ? { position } : {}) });
    this.#nodeOf.set(e.id, id);
    this.#report.push({
      elementId: e.id,
      elementType: e.type,
      outcome: 'mapped',
      nodeId: id,
      message: `became ${node.type} node ${id}`,
    });
  }

  #unmap(e: BpmnElement, nodeId: string, message: string): void {
    this.#nodes.delete(nodeId);
    this.#nodeOf.delete(e.id);
    const index = this.#report.findIndex((r) => r.elementId === e.id);
    if (index >= 0) this.#report.splice(index, 1);
    this.#skip(e, message);
  }

  #absorb(e: BpmnElement, nodeId: string, exit: string): void {
    const ownNode = this.#nodeOf.get(e.id);
    if (ownNode) {
      this.#nodes.delete(ownNode);
      this.#nodeOf.delete(e.id);
      const index = this.#report.findIndex((r) => r.elementId === e.id);
      if (index >= 0) this.#report.splice(index, 1);
    }
    this.#exitOf.set(e.id, [nodeId, exit]);
    this.#report.push({
      elementId: e.id,
      elementType: e.type,
      outcome: 'absorbed',
      nodeId,
      message: `became the '${exit}' exit of ${nodeId}`,
    });
  }

  #merge(e: BpmnElement, message: string): void {
    this.#passThrough.add(e.id);
    this.#report.push({ elementId: e.id, elementType: e.type, outcome: 'merged', message });
  }

  #skip(e: BpmnElement, message: string): void {
    this.#report.push({ elementId: e.id, elementType: e.type, outcome: 'skipped', message });
  }

  #skipFlow(flow: SequenceFlow, message: string): void {
    this.#report.push({
      elementId: flow.id,
      elementType: 'sequenceFlow',
      outcome: 'skipped',
      message,
    });
  }

  /** A mapped element with a caveat: said in the report next to its mapping. */
  #note(e: BpmnElement, message: string): void {
    this.#notes.set(e.id, message);
  }

  readonly #notes = new Map<string, string>();

  #withNotes(): BpmnReportItem[] {
    return this.#report.map((item) => {
      const note = this.#notes.get(item.elementId);
      return note && item.outcome === 'mapped'
        ? { ...item, message: `${item.message}; ${note}` }
        : item;
    });
  }
}

function plainExit(node: FlowNode): string | null {
  switch (node.type) {
    case 'connectorCall':
      return 'success';
    case 'waitForEvent':
      return 'event';
    case 'readinessGate':
      return 'ready';
    case 'start':
    case 'timer':
    case 'end':
    case 'decision':
    case 'humanTask':
    case 'parallel':
    case 'subflow':
    case 'exception':
    case 'classify':
      return null;
  }
}

function durationOf(timer: XmlElement | undefined): Duration | undefined {
  if (!timer) return undefined;
  const raw = childText(timer, 'timeDuration');
  if (!raw) return undefined;
  // `=params.readinessSla` (as exported) refers to a duration parameter of the flow.
  const param = /^=\s*params\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(raw)?.[1];
  if (param) return { param };
  const value = raw.replace(/^=\s*/, '').replace(/^"(.*)"$/, '$1');
  const parsed = durationSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** `${amount > 1000 and ok}` (JUEL) or `=amount > 1000` (FEEL) → a CEL expression. */
export function toCel(condition: string): string {
  let expr = condition.trim();
  const juel = /^[$#]\{([\s\S]*)\}$/.exec(expr);
  if (juel?.[1] !== undefined) expr = juel[1].trim();
  expr = expr.replace(/^=\s*/, '');
  expr = expr
    .replace(/\band\b/g, '&&')
    .replace(/\bor\b/g, '||')
    .replace(/\bnot\s*\(/g, '!(')
    .replace(/([^=!<>])=(?!=)/g, '$1==');
  return expr === '' ? 'true' : expr;
}

/** A message name → a dotted event type (`Shipment confirmed` → `shipment.confirmed`). */
export function toEventType(name: string): string {
  const trimmed = name.trim().toLowerCase();
  if (eventTypeSchema.safeParse(trimmed).success) return trimmed;
  const words = trimmed.split(/[^a-z0-9]+/).filter((w) => w !== '');
  const first = words[0];
  if (!first) return 'message.received';
  const head = /^[a-z]/.test(first) ? first : `m${first}`;
  return words.length === 1 ? `message.${head}` : `${head}.${words.slice(1).join('_')}`;
}

function slug(value: string): string {
  return value
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '')
    .slice(0, 80);
}

function slugIdentifier(value: string): string {
  const words = value
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
  const joined = words.map((w, i) => (i === 0 ? w : w[0]?.toUpperCase() + w.slice(1))).join('');
  return /^[a-z_]/.test(joined) ? joined.slice(0, 40) : '';
}

function uniqueIdentifier(base: string, taken: string[]): string {
  let id = base;
  for (let n = 2; taken.includes(id); n += 1) id = `${base}${n}`;
  return id;
}

function sanitizeNodeId(id: string): string {
  const clean = id.replace(/[^A-Za-z0-9_-]/g, '_');
  return (/^[A-Za-z]/.test(clean) ? clean : `n${clean}`).slice(0, 64);
}

function sanitizeEdgeId(id: string): string {
  return id.slice(0, 128) || 'edge';
}
