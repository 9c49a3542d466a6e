import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { exitTargets } from '../flow-graph.ts';
import type { FlowDefinition, FlowNode } from '../flow.schema.ts';
import { billingReadiness } from '../test/billing-readiness.fixture.ts';
import { validate } from '../validate.ts';
import { exportBpmn } from './bpmn-export.ts';
import { importBpmn, toCel, toEventType } from './bpmn-import.ts';
import type { BpmnReportItem } from './bpmn-import.ts';
import { isBpmnImportError } from './bpmn.error.ts';

const fixture = (name: string): string =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

function node(definition: FlowDefinition, id: string): FlowNode {
  const found = definition.nodes.find((n) => n.id === id);
  if (!found) throw new Error(`no node ${id}`);
  return found;
}

function exits(definition: FlowDefinition, id: string): Record<string, string> {
  return Object.fromEntries(exitTargets(node(definition, id), definition.edges));
}

function item(report: BpmnReportItem[], elementId: string): BpmnReportItem | undefined {
  return report.find((r) => r.elementId === elementId);
}

describe('importBpmn: a Camunda 7 diagram with every supported element', () => {
  const { definition, report } = importBpmn(fixture('invoice-exception.bpmn'));

  test('names the flow after the process and starts it on the message start event', () => {
    expect(definition.key).toBe('invoice-exception');
    expect(definition.name).toBe('Invoice exception');
    expect(definition.trigger.event).toBe('order.released');
    expect(node(definition, 'StartEvent_OrderReleased').type).toBe('start');
  });

  test('maps tasks: user task → human task with candidate groups, service task → connector call', () => {
    const review = node(definition, 'Activity_ReviewVariance');
    expect(review).toMatchObject({
      type: 'humanTask',
      title: 'Review price variance',
      candidateRoles: ['billing-clerk', 'pricing-analyst'],
      outcomes: [{ id: 'approved', label: 'Approved' }],
      dueIn: 'P2D',
    });
    expect(node(definition, 'Activity_PostInvoice')).toMatchObject({
      type: 'connectorCall',
      connector: 'waybill.erp-sandbox',
      operation: 'postInvoice',
    });
  });

  test('an exclusive gateway becomes a decision with CEL conditions and its default flow', () => {
    expect(node(definition, 'Gateway_Variance')).toMatchObject({
      type: 'decision',
      conditions: [
        { id: 'varianceOver2', label: 'Variance over 2 %', expression: 'variance > 0.02' },
      ],
    });
    // The default leads through the merging gateway and into the flattened sub process.
    expect(exits(definition, 'Gateway_Variance')).toEqual({
      varianceOver2: 'Activity_ReviewVariance',
      default: 'Event_CoolingOff',
    });
    expect(item(report, 'Gateway_Merge')?.outcome).toBe('merged');
  });

  test('a receive task with a timer boundary becomes a wait with a timeout exit', () => {
    expect(node(definition, 'Activity_WaitShipment')).toMatchObject({
      type: 'waitForEvent',
      eventType: 'shipment.confirmed',
      timeout: 'PT48H',
    });
    expect(exits(definition, 'Activity_WaitShipment')).toEqual({
      event: 'Gateway_Variance',
      timeout: 'Event_Escalated',
    });
  });

  test('timer and conditional catch events of a sub process are flattened into the flow', () => {
    expect(node(definition, 'Event_CoolingOff')).toMatchObject({ type: 'timer', delay: 'PT30M' });
    expect(node(definition, 'Event_ReadyToBill')).toMatchObject({
      type: 'readinessGate',
      conditions: [{ expression: 'pod != null && shipment != null' }],
    });
    expect(exits(definition, 'Event_ReadyToBill')).toEqual({ ready: 'Activity_PostInvoice' });
    expect(item(report, 'Activity_PrepareInvoice')?.outcome).toBe('merged');
    expect(definition.nodes.some((n) => n.id === 'Event_SubStart' || n.id === 'Event_SubEnd')).toBe(
      false,
    );
  });

  test('an error boundary event becomes the error exit of the connector call', () => {
    expect(exits(definition, 'Activity_PostInvoice')).toEqual({
      success: 'Gateway_AwaitPod',
      error: 'Event_Escalated',
    });
    expect(item(report, 'Event_ErpFailed')).toMatchObject({
      outcome: 'absorbed',
      nodeId: 'Activity_PostInvoice',
    });
  });

  test('an event-based gateway racing a message against a timer becomes a wait with a timeout', () => {
    expect(node(definition, 'Gateway_AwaitPod')).toMatchObject({
      type: 'waitForEvent',
      eventType: 'pod.received',
      timeout: 'P7D',
    });
    // Its timer path leads through a one-in, one-out parallel gateway (merged) to the escalation.
    expect(exits(definition, 'Gateway_AwaitPod')).toEqual({
      event: 'Event_Invoiced',
      timeout: 'Event_Escalated',
    });
    expect(item(report, 'Gateway_Notify')?.outcome).toBe('merged');
    expect(item(report, 'Event_PodReceived')?.outcome).toBe('absorbed');
  });

  test('end events keep their names as outcomes', () => {
    expect(node(definition, 'Event_Invoiced')).toMatchObject({ type: 'end', outcome: 'invoiced' });
  });

  test('reports, per element id, what was not imported and why', () => {
    const skipped = report.filter((r) => r.outcome === 'skipped').map((r) => r.elementId);
    expect(skipped).toEqual(expect.arrayContaining(['Event_ReviewDue', 'Flow_6remind']));
    // Annotations carry no behaviour: they are neither imported nor reported.
    expect(item(report, 'TextAnnotation_1')).toBeUndefined();
  });

  test('positions come from the diagram layout (bpmndi)', () => {
    const start = node(definition, 'StartEvent_OrderReleased').position;
    const wait = node(definition, 'Activity_WaitShipment').position;
    expect(start && wait && wait.x > start.x).toBe(true);
    expect(definition.nodes.every((n) => n.position !== undefined)).toBe(true);
  });

  test('the imported flow is well-formed: every edge joins two imported nodes', () => {
    const problems = validate(definition).filter(
      (p) => p.code.startsWith('schema') || p.code.startsWith('edge'),
    );
    expect(problems).toEqual([]);
  });
});

describe('importBpmn: a Camunda 8 collaboration', () => {
  const { definition, report } = importBpmn(fixture('credit-hold-zeebe.bpmn'));

  test('imports the first process and reports the others', () => {
    expect(definition.key).toBe('credit-hold');
    expect(item(report, 'SalesFollowUp')).toMatchObject({
      outcome: 'skipped',
      elementType: 'process',
    });
  });

  test('reads Zeebe job types, assignment groups and FEEL conditions', () => {
    expect(node(definition, 'Activity_CheckExposure')).toMatchObject({
      connector: 'waybill.erp-sandbox',
      operation: 'getCreditExposure',
    });
    expect(node(definition, 'Activity_Decide')).toMatchObject({
      candidateRoles: ['credit-controller'],
    });
    expect(node(definition, 'Gateway_Release')).toMatchObject({
      conditions: [{ id: 'release', expression: 'decision == "release" && exposure < 50000' }],
    });
  });

  test('a plain start event starts on a named trigger, noted in the report', () => {
    expect(definition.trigger.event).toBe('credit-hold.started');
    expect(item(report, 'StartEvent_1')?.message).toMatch(/credit-hold\.started/);
  });

  test('a call activity without calledElement becomes a subflow, noted in the report', () => {
    expect(node(definition, 'Activity_Collections')).toMatchObject({ type: 'subflow' });
    expect(item(report, 'Activity_Collections')?.message).toMatch(/calledElement/);
  });

  test('script tasks, inclusive gateways and date timers are reported', () => {
    for (const id of ['Activity_Score', 'Gateway_Inclusive', 'Event_EndOfMonth'])
      expect(item(report, id)?.outcome, id).toBe('skipped');
    expect(item(report, 'Flow_no')).toMatchObject({ outcome: 'skipped' });
    expect(item(report, 'Flow_no')?.message).toMatch(/Activity_Score/);
  });
});

describe('importBpmn: parallel gateways and call activities', () => {
  const xml = `<?xml version="1.0"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">
  <bpmn:process id="ReadyToBill">
    <bpmn:startEvent id="Start" />
    <bpmn:parallelGateway id="Fork" />
    <bpmn:receiveTask id="WaitPod" name="POD received" />
    <bpmn:callActivity id="Credit" name="Credit check" calledElement="credit-check" />
    <bpmn:parallelGateway id="Meet" />
    <bpmn:endEvent id="Done" name="Billed" />
    <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Fork" />
    <bpmn:sequenceFlow id="f2" name="POD" sourceRef="Fork" targetRef="WaitPod" />
    <bpmn:sequenceFlow id="f3" sourceRef="Fork" targetRef="Credit" />
    <bpmn:sequenceFlow id="f4" sourceRef="WaitPod" targetRef="Meet" />
    <bpmn:sequenceFlow id="f5" sourceRef="Credit" targetRef="Meet" />
    <bpmn:sequenceFlow id="f6" sourceRef="Meet" targetRef="Done" />
  </bpmn:process>
</bpmn:definitions>`;
  const { definition, report } = importBpmn(xml);

  test('a diverging gateway becomes a split paired with the converging one', () => {
    expect(node(definition, 'Fork')).toMatchObject({
      type: 'parallel',
      mode: 'split',
      join: 'Meet',
      branches: [{ id: 'b1', label: 'POD' }, { id: 'b2' }],
    });
    expect(node(definition, 'Meet')).toMatchObject({ type: 'parallel', mode: 'join' });
    expect(exits(definition, 'Fork')).toEqual({ b1: 'WaitPod', b2: 'Credit' });
    expect(item(report, 'Fork')?.outcome).toBe('mapped');
  });

  test('a call activity becomes a subflow of the called flow', () => {
    expect(node(definition, 'Credit')).toMatchObject({ type: 'subflow', flow: 'credit-check' });
    expect(exits(definition, 'Credit')).toEqual({ completed: 'Meet' });
  });

  test('the imported block validates without errors', () => {
    expect(validate(definition).filter((p) => p.severity === 'error')).toEqual([]);
  });
});

describe('importBpmn errors', () => {
  test.each([
    ['not XML', '<bpmn:definitions><oops></bpmn:definitions>', 'BPMN_XML_INVALID'],
    ['no process', '<?xml version="1.0"?><definitions xmlns="x"></definitions>', 'BPMN_NO_PROCESS'],
    [
      'no start event',
      '<definitions><process id="P"><userTask id="T"/></process></definitions>',
      'BPMN_NO_START',
    ],
  ])('%s', (_name, xml, code) => {
    let caught: unknown;
    try {
      importBpmn(xml);
    } catch (error) {
      caught = error;
    }
    expect(isBpmnImportError(caught)).toBe(true);
    expect(caught).toMatchObject({ code });
  });
});

describe('exportBpmn', () => {
  test('round-trips the billing-readiness flow through BPMN', () => {
    const xml = exportBpmn(billingReadiness);
    expect(xml).toContain('<bpmn:process id="billing-readiness"');
    expect(xml).toContain('bpmndi:BPMNShape');
    const { definition, report } = importBpmn(xml);
    expect(report.filter((r) => r.outcome === 'skipped')).toEqual([]);
    for (const original of billingReadiness.nodes) {
      const back = node(definition, original.id);
      expect(back.type, original.id).toBe(original.type);
      // Every exit leads where it led before (task outcomes come back through a decision).
      if (original.type !== 'humanTask')
        expect(exits(definition, original.id), original.id).toEqual(
          Object.fromEntries(exitTargets(original, billingReadiness.edges)),
        );
    }
    expect(definition.trigger.event).toBe(billingReadiness.trigger.event);
  });
});

describe('expression and name mapping', () => {
  test.each([
    ['${amount > 1000}', 'amount > 1000'],
    ['=status = "open" and total >= 10', 'status == "open" && total >= 10'],
    ['#{a or not(b)}', 'a || !(b)'],
    ['x != 1', 'x != 1'],
  ])('toCel(%s)', (input, expected) => expect(toCel(input)).toBe(expected));

  test.each([
    ['shipment.confirmed', 'shipment.confirmed'],
    ['POD received', 'pod.received'],
    ['Payment', 'message.payment'],
  ])('toEventType(%s)', (input, expected) => expect(toEventType(input)).toBe(expected));
});
