import { describe, expect, test } from 'vitest';
import { validate } from './validate.ts';
import type { ValidateOptions } from './validate.ts';

const base = {
  key: 'kinds',
  name: 'Kinds',
  trigger: { event: 'order.released', assign: 'order' },
  variables: [{ name: 'order', type: 'any' }],
};

/** Problems of one code, as `[nodeId, field]` pairs. */
function problems(
  nodes: unknown[],
  edges: unknown[],
  code: string,
  options: ValidateOptions = {},
): [string | null, string][] {
  return validate({ ...base, nodes, edges }, options)
    .filter((p) => p.code === code)
    .map((p) => [p.nodeId, p.field]);
}

const split = (extra: Record<string, unknown> = {}) => ({
  id: 'fork',
  type: 'parallel',
  mode: 'split',
  join: 'meet',
  branches: [{ id: 'a' }, { id: 'b' }],
  ...extra,
});
const join = { id: 'meet', type: 'parallel', mode: 'join' };
const wait = (id: string) => ({ id, type: 'waitForEvent', eventType: `${id}.done` });
const ends = [
  { id: 'begin', type: 'start' },
  { id: 'done', type: 'end' },
];
const blockEdges = [
  { id: 's', source: 'begin', target: 'fork' },
  { id: 'a1', source: 'fork', sourceHandle: 'a', target: 'x' },
  { id: 'b1', source: 'fork', sourceHandle: 'b', target: 'y' },
  { id: 'x1', source: 'x', target: 'meet' },
  { id: 'y1', source: 'y', target: 'meet' },
  { id: 'j', source: 'meet', target: 'done' },
];

describe('parallel', () => {
  test('a well-formed block has no problems', () => {
    expect(
      validate({
        ...base,
        nodes: [...ends, split(), wait('x'), wait('y'), join],
        edges: blockEdges,
      }),
    ).toEqual([]);
  });

  test.each([
    [
      'parallel.no-join',
      [...ends, split({ join: undefined }), wait('x'), wait('y'), join],
      blockEdges,
      ['fork', 'join'],
    ],
    [
      'parallel.unknown-join',
      [...ends, split({ join: 'x' }), wait('x'), wait('y'), join],
      blockEdges,
      ['fork', 'join'],
    ],
    [
      'parallel.too-few-branches',
      [...ends, split({ branches: [{ id: 'a' }] }), wait('x'), join],
      blockEdges.filter((e) => e.id !== 'b1' && e.id !== 'y1'),
      ['fork', 'branches'],
    ],
    [
      'parallel.branch-no-join',
      [...ends, split(), wait('x'), wait('y'), join, { id: 'other', type: 'end' }],
      [...blockEdges.filter((e) => e.id !== 'y1'), { id: 'y2', source: 'y', target: 'other' }],
      ['fork', 'branches.1'],
    ],
    [
      'parallel.unmatched-join',
      [...ends, wait('x'), join],
      [
        { id: 's', source: 'begin', target: 'x' },
        { id: 'x1', source: 'x', target: 'meet' },
        { id: 'j', source: 'meet', target: 'done' },
      ],
      ['meet', 'mode'],
    ],
    [
      'parallel.shared-node',
      [...ends, split(), wait('x'), wait('y'), join],
      [...blockEdges, { id: 'cross', source: 'y', target: 'x' }].filter((e) => e.id !== 'y1'),
      ['x', 'id'],
    ],
    [
      'parallel.nested',
      [
        ...ends,
        split(),
        wait('x'),
        {
          id: 'inner',
          type: 'parallel',
          mode: 'split',
          join: 'innerJoin',
          branches: [{ id: 'c' }, { id: 'd' }],
        },
        { id: 'innerJoin', type: 'parallel', mode: 'join' },
        join,
      ],
      [
        ...blockEdges.filter((e) => e.id !== 'b1' && e.id !== 'y1'),
        { id: 'b1', source: 'fork', sourceHandle: 'b', target: 'inner' },
        { id: 'c1', source: 'inner', sourceHandle: 'c', target: 'innerJoin' },
        { id: 'd1', source: 'inner', sourceHandle: 'd', target: 'innerJoin' },
        { id: 'ij', source: 'innerJoin', target: 'meet' },
      ],
      ['inner', 'type'],
    ],
    [
      'parallel.enters-branch',
      [...ends, split(), wait('x'), wait('y'), join, wait('z')],
      [
        ...blockEdges.filter((e) => e.id !== 'j'),
        { id: 'j', source: 'meet', target: 'z' },
        { id: 'back', source: 'z', target: 'x' },
      ],
      ['x', 'id'],
    ],
  ])('%s', (code, nodes, edges, where) => {
    expect(problems(nodes, edges, code)).toContainEqual(where);
  });
});

describe('subflow', () => {
  const call = (extra: Record<string, unknown>) => [
    ...ends,
    { id: 'call', type: 'subflow', flow: 'pod-chase', outcomes: ['received'], ...extra },
  ];
  const edges = [
    { id: 's', source: 'begin', target: 'call' },
    { id: 'c', source: 'call', sourceHandle: 'received', target: 'done' },
  ];
  const flows = [{ key: 'pod-chase', versions: [1, 2] }];

  test('a call of a published flow is fine; an unconnected failed exit is only a warning', () => {
    expect(validate({ ...base, nodes: call({ version: 2 }), edges }, { flows })).toEqual([
      expect.objectContaining({
        code: 'subflow.failed-unhandled',
        severity: 'warning',
        nodeId: 'call',
        field: 'exits.failed',
      }),
    ]);
  });
  test.each([
    ['subflow.recursive', { flow: 'kinds' }, ['call', 'flow']],
    ['subflow.unknown-flow', { flow: 'nope' }, ['call', 'flow']],
    ['subflow.unknown-version', { version: 7 }, ['call', 'version']],
    ['subflow.reserved-outcome', { outcomes: ['received', 'failed'] }, ['call', 'outcomes.1']],
    ['variable.undeclared', { resultVariable: 'nothing' }, ['call', 'resultVariable']],
    [
      'expr.type',
      { input: { order: { kind: 'expr', expr: 'missing.field' } } },
      ['call', 'input.order.expr'],
    ],
  ])('%s', (code, extra, where) => {
    expect(problems(call(extra), edges, code, { flows })).toContainEqual(where);
  });
  test('without a catalogue an unknown flow key is not reported', () => {
    expect(problems(call({ flow: 'nope' }), edges, 'subflow.unknown-flow')).toEqual([]);
  });
});

describe('exception and classify', () => {
  test.each([
    [
      'exception.wait-without-task',
      {
        id: 'x',
        type: 'exception',
        category: 'creditHold',
        openTask: false,
        waitForResolution: true,
      },
      'resolved',
      ['x', 'waitForResolution'],
    ],
    [
      'duration.unknown-parameter',
      { id: 'x', type: 'exception', category: 'creditHold', sla: { param: 'creditSla' } },
      undefined,
      ['x', 'sla'],
    ],
    [
      'schema.invalid_value',
      { id: 'x', type: 'exception', category: 'lostPallet' },
      undefined,
      ['x', 'category'],
    ],
    [
      'classify.duplicate-category',
      { id: 'x', type: 'classify', text: 'order.note', categories: ['creditHold', 'creditHold'] },
      'creditHold',
      ['x', 'categories.1'],
    ],
    [
      'schema.too_big',
      { id: 'x', type: 'classify', text: 'order.note', categories: ['creditHold'], threshold: 1.5 },
      'creditHold',
      ['x', 'threshold'],
    ],
  ])('%s', (code, node, handle, where) => {
    const edges = [
      { id: 's', source: 'begin', target: 'x' },
      { id: 'x1', source: 'x', ...(handle ? { sourceHandle: handle } : {}), target: 'done' },
    ];
    expect(problems([...ends, node], edges, code)).toContainEqual(where);
  });
});
