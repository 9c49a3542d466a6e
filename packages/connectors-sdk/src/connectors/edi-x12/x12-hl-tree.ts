/**
 * The hierarchical-level (HL) loops of a transaction set as a tree: each HL segment opens a node
 * that owns the segments up to the next HL; HL02 names its parent's HL01.
 *
 * @module
 */
import { X12Error } from './x12.error.ts';
import { elementAt } from './x12-elements.ts';
import type { X12Segment } from './x12-tokenizer.ts';

/**
 * One HL loop. `segments` starts with its HL segment; `children` are the loops naming it in HL02.
 *
 * ```ts
 * const order = tree.roots[0]?.children[0]; // shipment → order
 * order?.levelCode; // 'O'
 * ```
 */
export interface X12HlNode {
  /** HL01, unique within the set. */
  id: string;
  /** HL02; undefined for a root. */
  parentId: string | undefined;
  /** HL03: `S` shipment, `O` order, `T` tare (pallet), `P` pack (carton), `I` item, … */
  levelCode: string;
  hl: X12Segment;
  /** The HL segment and the segments of its loop, up to the next HL. */
  segments: X12Segment[];
  children: X12HlNode[];
}

/**
 * What {@link buildHlTree} returns: the root loops, the segments before the first HL (the
 * heading) and after the loops end (the summary: CTT), and any structural problems.
 *
 * ```ts
 * const { roots, errors } = buildHlTree(set.segments.slice(1, -1));
 * ```
 */
export interface X12HlTree {
  roots: X12HlNode[];
  heading: X12Segment[];
  summary: X12Segment[];
  errors: X12Error[];
}

/** Segments that close the detail area, after which no segment belongs to an HL loop. */
const summarySegments = new Set(['CTT', 'SE']);

/**
 * Builds the HL tree of a set body (segments without ST/SE, or with them: they are set apart).
 * Reports an unknown parent, a duplicate HL01, a parent that comes after its child, and an HL
 * naming itself as parent, each as `HL_STRUCTURE` at the HL's position; such a loop becomes a root.
 *
 * ```ts
 * const tree = buildHlTree(set.segments);
 * tree.roots[0]?.levelCode; // 'S'
 * ```
 */
export function buildHlTree(segments: readonly X12Segment[]): X12HlTree {
  const tree: X12HlTree = { roots: [], heading: [], summary: [], errors: [] };
  const byId = new Map<string, X12HlNode>();
  let current: X12HlNode | undefined;
  for (const segment of segments) {
    if (segment.id === 'ST') continue;
    if (summarySegments.has(segment.id)) {
      if (segment.id !== 'SE') tree.summary.push(segment);
      current = undefined;
      continue;
    }
    if (segment.id !== 'HL') {
      if (current === undefined) {
        if (tree.summary.length === 0) tree.heading.push(segment);
        else tree.summary.push(segment);
      } else {
        current.segments.push(segment);
      }
      continue;
    }
    current = openNode(segment, byId, tree);
  }
  return tree;
}

function openNode(hl: X12Segment, byId: Map<string, X12HlNode>, tree: X12HlTree): X12HlNode {
  const id = elementAt(hl, 1).trim();
  const parentValue = elementAt(hl, 2).trim();
  const node: X12HlNode = {
    id,
    parentId: parentValue === '' ? undefined : parentValue,
    levelCode: elementAt(hl, 3).trim(),
    hl,
    segments: [hl],
    children: [],
  };
  const fail = (position: number, detail: string): void => {
    tree.errors.push(
      new X12Error('HL_STRUCTURE', detail, {
        segmentPosition: hl.position,
        segmentId: 'HL',
        elementPosition: position,
      }),
    );
  };
  if (id === '') fail(1, 'HL01 (hierarchical id) is required');
  if (node.levelCode === '') fail(3, 'HL03 (level code) is required');
  const duplicate = byId.get(id);
  if (duplicate !== undefined) {
    fail(1, `HL01 "${id}" is already used by the HL at segment ${duplicate.hl.position}`);
  } else if (id !== '') {
    byId.set(id, node);
  }
  if (node.parentId === undefined) {
    tree.roots.push(node);
    return node;
  }
  const parent = node.parentId === id ? undefined : byId.get(node.parentId);
  if (parent === undefined) {
    const why =
      node.parentId === id
        ? 'names itself as parent'
        : 'names a parent that no earlier HL has as HL01';
    fail(2, `HL02 "${node.parentId}" ${why}`);
    tree.roots.push(node);
  } else {
    parent.children.push(node);
  }
  return node;
}

/**
 * Every node of the tree, depth first, parents before children.
 *
 * ```ts
 * const items = walkHlTree(tree.roots).filter((node) => node.levelCode === 'I');
 * ```
 */
export function walkHlTree(nodes: readonly X12HlNode[]): X12HlNode[] {
  const all: X12HlNode[] = [];
  const visit = (node: X12HlNode): void => {
    all.push(node);
    node.children.forEach(visit);
  };
  nodes.forEach(visit);
  return all;
}
