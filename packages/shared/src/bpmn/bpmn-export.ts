/**
 * Flow definition → BPMN 2.0 XML with diagram layout, readable by Camunda Modeler and bpmn.io.
 * Waits and gates with a timeout become an event-based gateway racing the event against a timer;
 * a connector call's error exit becomes an error boundary event; task outcomes become an
 * exclusive gateway on `outcome`. `importBpmn()` reads these shapes back.
 * @module
 */
import type { Duration, FlowDefinition, FlowEdge, FlowNode } from '../flow.schema.ts';
import { edgeExit } from '../flow-graph.ts';
import { BPMN_SCALE } from './bpmn-import.ts';
import { escapeXml } from './bpmn-xml.ts';

interface Shape {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

interface Out {
  elements: string[];
  flows: string[];
  shapes: Shape[];
  edges: { id: string; source: string; target: string }[];
  messages: Map<string, string>;
}

const sizes = {
  event: { width: 36, height: 36 },
  gateway: { width: 50, height: 50 },
  task: { width: 100, height: 80 },
};

/**
 * Writes a flow as a BPMN 2.0 document (process + diagram).
 *
 * ```ts
 * writeFileSync('billing-readiness.bpmn', exportBpmn(flow));
 * ```
 */
export function exportBpmn(definition: FlowDefinition): string {
  const out: Out = { elements: [], flows: [], shapes: [], edges: [], messages: new Map() };
  definition.nodes.forEach((node, index) => writeNode(definition, node, index, out));
  for (const edge of definition.edges) writeEdge(definition, edge, out);
  const processId = ncName(definition.key);
  const messages = [...out.messages].map(
    ([id, name]) => `  <bpmn:message id="${id}" name="${escapeXml(name)}" />`,
  );
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:waybill="https://waybill.dev/schema/bpmn" id="Definitions_' +
      processId +
      '" targetNamespace="https://waybill.dev/flows" exporter="Waybill" exporterVersion="1">',
    ...messages,
    `  <bpmn:process id="${processId}" name="${escapeXml(definition.name)}" isExecutable="true">`,
    ...(definition.description
      ? [`    <bpmn:documentation>${escapeXml(definition.description)}</bpmn:documentation>`]
      : []),
    ...out.elements,
    ...out.flows,
    '  </bpmn:process>',
    '  <bpmndi:BPMNDiagram id="BPMNDiagram_1">',
    `    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="${processId}">`,
    ...out.shapes.map(
      (s) =>
        `      <bpmndi:BPMNShape id="${s.id}_di" bpmnElement="${s.id}">\n        <dc:Bounds x="${s.x}" y="${s.y}" width="${s.width}" height="${s.height}" />\n      </bpmndi:BPMNShape>`,
    ),
    ...out.edges.flatMap((e) => edgeDi(e, out.shapes)),
    '    </bpmndi:BPMNPlane>',
    '  </bpmndi:BPMNDiagram>',
    '</bpmn:definitions>',
    '',
  ].join('\n');
}

function writeNode(definition: FlowDefinition, node: FlowNode, index: number, out: Out): void {
  const id = ncName(node.id);
  const name = node.name ? ` name="${escapeXml(node.name)}"` : '';
  const origin = {
    x: Math.round((node.position?.x ?? index * 260) / BPMN_SCALE.x),
    y: Math.round((node.position?.y ?? 0) / BPMN_SCALE.y),
  };
  const shape = (shapeId: string, kind: keyof typeof sizes, dx = 0, dy = 0): void => {
    out.shapes.push({ id: shapeId, x: origin.x + dx, y: origin.y + dy, ...sizes[kind] });
  };
  const el = (line: string): void => {
    out.elements.push(`    ${line}`);
  };
  switch (node.type) {
    case 'start': {
      const ref = messageRef(definition.trigger.event, out);
      el(
        `<bpmn:startEvent id="${id}"${name}>\n      <bpmn:messageEventDefinition id="${id}_message" messageRef="${ref}" />\n    </bpmn:startEvent>`,
      );
      return shape(id, 'event');
    }
    case 'end':
      el(`<bpmn:endEvent id="${id}" name="${escapeXml(node.name ?? node.outcome)}" />`);
      return shape(id, 'event');
    case 'decision': {
      const fallback = definition.edges.find(
        (e) => e.source === node.id && edgeExit(node, e) === 'default',
      );
      const def = fallback ? ` default="${ncName(fallback.id)}"` : '';
      el(`<bpmn:exclusiveGateway id="${id}"${name}${def} />`);
      return shape(id, 'gateway');
    }
    case 'connectorCall': {
      el(
        `<bpmn:serviceTask id="${id}"${name} waybill:connector="${escapeXml(node.connector)}" waybill:operation="${escapeXml(node.operation)}">\n      <bpmn:extensionElements>\n        <zeebe:taskDefinition type="${escapeXml(`${node.connector}:${node.operation}`)}" />\n      </bpmn:extensionElements>\n    </bpmn:serviceTask>`,
      );
      shape(id, 'task');
      if (definition.edges.some((e) => e.source === node.id && edgeExit(node, e) === 'error')) {
        el(
          `<bpmn:boundaryEvent id="${id}_error" name="Error" attachedToRef="${id}">\n      <bpmn:errorEventDefinition id="${id}_error_def" />\n    </bpmn:boundaryEvent>`,
        );
        shape(`${id}_error`, 'event', 32, 62);
      }
      return undefined;
    }
    case 'humanTask': {
      el(
        `<bpmn:userTask id="${id}" name="${escapeXml(node.name ?? node.title)}" camunda:candidateGroups="${escapeXml(node.candidateRoles.join(','))}">\n      <bpmn:extensionElements>\n        <zeebe:assignmentDefinition candidateGroups="${escapeXml(node.candidateRoles.join(','))}" />\n      </bpmn:extensionElements>\n    </bpmn:userTask>`,
      );
      shape(id, 'task');
      if (node.outcomes.length > 1) {
        el(`<bpmn:exclusiveGateway id="${id}_outcome" name="Outcome" />`);
        shape(`${id}_outcome`, 'gateway', 150, 15);
        flow(out, `${id}_to_outcome`, id, `${id}_outcome`);
      }
      return undefined;
    }
    case 'parallel':
      el(`<bpmn:parallelGateway id="${id}"${name} />`);
      return shape(id, 'gateway');
    case 'subflow':
      el(
        `<bpmn:callActivity id="${id}"${name} calledElement="${escapeXml(node.flow)}"${node.version === undefined ? '' : ` waybill:version="${node.version}"`} />`,
      );
      return shape(id, 'task');
    case 'exception':
      el(
        `<bpmn:task id="${id}"${name} waybill:kind="exception" waybill:category="${node.category}" />`,
      );
      return shape(id, 'task');
    case 'classify':
      el(
        `<bpmn:businessRuleTask id="${id}"${name} waybill:kind="classify" waybill:threshold="${node.threshold}" />`,
      );
      return shape(id, 'task');
    case 'timer':
      el(
        `<bpmn:intermediateCatchEvent id="${id}"${name}>\n      ${timerDefinition(`${id}_def`, node.delay)}\n    </bpmn:intermediateCatchEvent>`,
      );
      return shape(id, 'event');
    case 'waitForEvent':
    case 'readinessGate': {
      const catchDefinition =
        node.type === 'waitForEvent'
          ? `<bpmn:messageEventDefinition id="${id}_msg" messageRef="${messageRef(node.eventType, out)}" />`
          : `<bpmn:conditionalEventDefinition id="${id}_cond">\n        <bpmn:condition xsi:type="bpmn:tFormalExpression">${escapeXml(
              node.conditions.map((c) => `(${c.expression})`).join(' && '),
            )}</bpmn:condition>\n      </bpmn:conditionalEventDefinition>`;
      if (!node.timeout) {
        el(
          `<bpmn:intermediateCatchEvent id="${id}"${name}>\n      ${catchDefinition}\n    </bpmn:intermediateCatchEvent>`,
        );
        return shape(id, 'event');
      }
      const exit = node.type === 'waitForEvent' ? 'event' : 'ready';
      el(`<bpmn:eventBasedGateway id="${id}"${name} />`);
      shape(id, 'gateway');
      el(
        `<bpmn:intermediateCatchEvent id="${id}_${exit}" name="${exit}">\n      ${catchDefinition}\n    </bpmn:intermediateCatchEvent>`,
      );
      shape(`${id}_${exit}`, 'event', 100, 7);
      el(
        `<bpmn:intermediateCatchEvent id="${id}_timeout" name="timeout">\n      ${timerDefinition(`${id}_timeout_def`, node.timeout)}\n    </bpmn:intermediateCatchEvent>`,
      );
      shape(`${id}_timeout`, 'event', 100, 90);
      flow(out, `${id}_to_${exit}`, id, `${id}_${exit}`);
      flow(out, `${id}_to_timeout`, id, `${id}_timeout`);
      return undefined;
    }
  }
}

/** The BPMN element an exit leaves from, and the condition its flow carries. */
function exitSource(node: FlowNode, exit: string | null): { source: string; condition?: string } {
  const id = ncName(node.id);
  switch (node.type) {
    case 'connectorCall':
      return { source: exit === 'error' ? `${id}_error` : id };
    case 'waitForEvent':
    case 'readinessGate':
      return node.timeout && exit ? { source: `${id}_${exit}` } : { source: id };
    case 'humanTask':
      return node.outcomes.length > 1 && exit
        ? { source: `${id}_outcome`, condition: `outcome == "${exit}"` }
        : { source: id };
    case 'decision': {
      const condition = node.conditions.find((c) => c.id === exit)?.expression;
      return condition ? { source: id, condition } : { source: id };
    }
    case 'subflow':
      return exit ? { source: id, condition: `outcome == "${exit}"` } : { source: id };
    case 'exception':
      return node.waitForResolution && exit
        ? { source: id, condition: `outcome == "${exit}"` }
        : { source: id };
    case 'classify':
      return exit ? { source: id, condition: `category == "${exit}"` } : { source: id };
    case 'start':
    case 'timer':
    case 'end':
    case 'parallel':
      return { source: id };
  }
}

function writeEdge(definition: FlowDefinition, edge: FlowEdge, out: Out): void {
  const node = definition.nodes.find((n) => n.id === edge.source);
  if (!node || !definition.nodes.some((n) => n.id === edge.target)) return;
  const { source, condition } = exitSource(node, edgeExit(node, edge));
  flow(out, ncName(edge.id), source, ncName(edge.target), edge.label, condition);
}

function flow(
  out: Out,
  id: string,
  source: string,
  target: string,
  name?: string,
  condition?: string,
): void {
  const label = name ? ` name="${escapeXml(name)}"` : '';
  const open = `    <bpmn:sequenceFlow id="${id}"${label} sourceRef="${source}" targetRef="${target}"`;
  out.flows.push(
    condition
      ? `${open}>\n      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${escapeXml(condition)}</bpmn:conditionExpression>\n    </bpmn:sequenceFlow>`
      : `${open} />`,
  );
  out.edges.push({ id, source, target });
}

function timerDefinition(id: string, duration: Duration): string {
  const value = typeof duration === 'string' ? duration : `=params.${duration.param}`;
  return `<bpmn:timerEventDefinition id="${id}">\n        <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">${escapeXml(value)}</bpmn:timeDuration>\n      </bpmn:timerEventDefinition>`;
}

function messageRef(eventType: string, out: Out): string {
  const id = `Message_${ncName(eventType)}`;
  out.messages.set(id, eventType);
  return id;
}

function edgeDi(
  edge: { id: string; source: string; target: string },
  shapes: readonly Shape[],
): string[] {
  const from = shapes.find((s) => s.id === edge.source);
  const to = shapes.find((s) => s.id === edge.target);
  if (!from || !to) return [];
  const a = { x: from.x + from.width, y: from.y + from.height / 2 };
  const b = { x: to.x, y: to.y + to.height / 2 };
  return [
    `      <bpmndi:BPMNEdge id="${edge.id}_di" bpmnElement="${edge.id}">\n        <di:waypoint x="${a.x}" y="${a.y}" />\n        <di:waypoint x="${b.x}" y="${b.y}" />\n      </bpmndi:BPMNEdge>`,
  ];
}

/** An XML id (NCName): letters, digits, `_`, `-`, `.`, not starting with a digit. */
function ncName(value: string): string {
  const clean = value.replace(/[^A-Za-z0-9_.-]/g, '_');
  return /^[A-Za-z_]/.test(clean) ? clean : `_${clean}`;
}
