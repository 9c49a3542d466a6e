/**
 * The 856 ship notice (ASN) reader: the HL tree read as shipment → order → tare/pack → item,
 * with shipped and ordered quantities per item.
 *
 * @module
 */
import type { X12DateReference, X12Party, X12ReadResult, X12Reference } from './x12-elements.ts';
import { ElementReader, assignDefined } from './x12-elements.ts';
import type { X12HlNode } from './x12-hl-tree.ts';
import { buildHlTree } from './x12-hl-tree.ts';
import type { X12TransactionSet } from './x12-parser.ts';

/**
 * One item (HL03 `I`): what shipped of one order line.
 *
 * ```ts
 * const item: X12AsnItem = { hlId: '8', lineNumber: '3', productIds: [{ qualifier: 'VP', value: 'SKU-3003' }],
 *   shippedQuantity: 18, unit: 'CA', orderedQuantity: 25, statusCode: 'BP', containerPath: ['3', '6'] };
 * ```
 */
export interface X12AsnItem {
  hlId: string;
  /** LIN01, the PO line number it ships. */
  lineNumber?: string;
  /** LIN02/LIN03, …: `VP` vendor part (our SKU), `BP` buyer part, `UP` UPC. */
  productIds: X12Reference[];
  /** SN102. */
  shippedQuantity: number;
  /** SN103. */
  unit: string;
  /** SN105, the quantity ordered, when sent. */
  orderedQuantity?: number;
  /** SN108: `AC` shipped complete, `BP` partial (balance backordered), `IB` backordered, `IR` rejected, … */
  statusCode?: string;
  description?: string;
  /** HL ids of the tare/pack levels holding the item, outermost first. */
  containerPath: string[];
}

/**
 * A tare (pallet, HL03 `T`) or pack (carton, HL03 `P`) level.
 *
 * ```ts
 * const pallet: X12AsnContainer = { hlId: '3', levelCode: 'T', sscc: '00012345600000000010', containers: [...], itemHlIds: [] };
 * ```
 */
export interface X12AsnContainer {
  hlId: string;
  levelCode: 'T' | 'P';
  /** MAN02 with MAN01 `GM` (SSCC-18 label) or the first MAN mark otherwise. */
  sscc?: string;
  containers: X12AsnContainer[];
  itemHlIds: string[];
}

/**
 * An order level (HL03 `O`): the PO it ships and its items, however deep they are packed.
 *
 * ```ts
 * order.items.filter((item) => (item.orderedQuantity ?? item.shippedQuantity) > item.shippedQuantity); // short lines
 * ```
 */
export interface X12AsnOrder {
  hlId: string;
  /** PRF01. */
  poNumber: string;
  poDate?: string;
  references: X12Reference[];
  containers: X12AsnContainer[];
  /** Every item of the order, depth first, whether packed or not. */
  items: X12AsnItem[];
}

/**
 * A shipment level (HL03 `S`): carrier, bill of lading, dates, parties and orders.
 *
 * ```ts
 * shipment.carrier?.scac; // 'ODFL'
 * ```
 */
export interface X12AsnShipment {
  hlId: string;
  carrier?: { scac?: string; transportMethodCode?: string; routing?: string };
  /** REF*BM. */
  billOfLading?: string;
  /** REF*CN (carrier's PRO number). */
  trackingNumber?: string;
  references: X12Reference[];
  dates: X12DateReference[];
  /** TD101/TD102: packaging code and lading quantity. */
  packaging?: { code: string; quantity: number };
  weight?: { value: number; unit: string };
  parties: X12Party[];
  orders: X12AsnOrder[];
}

/**
 * A typed 856.
 *
 * ```ts
 * const { document: asn } = readShipNotice(set);
 * asn.shipments[0]?.orders[0]?.items.length; // 3
 * ```
 */
export interface X12ShipNotice {
  transactionSet: '856';
  controlNumber: string;
  /** BSN01: `00` original, `05` replace, … */
  purpose: string;
  /** BSN02, the shipment identification. */
  shipmentId: string;
  date: string;
  time?: string;
  /** BSN05 hierarchical structure code, e.g. `0001` (S, O, T, P, I). */
  structureCode?: string;
  shipments: X12AsnShipment[];
  /** CTT01 as sent (the number of HL segments; checked). */
  declaredHlCount?: number;
}

/**
 * Reads an 856: BSN, then the HL tree. Items outside an order, orders outside a shipment, HL02
 * naming an unknown parent and malformed quantities are reported with their segment position.
 *
 * ```ts
 * const { document, errors } = readShipNotice(set);
 * ```
 */
export function readShipNotice(set: X12TransactionSet): X12ReadResult<X12ShipNotice> {
  const read = new ElementReader(set);
  read.expectSet(['856']);
  read.checkOrder('BSN', ['HL'], ['CTT']);
  const asn: X12ShipNotice = {
    transactionSet: '856',
    controlNumber: set.controlNumber,
    purpose: '',
    shipmentId: '',
    date: '',
    shipments: [],
  };
  const tree = buildHlTree(read.body());
  read.errors.push(...tree.errors);
  const bsn = tree.heading.find((segment) => segment.id === 'BSN');
  if (bsn === undefined) {
    read.missing('BSN', 'beginning segment for ship notice');
  } else {
    asn.purpose = read.requiredText(bsn, 1);
    asn.shipmentId = read.requiredText(bsn, 2);
    asn.date = read.date(bsn, 3, { required: true }) ?? '';
    assignDefined(asn, 'time', read.time(bsn, 4));
    assignDefined(asn, 'structureCode', read.text(bsn, 5));
  }
  if (tree.roots.length === 0) read.missing('HL', 'a ship notice needs a shipment level');
  const walker = new AsnWalker(read);
  for (const root of tree.roots) walker.visit(root, {});
  asn.shipments = walker.shipments;
  const ctt = tree.summary.find((segment) => segment.id === 'CTT');
  if (ctt !== undefined) {
    assignDefined(asn, 'declaredHlCount', read.decimal(ctt, 1, { required: true }));
    const hlCount = walker.visited;
    if (asn.declaredHlCount !== undefined && asn.declaredHlCount !== hlCount) {
      read.fail(
        ctt,
        1,
        `CTT01 says ${asn.declaredHlCount} HL segments, the ship notice has ${hlCount}`,
        'COUNT_MISMATCH',
      );
    }
  }
  return { document: asn, errors: read.errors };
}

/** Where a node sits: the shipment, order and containers above it. */
interface AsnScope {
  shipment?: X12AsnShipment;
  order?: X12AsnOrder;
  container?: X12AsnContainer;
  containerPath?: string[];
}

class AsnWalker {
  readonly shipments: X12AsnShipment[] = [];
  visited = 0;
  readonly #read: ElementReader;

  constructor(read: ElementReader) {
    this.#read = read;
  }

  visit(node: X12HlNode, scope: AsnScope): void {
    this.visited++;
    const inner = this.#level(node, scope);
    for (const child of node.children) this.visit(child, inner);
  }

  #level(node: X12HlNode, scope: AsnScope): AsnScope {
    switch (node.levelCode) {
      case 'S': {
        const shipment = this.#shipment(node);
        this.shipments.push(shipment);
        return { shipment };
      }
      case 'O': {
        if (scope.shipment === undefined)
          this.#misplaced(node, 'an order level (O) must be under a shipment level (S)');
        const order = this.#order(node);
        scope.shipment?.orders.push(order);
        return { ...scope, order, container: undefined, containerPath: [] };
      }
      case 'T':
      case 'P': {
        const container: X12AsnContainer = {
          hlId: node.id,
          levelCode: node.levelCode,
          containers: [],
          itemHlIds: [],
        };
        const man = node.segments.find((segment) => segment.id === 'MAN');
        if (man !== undefined) assignDefined(container, 'sscc', this.#read.text(man, 2));
        if (scope.container !== undefined) scope.container.containers.push(container);
        else if (scope.order !== undefined) scope.order.containers.push(container);
        else
          this.#misplaced(
            node,
            `a ${node.levelCode === 'T' ? 'tare' : 'pack'} level must be under an order level (O)`,
          );
        return { ...scope, container, containerPath: [...(scope.containerPath ?? []), node.id] };
      }
      case 'I': {
        const item = this.#item(node, scope.containerPath ?? []);
        scope.container?.itemHlIds.push(node.id);
        if (scope.order === undefined)
          this.#misplaced(node, 'an item level (I) must be under an order level (O)');
        scope.order?.items.push(item);
        return scope;
      }
      default:
        return scope;
    }
  }

  #shipment(node: X12HlNode): X12AsnShipment {
    const read = this.#read;
    const shipment: X12AsnShipment = {
      hlId: node.id,
      references: [],
      dates: [],
      parties: [],
      orders: [],
    };
    for (let index = 1; index < node.segments.length; index++) {
      const segment = node.segments[index];
      if (segment === undefined) break;
      switch (segment.id) {
        case 'TD1': {
          const code = read.text(segment, 1);
          const quantity = read.decimal(segment, 2);
          if (code !== undefined && quantity !== undefined) shipment.packaging = { code, quantity };
          const weight = read.decimal(segment, 7);
          if (weight !== undefined)
            shipment.weight = { value: weight, unit: read.text(segment, 8) ?? '' };
          break;
        }
        case 'TD5': {
          const carrier: NonNullable<X12AsnShipment['carrier']> = {};
          // TD502 `2` says TD503 is a SCAC code.
          if (read.text(segment, 2) === '2') assignDefined(carrier, 'scac', read.text(segment, 3));
          assignDefined(carrier, 'transportMethodCode', read.text(segment, 4));
          assignDefined(carrier, 'routing', read.text(segment, 5));
          shipment.carrier = carrier;
          break;
        }
        case 'REF': {
          const reference = read.reference(segment);
          shipment.references.push(reference);
          if (reference.qualifier === 'BM') shipment.billOfLading = reference.value;
          if (reference.qualifier === 'CN') shipment.trackingNumber = reference.value;
          break;
        }
        case 'DTM': {
          const date = read.dateReference(segment);
          if (date !== undefined) shipment.dates.push(date);
          break;
        }
        case 'N1': {
          const { party, next } = read.party(node.segments, index);
          shipment.parties.push(party);
          index = next - 1;
          break;
        }
        default:
          break;
      }
    }
    return shipment;
  }

  #order(node: X12HlNode): X12AsnOrder {
    const read = this.#read;
    const order: X12AsnOrder = {
      hlId: node.id,
      poNumber: '',
      references: [],
      containers: [],
      items: [],
    };
    const prf = node.segments.find((segment) => segment.id === 'PRF');
    if (prf === undefined) {
      read.fail(
        node.hl,
        undefined,
        `order level HL ${node.id} has no PRF segment naming its purchase order`,
        'SEGMENT_MISSING',
      );
    } else {
      order.poNumber = read.requiredText(prf, 1);
      assignDefined(order, 'poDate', read.date(prf, 4));
    }
    for (const segment of node.segments) {
      if (segment.id === 'REF') order.references.push(read.reference(segment));
    }
    return order;
  }

  #item(node: X12HlNode, containerPath: string[]): X12AsnItem {
    const read = this.#read;
    const item: X12AsnItem = {
      hlId: node.id,
      productIds: [],
      shippedQuantity: 0,
      unit: '',
      containerPath,
    };
    const lin = node.segments.find((segment) => segment.id === 'LIN');
    if (lin === undefined) {
      read.fail(
        node.hl,
        undefined,
        `item level HL ${node.id} has no LIN segment naming its product`,
        'SEGMENT_MISSING',
      );
    } else {
      assignDefined(item, 'lineNumber', read.text(lin, 1));
      item.productIds = read.pairs(lin, 2);
      if (item.productIds.length === 0) read.fail(lin, 2, 'LIN names no product (LIN02/LIN03)');
    }
    const sn1 = node.segments.find((segment) => segment.id === 'SN1');
    if (sn1 === undefined) {
      read.fail(
        node.hl,
        undefined,
        `item level HL ${node.id} has no SN1 segment with the quantity shipped`,
        'SEGMENT_MISSING',
      );
    } else {
      item.shippedQuantity = read.decimal(sn1, 2, { required: true }) ?? 0;
      item.unit = read.requiredText(sn1, 3);
      assignDefined(item, 'orderedQuantity', read.decimal(sn1, 5));
      assignDefined(item, 'statusCode', read.text(sn1, 8));
    }
    const pid = node.segments.find((segment) => segment.id === 'PID');
    if (pid !== undefined) assignDefined(item, 'description', read.text(pid, 5));
    return item;
  }

  #misplaced(node: X12HlNode, detail: string): void {
    this.#read.fail(node.hl, 3, detail, 'HL_STRUCTURE');
  }
}
