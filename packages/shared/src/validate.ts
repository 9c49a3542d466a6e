/**
 * `validate()`: every problem of a flow definition at once, each with a stable code, the node
 * (or edge) it belongs to and the field within it, so the designer can mark it and a CI check
 * can print it.
 * @module
 */
import type { z } from 'zod';
import { DurationError, resolveDuration } from './duration.ts';
import { checkExpression } from './expression/expression.ts';
import {
  buildExpressionEnvironment,
  reservedExpressionNames,
} from './expression/expression-environment.ts';
import type { ExpressionEnvironment } from './expression/expression-environment.ts';
import { edgeExit, parallelBlocks } from './flow-graph.ts';
import {
  eventBindingSchema,
  exitsOf,
  flowDefinitionSchema,
  flowEdgeSchema,
  flowNodeSchema,
  parameterSchema,
  triggerSchema,
  variableSchema,
} from './flow.schema.ts';
import type { Duration, FlowDefinition, FlowNode, FlowNodeOf, ValueSource } from './flow.schema.ts';
import type { Problem } from './problem.ts';

/** What a deployment knows about one connector, for checking connector calls. */
export interface ConnectorCatalogEntry {
  id: string;
  version: number;
  operations: { name: string; inputFields: string[]; requiredInputs: string[] }[];
}

/** What a deployment knows about one published flow, for checking subflow calls. */
export interface FlowCatalogEntry {
  key: string;
  /** Its published versions. */
  versions: readonly number[];
}

export interface ValidateOptions {
  /** When given, connector calls are checked against it (connector, operation, inputs). */
  connectors?: readonly ConnectorCatalogEntry[];
  /** When given, subflow calls are checked against it (flow key, pinned version). */
  flows?: readonly FlowCatalogEntry[];
}

/**
 * Checks a flow definition (as parsed JSON) and returns every problem found; an empty list
 * means it can be compiled and published.
 *
 * ```ts
 * const problems = validate(JSON.parse(text));
 * for (const p of problems) console.log(`${p.severity} ${p.code} ${p.nodeId ?? ''} ${p.field}: ${p.message}`);
 * ```
 */
export function validate(input: unknown, options: ValidateOptions = {}): Problem[] {
  const parsed = flowDefinitionSchema.safeParse(input);
  if (parsed.success) return semanticProblems(parsed.data, options, { complete: true });
  const problems = parsed.error.issues.map((issue) => schemaProblem(issue, input));
  // Check what did parse too, so the author sees everything at once; graph-wide warnings
  // would be noise while some nodes could not be read.
  const partial = salvage(input);
  if (partial) problems.push(...semanticProblems(partial.flow, options, partial));
  return problems;
}

/**
 * True when any problem blocks publishing (severity `error`).
 *
 * ```ts
 * if (hasErrors(validate(flow))) throw new Error('fix the flow first');
 * ```
 */
export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}

// ---- schema problems -------------------------------------------------------------------------

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function idAt(input: unknown, list: string, index: PropertyKey | undefined): string | null {
  if (!isRecord(input) || typeof index !== 'number') return null;
  const items = input[list];
  const item: unknown = Array.isArray(items) ? items[index] : undefined;
  return isRecord(item) && typeof item['id'] === 'string' ? item['id'] : null;
}

function schemaProblem(issue: z.core.$ZodIssue, input: unknown): Problem {
  const [head, index, ...rest] = issue.path;
  const path = issue.path.map(String);
  const problem: Problem = {
    code: `schema.${issue.code}`,
    severity: 'error',
    nodeId: null,
    field: path.join('.'),
    message: issue.message,
  };
  if (head === 'nodes' && index !== undefined) {
    problem.nodeId = idAt(input, 'nodes', index);
    problem.field = rest.map(String).join('.');
    if (issue.code === 'too_small' && problem.field === 'conditions') {
      problem.code = 'node.no-conditions';
      problem.message = 'needs at least one condition';
    }
  } else if (head === 'edges' && index !== undefined) {
    const edgeId = idAt(input, 'edges', index);
    if (edgeId !== null) problem.edgeId = edgeId;
    problem.field = rest.map(String).join('.');
  }
  return problem;
}

interface SalvagedFlow {
  flow: FlowDefinition;
  /** Ids of every node in the input, parsed or not (so edges to them are not "unknown"). */
  nodeIds: ReadonlySet<string>;
  complete: false;
}

/** The parts of an invalid definition that do parse on their own. */
function salvage(input: unknown): SalvagedFlow | null {
  if (!isRecord(input)) return null;
  const items = <T>(schema: z.ZodType<T>, value: unknown): T[] =>
    Array.isArray(value)
      ? value.flatMap((item) => {
          const result = schema.safeParse(item);
          return result.success ? [result.data] : [];
        })
      : [];
  const trigger = triggerSchema.safeParse(input['trigger']);
  const nodeIds = new Set<string>();
  const rawNodes = input['nodes'];
  if (Array.isArray(rawNodes)) {
    for (const node of rawNodes)
      if (isRecord(node) && typeof node['id'] === 'string') nodeIds.add(node['id']);
  }
  const flow: FlowDefinition = {
    schemaVersion: 1,
    key: 'invalid',
    name: 'invalid',
    trigger: trigger.success ? trigger.data : { event: 'invalid.trigger' },
    variables: items(variableSchema, input['variables']),
    events: items(eventBindingSchema, input['events']),
    parameters: items(parameterSchema, input['parameters']),
    nodes: items(flowNodeSchema, input['nodes']),
    edges: items(flowEdgeSchema, input['edges']),
  };
  return { flow, nodeIds, complete: false };
}

// ---- semantic problems -----------------------------------------------------------------------

interface Scope {
  complete: boolean;
  nodeIds?: ReadonlySet<string>;
}

class Problems {
  readonly list: Problem[] = [];

  error(
    code: string,
    nodeId: string | null,
    field: string,
    message: string,
    extra: ProblemLocation = {},
  ): void {
    this.list.push({ code, severity: 'error', nodeId, field, message, ...extra });
  }

  warning(code: string, nodeId: string | null, field: string, message: string): void {
    this.list.push({ code, severity: 'warning', nodeId, field, message });
  }
}
type ProblemLocation = Pick<Problem, 'edgeId' | 'range'>;

function semanticProblems(flow: FlowDefinition, options: ValidateOptions, scope: Scope): Problem[] {
  const problems = new Problems();
  checkDeclarations(flow, problems);
  checkNodes(flow, problems);
  checkEdges(flow, problems, scope);
  if (scope.complete) checkReachability(flow, problems);
  checkParallelBlocks(flow, problems);
  checkNodeContents(flow, options, problems);
  return problems.list;
}

function duplicates<T>(items: readonly T[], key: (item: T) => string): [T, number][] {
  const seen = new Set<string>();
  const repeated: [T, number][] = [];
  items.forEach((item, index) => {
    const k = key(item);
    if (seen.has(k)) repeated.push([item, index]);
    seen.add(k);
  });
  return repeated;
}

function checkDeclarations(flow: FlowDefinition, problems: Problems): void {
  const declared = new Set(flow.variables.map((v) => v.name));
  for (const [v, i] of duplicates(flow.variables, (v) => v.name)) {
    problems.error(
      'variable.duplicate',
      null,
      `variables.${i}.name`,
      `variable '${v.name}' is declared twice`,
    );
  }
  flow.variables.forEach((v, i) => {
    if (reservedExpressionNames.has(v.name)) {
      problems.error(
        'variable.reserved',
        null,
        `variables.${i}.name`,
        `'${v.name}' is reserved in expressions; choose another name`,
      );
    }
  });
  for (const [p, i] of duplicates(flow.parameters, (p) => p.name)) {
    problems.error(
      'parameter.duplicate',
      null,
      `parameters.${i}.name`,
      `parameter '${p.name}' is declared twice`,
    );
  }
  for (const [b, i] of duplicates(flow.events, (b) => b.type)) {
    problems.error(
      'event.duplicate-binding',
      null,
      `events.${i}.type`,
      `event '${b.type}' is bound twice`,
    );
  }
  flow.events.forEach((b, i) => {
    if (b.append !== undefined) {
      const target = flow.variables.find((v) => v.name === b.append);
      if (!target) {
        problems.error(
          'variable.undeclared',
          null,
          `events.${i}.append`,
          `event '${b.type}' is appended to '${b.append}', which is not a declared variable`,
        );
      } else if (
        typeof target.type === 'string' ? target.type !== 'any' : !('list' in target.type)
      ) {
        problems.error(
          'variable.not-a-list',
          null,
          `events.${i}.append`,
          `event '${b.type}' is appended to '${b.append}', which is not declared as a list`,
        );
      }
    }
    if (b.assign !== undefined && !declared.has(b.assign)) {
      problems.error(
        'variable.undeclared',
        null,
        `events.${i}.assign`,
        `event '${b.type}' is stored in '${b.assign}', which is not a declared variable`,
      );
    }
  });
  if (flow.trigger.assign !== undefined && !declared.has(flow.trigger.assign)) {
    problems.error(
      'variable.undeclared',
      null,
      'trigger.assign',
      `the trigger is stored in '${flow.trigger.assign}', which is not a declared variable`,
    );
  }
  const reservedEvents: [string, string][] = [
    ['trigger.event', flow.trigger.event],
    ...flow.events.map((b, i): [string, string] => [`events.${i}.type`, b.type]),
  ];
  for (const [field, type] of reservedEvents) {
    if (type.startsWith('waybill.')) {
      problems.error(
        'event.reserved',
        null,
        field,
        `event types starting with 'waybill.' are reserved`,
      );
    }
  }
}

function checkNodes(flow: FlowDefinition, problems: Problems): void {
  const starts = flow.nodes.filter((n) => n.type === 'start');
  if (starts.length === 0)
    problems.error('flow.no-start', null, 'nodes', 'the flow needs a start node');
  for (const extra of starts.slice(1)) {
    problems.error(
      'flow.multiple-starts',
      extra.id,
      'type',
      'the flow has more than one start node',
    );
  }
  if (!flow.nodes.some((n) => n.type === 'end')) {
    problems.error('flow.no-end', null, 'nodes', 'the flow needs at least one end node');
  }
  for (const [node] of duplicates(flow.nodes, (n) => n.id)) {
    problems.error('node.duplicate-id', node.id, 'id', `node id '${node.id}' is used twice`);
  }
}

/** Exits a flow must connect (a connector call's `error` and a subflow's `failed` are optional). */
function requiredExits(node: FlowNode): string[] {
  if (node.type === 'connectorCall') return ['success'];
  if (node.type === 'subflow') return [...node.outcomes];
  return exitsOf(node);
}

function checkEdges(flow: FlowDefinition, problems: Problems, scope: Scope): void {
  const nodes = new Map(flow.nodes.map((n) => [n.id, n]));
  const exists = (id: string) => nodes.has(id) || (scope.nodeIds?.has(id) ?? false);
  for (const [edge] of duplicates(flow.edges, (e) => e.id)) {
    problems.error('edge.duplicate-id', edge.source, 'id', `edge id '${edge.id}' is used twice`, {
      edgeId: edge.id,
    });
  }
  const used = new Map<string, string>(); // `<node>/<exit>` → first edge id
  for (const edge of flow.edges) {
    const at = { edgeId: edge.id };
    if (!exists(edge.source)) {
      problems.error(
        'edge.unknown-source',
        null,
        'source',
        `edge '${edge.id}' starts at unknown node '${edge.source}'`,
        at,
      );
    }
    if (!exists(edge.target)) {
      problems.error(
        'edge.unknown-target',
        edge.source,
        'target',
        `edge '${edge.id}' leads to unknown node '${edge.target}'`,
        at,
      );
    }
    const target = nodes.get(edge.target);
    if (target?.type === 'start') {
      problems.error(
        'start.incoming-edge',
        target.id,
        'id',
        `the start node cannot be entered again (edge '${edge.id}')`,
        at,
      );
    }
    const source = nodes.get(edge.source);
    if (!source) continue;
    if (source.type === 'end') {
      problems.error(
        'end.outgoing-edge',
        source.id,
        'id',
        `an end node has no exits (edge '${edge.id}')`,
        at,
      );
      continue;
    }
    const exit = edgeExit(source, edge);
    if (exit === null) {
      problems.error(
        'edge.missing-handle',
        source.id,
        'sourceHandle',
        `edge '${edge.id}' must say which exit of '${source.id}' it leaves from (${exitsOf(source).join(', ')})`,
        at,
      );
      continue;
    }
    if (!exitsOf(source).includes(exit)) {
      problems.error(
        'edge.unknown-exit',
        source.id,
        'sourceHandle',
        `'${exit}' is not an exit of '${source.id}' (${exitsOf(source).join(', ')})`,
        at,
      );
      continue;
    }
    const key = `${source.id}/${exit}`;
    const first = used.get(key);
    if (first === undefined) used.set(key, edge.id);
    else
      problems.error(
        'edge.duplicate-exit',
        source.id,
        `exits.${exit}`,
        `exit '${exit}' of '${source.id}' has two edges ('${first}' and '${edge.id}')`,
        at,
      );
  }
  for (const node of flow.nodes) {
    if (node.type === 'subflow' && !used.has(`${node.id}/failed`))
      problems.warning(
        'subflow.failed-unhandled',
        node.id,
        'exits.failed',
        `exit 'failed' of '${node.id}' is not connected: a child that fails or ends otherwise leaves the instance waiting here`,
      );
    for (const exit of requiredExits(node)) {
      if (!used.has(`${node.id}/${exit}`)) {
        problems.error(
          'node.missing-exit',
          node.id,
          `exits.${exit}`,
          `exit '${exit}' of '${node.id}' is not connected`,
        );
      }
    }
  }
}

function checkParallelBlocks(flow: FlowDefinition, problems: Problems): void {
  const blocks = parallelBlocks(flow.nodes, flow.edges);
  const joinedBy = new Map<string, string[]>();
  /** node id → `<split>/<branch>` it belongs to. */
  const memberOf = new Map<string, string>();
  for (const { split, join, branches } of blocks) {
    if (split.branches.length < 2)
      problems.error(
        'parallel.too-few-branches',
        split.id,
        'branches',
        'a parallel split needs at least two branches',
      );
    for (const [b, i] of duplicates(split.branches, (b) => b.id))
      problems.error(
        'parallel.duplicate-branch',
        split.id,
        `branches.${i}.id`,
        `branch '${b.id}' is defined twice`,
      );
    if (split.join === undefined) {
      problems.error('parallel.no-join', split.id, 'join', 'name the join where the branches meet');
      continue;
    }
    if (join === null) {
      problems.error(
        'parallel.unknown-join',
        split.id,
        'join',
        `'${split.join}' is not a parallel join node`,
      );
      continue;
    }
    joinedBy.set(join.id, [...(joinedBy.get(join.id) ?? []), split.id]);
    const inBlock = new Set<string>([split.id]);
    branches.forEach((branch, i) => {
      if (branch.first !== null && !branch.reachesJoin)
        problems.error(
          'parallel.branch-no-join',
          split.id,
          `branches.${i}`,
          `branch '${branch.id}' never reaches the join '${join.id}'`,
        );
      for (const member of branch.members) {
        inBlock.add(member);
        const where = `${split.id}/${branch.id}`;
        const other = memberOf.get(member);
        if (other !== undefined) {
          problems.error(
            'parallel.shared-node',
            member,
            'id',
            `'${member}' lies on two parallel branches (${other} and ${where}); each node belongs to one branch`,
          );
          continue;
        }
        memberOf.set(member, where);
        const node = flow.nodes.find((n) => n.id === member);
        if (node?.type === 'parallel')
          problems.error(
            'parallel.nested',
            member,
            'type',
            `parallel blocks cannot be nested ('${member}' lies on branch '${branch.id}' of '${split.id}'); draw the inner branches as more branches of '${split.id}'`,
          );
      }
    });
    for (const edge of flow.edges) {
      if (edge.target === join.id && !inBlock.has(edge.source))
        problems.error(
          'parallel.join-entry',
          join.id,
          'id',
          `edge '${edge.id}' enters the join '${join.id}' from '${edge.source}', outside the branches of '${split.id}'`,
          { edgeId: edge.id },
        );
    }
  }
  for (const edge of flow.edges) {
    const branch = memberOf.get(edge.target);
    if (branch === undefined) continue;
    const [splitId] = branch.split('/');
    if (edge.source === splitId || memberOf.get(edge.source) === branch) continue;
    problems.error(
      'parallel.enters-branch',
      edge.target,
      'id',
      `edge '${edge.id}' enters branch ${branch} from '${edge.source}'; a branch is entered only from its split`,
      { edgeId: edge.id },
    );
  }
  for (const node of flow.nodes) {
    if (node.type !== 'parallel') continue;
    if (node.mode === 'join') {
      const splits = joinedBy.get(node.id) ?? [];
      if (splits.length === 0)
        problems.error(
          'parallel.unmatched-join',
          node.id,
          'mode',
          `no parallel split names '${node.id}' as its join`,
        );
      if (splits.length > 1)
        problems.error(
          'parallel.join-shared',
          node.id,
          'mode',
          `'${node.id}' is the join of several splits (${splits.join(', ')}); give each split its own join`,
        );
      if (node.branches.length > 0 || node.join !== undefined)
        problems.error(
          'parallel.join-config',
          node.id,
          node.branches.length > 0 ? 'branches' : 'join',
          'a join has no branches or join of its own; set them on the split',
        );
    }
  }
}

function checkReachability(flow: FlowDefinition, problems: Problems): void {
  const start = flow.nodes.find((n) => n.type === 'start');
  const ends = flow.nodes.filter((n) => n.type === 'end').map((n) => n.id);
  const forward = new Map<string, string[]>();
  const backward = new Map<string, string[]>();
  for (const e of flow.edges) {
    forward.set(e.source, [...(forward.get(e.source) ?? []), e.target]);
    backward.set(e.target, [...(backward.get(e.target) ?? []), e.source]);
  }
  const reach = (from: string[], next: Map<string, string[]>): Set<string> => {
    const seen = new Set(from);
    const queue = [...from];
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      for (const n of next.get(id) ?? []) {
        if (seen.has(n)) continue;
        seen.add(n);
        queue.push(n);
      }
    }
    return seen;
  };
  if (start) {
    const reachable = reach([start.id], forward);
    for (const n of flow.nodes) {
      if (!reachable.has(n.id))
        problems.warning(
          'node.unreachable',
          n.id,
          'id',
          `'${n.id}' cannot be reached from the start`,
        );
    }
  }
  if (ends.length > 0) {
    const finishing = reach(ends, backward);
    for (const n of flow.nodes) {
      if (!finishing.has(n.id))
        problems.warning('node.dead-end', n.id, 'id', `no path leads from '${n.id}' to an end`);
    }
  }
}

// ---- node contents ---------------------------------------------------------------------------

interface Context {
  flow: FlowDefinition;
  options: ValidateOptions;
  problems: Problems;
  env: ExpressionEnvironment;
  declared: ReadonlySet<string>;
}

function checkNodeContents(
  flow: FlowDefinition,
  options: ValidateOptions,
  problems: Problems,
): void {
  const ctx: Context = {
    flow,
    options,
    problems,
    env: buildExpressionEnvironment(flow),
    declared: new Set(flow.variables.map((v) => v.name)),
  };
  for (const node of flow.nodes) checkNode(node, ctx);
}

function checkInputs(
  node: FlowNode,
  field: string,
  inputs: Record<string, ValueSource>,
  ctx: Context,
): void {
  for (const [name, source] of Object.entries(inputs)) {
    if (source.kind === 'expr')
      checkExpressionField(node.id, `${field}.${name}.expr`, source.expr, ctx.env, ctx, false);
  }
}

function checkSubflow(node: FlowNodeOf<'subflow'>, ctx: Context): void {
  checkVariable(node, 'resultVariable', node.resultVariable, ctx);
  checkInputs(node, 'input', node.input, ctx);
  node.outcomes.forEach((outcome, i) => {
    if (outcome === 'failed')
      ctx.problems.error(
        'subflow.reserved-outcome',
        node.id,
        `outcomes.${i}`,
        `'failed' is the exit for a child that failed or ended otherwise; name the outcome differently`,
      );
  });
  for (const [o, i] of duplicates(node.outcomes, (o) => o))
    ctx.problems.error(
      'outcome.duplicate',
      node.id,
      `outcomes.${i}`,
      `outcome '${o}' is listed twice`,
    );
  if (node.flow === ctx.flow.key) {
    ctx.problems.error(
      'subflow.recursive',
      node.id,
      'flow',
      `a flow cannot call itself ('${node.flow}'); every call would start another`,
    );
    return;
  }
  const catalogue = ctx.options.flows;
  if (!catalogue) return;
  const entry = catalogue.find((f) => f.key === node.flow);
  if (!entry || entry.versions.length === 0) {
    ctx.problems.error('subflow.unknown-flow', node.id, 'flow', `no published flow '${node.flow}'`);
    return;
  }
  if (node.version !== undefined && !entry.versions.includes(node.version))
    ctx.problems.error(
      'subflow.unknown-version',
      node.id,
      'version',
      `flow '${node.flow}' has no published version ${node.version} (published: ${entry.versions.join(', ')})`,
    );
}

function checkException(node: FlowNodeOf<'exception'>, ctx: Context): void {
  checkDuration(node, 'sla', node.sla, ctx);
  checkInputs(node, 'details', node.details, ctx);
  if (node.waitForResolution && !node.openTask)
    ctx.problems.error(
      'exception.wait-without-task',
      node.id,
      'waitForResolution',
      'waiting for resolution needs a task for the owner (turn on openTask)',
    );
  for (const [o, i] of duplicates(node.outcomes, (o) => o.id))
    ctx.problems.error(
      'outcome.duplicate',
      node.id,
      `outcomes.${i}.id`,
      `outcome '${o.id}' is defined twice`,
    );
}

function checkClassify(node: FlowNodeOf<'classify'>, ctx: Context): void {
  checkVariable(node, 'resultVariable', node.resultVariable, ctx);
  checkExpressionField(node.id, 'text', node.text, ctx.env, ctx, false);
  checkInputs(node, 'features', node.features, ctx);
  for (const [c, i] of duplicates(node.categories, (c) => c))
    ctx.problems.error(
      'classify.duplicate-category',
      node.id,
      `categories.${i}`,
      `category '${c}' is listed twice`,
    );
}

function checkNode(node: FlowNode, ctx: Context): void {
  switch (node.type) {
    case 'start':
    case 'end':
      return;
    case 'decision':
    case 'readinessGate':
      checkConditions(node, ctx);
      if (node.type === 'readinessGate') checkDuration(node, 'timeout', node.timeout, ctx);
      return;
    case 'connectorCall':
      checkConnectorCall(node, ctx);
      return;
    case 'waitForEvent':
      checkVariable(node, 'assign', node.assign, ctx);
      checkDuration(node, 'timeout', node.timeout, ctx);
      if (node.eventType.startsWith('waybill.')) {
        ctx.problems.error(
          'event.reserved',
          node.id,
          'eventType',
          `event types starting with 'waybill.' are reserved`,
        );
      }
      if (node.filter !== undefined && node.filter.trim() !== '') {
        const env = buildExpressionEnvironment(ctx.flow, { eventType: node.eventType });
        checkExpressionField(node.id, 'filter', node.filter, env, ctx, true);
      }
      return;
    case 'timer':
      checkDuration(node, 'delay', node.delay, ctx);
      return;
    case 'parallel':
      return;
    case 'subflow':
      checkSubflow(node, ctx);
      return;
    case 'exception':
      checkException(node, ctx);
      return;
    case 'classify':
      checkClassify(node, ctx);
      return;
    case 'humanTask':
      checkVariable(node, 'resultVariable', node.resultVariable, ctx);
      checkDuration(node, 'dueIn', node.dueIn, ctx);
      checkDuration(node, 'escalation.after', node.escalation?.after, ctx);
      for (const [o, i] of duplicates(node.outcomes, (o) => o.id)) {
        ctx.problems.error(
          'outcome.duplicate',
          node.id,
          `outcomes.${i}.id`,
          `outcome '${o.id}' is defined twice`,
        );
      }
      return;
  }
}

function checkConditions(
  node: FlowNodeOf<'decision'> | FlowNodeOf<'readinessGate'>,
  ctx: Context,
): void {
  for (const [c, i] of duplicates(node.conditions, (c) => c.id)) {
    ctx.problems.error(
      'condition.duplicate',
      node.id,
      `conditions.${i}.id`,
      `condition '${c.id}' is defined twice`,
    );
  }
  node.conditions.forEach((c, i) => {
    checkExpressionField(node.id, `conditions.${i}.expression`, c.expression, ctx.env, ctx, true);
  });
}

function checkExpressionField(
  nodeId: string,
  field: string,
  expr: string,
  env: ExpressionEnvironment,
  ctx: Context,
  mustBeBool: boolean,
): void {
  const result = checkExpression(expr, env);
  if (!result.ok) {
    for (const p of result.problems) {
      const code =
        p.reason === 'unexpected_token' || p.reason.startsWith('parse')
          ? 'expr.syntax'
          : 'expr.type';
      ctx.problems.error(code, nodeId, field, p.message, { range: p.range });
    }
    return;
  }
  if (mustBeBool && result.type !== 'bool' && result.type !== 'dyn') {
    ctx.problems.error(
      'expr.not-bool',
      nodeId,
      field,
      `must be true or false, but is ${result.type}`,
      {
        range: { start: 1, end: expr.length + 1 },
      },
    );
  }
}

function checkVariable(
  node: FlowNode,
  field: string,
  name: string | undefined,
  ctx: Context,
): void {
  if (name !== undefined && !ctx.declared.has(name)) {
    ctx.problems.error(
      'variable.undeclared',
      node.id,
      field,
      `'${name}' is not a declared variable`,
    );
  }
}

function checkDuration(
  node: FlowNode,
  field: string,
  duration: Duration | undefined,
  ctx: Context,
): void {
  if (duration === undefined) return;
  try {
    resolveDuration(duration, ctx.flow.parameters);
  } catch (error) {
    if (!(error instanceof DurationError)) throw error;
    const codes = {
      DURATION_INVALID: 'duration.invalid',
      DURATION_UNKNOWN_PARAMETER: 'duration.unknown-parameter',
      DURATION_NOT_A_DURATION_PARAMETER: 'duration.not-duration-parameter',
      DURATION_UNSET: 'duration.unset',
    } as const;
    ctx.problems.error(codes[error.code], node.id, field, error.message);
  }
}

function checkConnectorCall(node: FlowNodeOf<'connectorCall'>, ctx: Context): void {
  checkVariable(node, 'resultVariable', node.resultVariable, ctx);
  for (const [name, source] of Object.entries(node.input)) {
    if (source.kind === 'expr')
      checkExpressionField(node.id, `input.${name}.expr`, source.expr, ctx.env, ctx, false);
  }
  const catalogue = ctx.options.connectors;
  if (!catalogue) return;
  const connector = catalogue.find(
    (c) => c.id === node.connector && c.version === node.connectorVersion,
  );
  if (!connector) {
    ctx.problems.error(
      'connector.unknown',
      node.id,
      'connector',
      `no connector '${node.connector}' version ${node.connectorVersion} is installed`,
    );
    return;
  }
  const operation = connector.operations.find((o) => o.name === node.operation);
  if (!operation) {
    ctx.problems.error(
      'connector.unknown-operation',
      node.id,
      'operation',
      `connector '${node.connector}' has no operation '${node.operation}'`,
    );
    return;
  }
  for (const required of operation.requiredInputs) {
    if (!(required in node.input)) {
      ctx.problems.error(
        'connector.missing-input',
        node.id,
        `input.${required}`,
        `'${node.operation}' needs input '${required}'`,
      );
    }
  }
  for (const name of Object.keys(node.input)) {
    if (!operation.inputFields.includes(name)) {
      ctx.problems.error(
        'connector.unknown-input',
        node.id,
        `input.${name}`,
        `'${node.operation}' has no input '${name}'`,
      );
    }
  }
}
